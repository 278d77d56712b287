// Psoxy's `responseSchema`: an allow-list written as a small JSON Schema. Only the properties it
// names survive (in the order the response has them); a value of the wrong type becomes null; null
// satisfies any type. Psoxy applies it before the redact and pseudonymize transforms.
// Supported keywords: type, properties, items; `definitions` (at the root) with `$ref` to
// `#/definitions/<name>` or `#` (the root), which lets a schema follow a recursive shape such as a
// rich-text document; and `discriminator` (OpenAPI's): an object whose `propertyName` holds a value
// named in `mapping` is filtered by that mapped schema instead of its own properties.
// title, description, format, required, additionalProperties and $schema are accepted and ignored,
// as Psoxy ignores them.

export type SchemaType = 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';

export interface ResponseSchema {
  type?: SchemaType;
  properties?: Record<string, ResponseSchema>;
  items?: ResponseSchema;
  $ref?: string;
  definitions?: Record<string, ResponseSchema>;
  discriminator?: { propertyName: string; mapping: Record<string, string> };
}

const TYPES = new Set<string>(['object', 'array', 'string', 'integer', 'number', 'boolean']);
const IGNORED = new Set(['title', 'description', 'format', 'required', 'additionalProperties', '$schema']);
const DEFINITION_REF = '#/definitions/';

/** Throws an Error naming the location of the first keyword or type this filter cannot honour. */
export function checkResponseSchema(schema: unknown): void {
  checkNode(schema, '$', schema);
  const definitions = (schema as ResponseSchema).definitions;
  if (definitions !== undefined) {
    if (!isPlainObject(definitions)) throw new Error('responseSchema at $: definitions must be an object');
    for (const [name, definition] of Object.entries(definitions)) {
      checkNode(definition, `#/definitions/${name}`, schema);
    }
  }
}

function checkNode(schema: unknown, at: string, root: unknown): void {
  if (!isPlainObject(schema)) throw new Error(`responseSchema at ${at} must be an object`);
  for (const [keyword, value] of Object.entries(schema)) {
    if (keyword === 'type') {
      if (typeof value !== 'string' || !TYPES.has(value)) {
        throw new Error(`responseSchema at ${at}: unsupported type ${JSON.stringify(value)}`);
      }
    } else if (keyword === 'properties') {
      if (!isPlainObject(value)) throw new Error(`responseSchema at ${at}: properties must be an object`);
      for (const [name, property] of Object.entries(value)) checkNode(property, `${at}.${name}`, root);
    } else if (keyword === 'items') {
      checkNode(value, `${at}[]`, root);
    } else if (keyword === '$ref') {
      checkRefChain(value, root as ResponseSchema, at);
    } else if (keyword === 'discriminator') {
      checkDiscriminator(value, at, root);
    } else if (keyword === 'definitions') {
      if (at !== '$') throw new Error(`responseSchema at ${at}: definitions are read at the root only`);
    } else if (!IGNORED.has(keyword)) {
      throw new Error(`responseSchema at ${at}: unsupported keyword ${JSON.stringify(keyword)}`);
    }
  }
}

function checkDiscriminator(value: unknown, at: string, root: unknown): void {
  const where = `responseSchema at ${at}: discriminator`;
  if (!isPlainObject(value) || typeof value.propertyName !== 'string' || !isPlainObject(value.mapping)) {
    throw new Error(`${where} must be { propertyName: string, mapping: { value: $ref } }`);
  }
  for (const [name, ref] of Object.entries(value.mapping)) {
    const target = checkRefChain(ref, root as ResponseSchema, `${at} discriminator mapping ${name}`);
    // a mapped schema choosing again could choose itself forever
    if (target.discriminator !== undefined) {
      throw new Error(`${where} mapping ${name}: the mapped schema must not have a discriminator itself`);
    }
  }
}

/** Follows `$ref` to `$ref` until a schema that filters; a chain that loops is refused. */
function checkRefChain(ref: unknown, root: ResponseSchema, at: string): ResponseSchema {
  const seen = new Set<unknown>();
  let target = resolveRef(ref, root, at);
  while (target.$ref !== undefined) {
    if (seen.has(target.$ref)) throw new Error(`responseSchema at ${at}: $ref ${JSON.stringify(ref)} loops`);
    seen.add(target.$ref);
    target = resolveRef(target.$ref, root, at);
  }
  return target;
}

function resolveRef(ref: unknown, root: ResponseSchema, at: string): ResponseSchema {
  if (ref === '#') return root;
  const name =
    typeof ref === 'string' && ref.startsWith(DEFINITION_REF) ? ref.slice(DEFINITION_REF.length) : '';
  const definitions = root.definitions;
  const target = definitions && Object.hasOwn(definitions, name) ? definitions[name] : undefined;
  if (!target) {
    throw new Error(
      `responseSchema at ${at}: $ref ${JSON.stringify(ref)} names no entry of the root's definitions`,
    );
  }
  return target;
}

/** A new value holding only what `schema` allows; `value` itself is left untouched. */
export function filterBySchema(
  value: unknown,
  schema: ResponseSchema,
  root: ResponseSchema = schema,
): unknown {
  if (value === null || value === undefined) return null;
  if (schema.$ref !== undefined) return filterBySchema(value, resolveRef(schema.$ref, root, '$ref'), root);
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
    case 'object': {
      if (!isPlainObject(value)) return null;
      const mapped = schema.discriminator && mappedSchema(value, schema.discriminator, root);
      return mapped
        ? filterBySchema(value, mapped, root)
        : filterObject(value, schema.properties ?? {}, root);
    }
    case 'array':
      return Array.isArray(value) ? filterArray(value, schema.items ?? {}, root) : null;
    default:
      // no type: any scalar passes, a container does not
      return typeof value === 'object' ? null : value;
  }
}

function mappedSchema(
  value: Record<string, unknown>,
  { propertyName, mapping }: NonNullable<ResponseSchema['discriminator']>,
  root: ResponseSchema,
): ResponseSchema | undefined {
  const key = value[propertyName];
  if (typeof key !== 'string' || !Object.hasOwn(mapping, key)) return undefined;
  return resolveRef(mapping[key], root, 'discriminator');
}

function filterObject(
  value: Record<string, unknown>,
  properties: Record<string, ResponseSchema>,
  root: ResponseSchema,
) {
  const kept: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const schema = Object.hasOwn(properties, key) ? properties[key] : undefined;
    if (!schema) continue;
    const filtered = filterBySchema(child, schema, root);
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

function filterArray(value: unknown[], items: ResponseSchema, root: ResponseSchema): unknown[] {
  const kept: unknown[] = [];
  for (const element of value) {
    const filtered = filterBySchema(element, items, root);
    // Psoxy drops elements that filter to null rather than keeping null placeholders
    if (filtered !== null) kept.push(filtered);
  }
  return kept;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
