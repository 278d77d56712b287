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
function checkResponseSchema(schema: unknown): void {
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
    if (target.type !== 'object') {
      throw new Error(`${where} mapping ${name}: the mapped schema must be of type object`);
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

/**
 * A checked schema ready to filter with: every `$ref` replaced by the schema it names (so a
 * recursive schema becomes a cyclic graph) and each discriminator's mapping by a lookup table,
 * so that filtering a response never resolves a name.
 */
export interface PreparedSchema {
  type?: SchemaType;
  properties?: Record<string, PreparedSchema>;
  items?: PreparedSchema;
  discriminator?: { propertyName: string; mapping: Map<string, PreparedSchema> };
}

/** Checks `schema` (see checkResponseSchema) and prepares it once for filterBySchema. */
export function prepareResponseSchema(schema: unknown): PreparedSchema {
  checkResponseSchema(schema);
  const root = schema as ResponseSchema;
  const prepared = new Map<ResponseSchema, PreparedSchema>();
  const prepare = (node: ResponseSchema): PreparedSchema => {
    const target = node.$ref === undefined ? node : checkRefChain(node.$ref, root, '$ref');
    let out = prepared.get(target);
    if (out) return out;
    // every prepared node has the same four fields (one hidden class), so that reading them while
    // filtering stays monomorphic
    out = { type: target.type, properties: undefined, items: undefined, discriminator: undefined };
    // registered before its children, so a schema that contains itself becomes a cycle
    prepared.set(target, out);
    if (target.properties !== undefined) {
      const properties: Record<string, PreparedSchema> = {};
      for (const [name, property] of Object.entries(target.properties)) {
        // a schema may name an own "__proto__" key; plain assignment would set the prototype instead
        if (name === '__proto__') {
          Object.defineProperty(properties, name, { value: prepare(property), enumerable: true });
        } else {
          properties[name] = prepare(property);
        }
      }
      out.properties = properties;
    }
    if (target.items !== undefined) out.items = prepare(target.items);
    if (target.discriminator !== undefined) {
      const { propertyName, mapping } = target.discriminator;
      const choices = new Map<string, PreparedSchema>();
      for (const [value, ref] of Object.entries(mapping)) choices.set(value, prepare({ $ref: ref }));
      out.discriminator = { propertyName, mapping: choices };
    }
    return out;
  };
  return prepare(root);
}

/** A new value holding only what `schema` allows; `value` itself is left untouched. */
export function filterBySchema(value: unknown, schema: PreparedSchema): unknown {
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
    case 'object': {
      if (!isPlainObject(value)) return null;
      const chosen = schema.discriminator && chosenSchema(value, schema.discriminator);
      return filterObject(value, (chosen ?? schema).properties ?? {});
    }
    case 'array':
      return Array.isArray(value) ? filterArray(value, schema.items ?? {}) : null;
    default:
      // no type: any scalar passes, a container does not
      return typeof value === 'object' ? null : value;
  }
}

function chosenSchema(
  value: Record<string, unknown>,
  { propertyName, mapping }: NonNullable<PreparedSchema['discriminator']>,
): PreparedSchema | undefined {
  const key = value[propertyName];
  return typeof key === 'string' ? mapping.get(key) : undefined;
}

function filterObject(value: Record<string, unknown>, properties: Record<string, PreparedSchema>) {
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

function filterArray(value: unknown[], items: PreparedSchema): unknown[] {
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
