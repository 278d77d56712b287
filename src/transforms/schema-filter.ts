// Psoxy's `responseSchema`: an allow-list written as a small JSON Schema. Only the properties it
// names survive (in the order the response has them); a value of the wrong type becomes null; null
// satisfies any type. Psoxy applies it before the redact and pseudonymize transforms.
// Supported keywords: type, properties, items; title, description, format, required,
// additionalProperties and $schema are accepted and ignored, as Psoxy ignores them.

export type SchemaType = 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';

export interface ResponseSchema {
  type?: SchemaType;
  properties?: Record<string, ResponseSchema>;
  items?: ResponseSchema;
}

const TYPES = new Set<string>(['object', 'array', 'string', 'integer', 'number', 'boolean']);
const IGNORED = new Set(['title', 'description', 'format', 'required', 'additionalProperties', '$schema']);

/** Throws an Error naming the location of the first keyword or type this filter cannot honour. */
export function checkResponseSchema(schema: unknown, at = '$'): void {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) {
    throw new Error(`responseSchema at ${at} must be an object`);
  }
  for (const [keyword, value] of Object.entries(schema)) {
    if (keyword === 'type') {
      if (typeof value !== 'string' || !TYPES.has(value)) {
        throw new Error(`responseSchema at ${at}: unsupported type ${JSON.stringify(value)}`);
      }
    } else if (keyword === 'properties') {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw new Error(`responseSchema at ${at}: properties must be an object`);
      }
      for (const [name, property] of Object.entries(value)) checkResponseSchema(property, `${at}.${name}`);
    } else if (keyword === 'items') {
      checkResponseSchema(value, `${at}[]`);
    } else if (!IGNORED.has(keyword)) {
      throw new Error(`responseSchema at ${at}: unsupported keyword ${JSON.stringify(keyword)}`);
    }
  }
}

/** A new value holding only what `schema` allows; `value` itself is left untouched. */
export function filterBySchema(value: unknown, schema: ResponseSchema): unknown {
  if (value === null || value === undefined) return null;
  switch (schema.type) {
    case 'string':
      return typeof value === 'string' ? value : null;
    case 'integer':
      // Jackson's int conversion truncates a fractional number rather than rejecting it
      return typeof value === 'number' ? Math.trunc(value) : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'object':
      return isPlainObject(value) ? filterObject(value, schema.properties ?? {}) : null;
    case 'array':
      return Array.isArray(value) ? filterArray(value, schema.items ?? {}) : null;
    default:
      // no type: any scalar passes, a container does not
      return typeof value === 'object' ? null : value;
  }
}

function filterObject(value: Record<string, unknown>, properties: Record<string, ResponseSchema>) {
  const kept: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const schema = Object.hasOwn(properties, key) ? properties[key] : undefined;
    if (!schema) continue;
    const filtered = filterBySchema(child, schema);
    // a response may carry an own "__proto__" key; plain assignment would set the prototype instead
    if (key === '__proto__') {
      Object.defineProperty(kept, key, {
        value: filtered,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else {
      kept[key] = filtered;
    }
  }
  return kept;
}

function filterArray(value: unknown[], items: ResponseSchema): unknown[] {
  const kept: unknown[] = [];
  for (const element of value) {
    const filtered = filterBySchema(element, items);
    // Psoxy drops elements that filter to null rather than keeping null placeholders
    if (filtered !== null) kept.push(filtered);
  }
  return kept;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
