import { UNSAFE_DECODED } from './canonical';
import { RuleProblem } from './errors';
import type { BodyRule, BodyValueRule } from './schema';

/**
 * Read-only POSTs: the JSON body a rule allows, compiled once, and the per-request check. The body
 * that goes upstream is re-serialized from the checked value, never the bytes received: what Jira
 * parses is then exactly what was checked (no duplicate key, escape, BOM or number form that a Java
 * JSON parser could read differently from JSON.parse), as the GET path rebuilds its target.
 */

/** The most a rule may let a body be; the adapters never buffer more than the rule's own limit. */
export const MAX_BODY_BYTES = 1_048_576;
const DEFAULT_BODY_BYTES = 65_536;
const DEFAULT_STRING_LENGTH = 8192;

export type ValueCheck =
  | { type: 'string'; pattern: RegExp | null; maxLength: number }
  | { type: 'integer'; minimum: number; maximum: number }
  | { type: 'boolean' }
  | { type: 'array'; items: Exclude<ValueCheck, { type: 'array' }>; minItems: number; maxItems: number };

export interface CompiledBody {
  maxBytes: number;
  keys: ReadonlyMap<string, ValueCheck>;
  required: readonly string[];
}

export function compileBody(rule: BodyRule, at: (string | number)[]): CompiledBody {
  const keys = new Map<string, ValueCheck>();
  for (const [name, spec] of Object.entries(rule.keys))
    keys.set(name, compileValue(spec, [...at, 'keys', name]));
  for (const [i, name] of (rule.required ?? []).entries()) {
    if (!keys.has(name)) throw new RuleProblem([...at, 'required', i], `${name} is not one of the body keys`);
  }
  return { maxBytes: rule.maxBytes ?? DEFAULT_BODY_BYTES, keys, required: rule.required ?? [] };
}

function compileValue(spec: BodyValueRule, at: (string | number)[]): ValueCheck {
  switch (spec.type) {
    case 'string': {
      let pattern: RegExp | null = null;
      if (spec.pattern !== undefined) {
        try {
          pattern = new RegExp(`^(?:${spec.pattern})$`, 'u');
        } catch (err) {
          throw new RuleProblem([...at, 'pattern'], `invalid regular expression: ${(err as Error).message}`);
        }
      }
      return { type: 'string', pattern, maxLength: spec.maxLength ?? DEFAULT_STRING_LENGTH };
    }
    case 'integer': {
      const minimum = spec.minimum ?? Number.MIN_SAFE_INTEGER;
      const maximum = spec.maximum ?? Number.MAX_SAFE_INTEGER;
      if (minimum > maximum) throw new RuleProblem(at, 'minimum is larger than maximum');
      return { type: 'integer', minimum, maximum };
    }
    case 'boolean':
      return { type: 'boolean' };
    case 'array': {
      const minItems = spec.minItems ?? 0;
      if (minItems > spec.maxItems) throw new RuleProblem(at, 'minItems is larger than maxItems');
      const items = compileValue(spec.items, [...at, 'items']) as Exclude<ValueCheck, { type: 'array' }>;
      return { type: 'array', items, minItems, maxItems: spec.maxItems };
    }
  }
}

export type BodyResult =
  | { ok: true; body: Buffer }
  | {
      ok: false;
      code: 'bad_request' | 'blocked_by_rules' | 'payload_too_large' | 'unsupported_media_type';
      message: string;
    };

const JSON_TYPE = /^application\/json\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;
const PLAIN_KEY = /^[A-Za-z0-9_.-]{1,64}$/;
/** Controls, invisible and bidirectional characters (as in a query value), and lone surrogates. */
const UNSAFE = new RegExp(`${UNSAFE_DECODED.source.slice(0, -1)}\\p{Cs}]`, 'u');
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Checks a received body against its rule. `raw` undefined: the body was larger than `maxBytes`
 * (the adapter stopped reading). `what` is the `METHOD /path` the messages name; a value is never
 * echoed (a JQL query or an issue key may name people), a key only when it is a plain name.
 */
export function checkBody(
  rule: CompiledBody,
  contentType: string | null,
  contentEncoding: string | null,
  raw: Uint8Array | undefined,
  what: string,
): BodyResult {
  const malformed = (message: string): BodyResult => ({
    ok: false,
    code: 'bad_request',
    message: `${what}: ${message}`,
  });
  const refuse = (message: string): BodyResult => ({
    ok: false,
    code: 'blocked_by_rules',
    message: `${what}: ${message}`,
  });
  if (raw === undefined) {
    return {
      ok: false,
      code: 'payload_too_large',
      message: `${what}: the body is larger than ${rule.maxBytes} bytes`,
    };
  }
  if (contentType === null || !JSON_TYPE.test(contentType.trim())) {
    return {
      ok: false,
      code: 'unsupported_media_type',
      message: `${what}: send the body as Content-Type: application/json (UTF-8)`,
    };
  }
  if (contentEncoding !== null && contentEncoding.trim().toLowerCase() !== 'identity') {
    return {
      ok: false,
      code: 'unsupported_media_type',
      message: `${what}: a compressed body is not accepted`,
    };
  }
  if (raw.length === 0) return malformed('the body is empty; send a JSON object');
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    return malformed('the body is not UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return malformed('the body is not valid JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return malformed('the body must be a JSON object');
  }
  const twice = duplicateKey(text);
  if (twice !== undefined) return refuse(`body key ${keyName(twice)} appears twice`);

  // no prototype: a rule may name any plain key, `__proto__` and `constructor` included
  const out: Record<string, unknown> = Object.create(null);
  for (const [key, v] of Object.entries(value)) {
    const check = rule.keys.get(key);
    if (!check) {
      const allowed = [...rule.keys.keys()].join(', ');
      return refuse(`body key ${keyName(key)} is not allowed (allowed: ${allowed})`);
    }
    // null is how JSON clients write "not set"; Jira reads it so too: the key is left out
    if (v === null) continue;
    const problem = valueProblem(check, v);
    if (problem) return refuse(`body key ${key} ${problem}`);
    out[key] = v;
  }
  for (const key of rule.required) {
    if (!Object.hasOwn(out, key)) return refuse(`body key ${key} is required`);
  }
  return { ok: true, body: Buffer.from(JSON.stringify(out)) };
}

function keyName(key: string): string {
  return PLAIN_KEY.test(key) ? key : '(a name with characters no rule allows)';
}

function valueProblem(check: ValueCheck, v: unknown): string | undefined {
  switch (check.type) {
    case 'string':
      if (typeof v !== 'string') return 'must be a string';
      if (v.length > check.maxLength) return `is longer than ${check.maxLength} characters`;
      if (UNSAFE.test(v)) return 'holds a control, invisible or bidirectional character';
      if (check.pattern && !check.pattern.test(v)) return 'has a value the rules do not allow';
      return undefined;
    case 'integer':
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) return 'must be an integer';
      if (v < check.minimum || v > check.maximum)
        return `must be between ${check.minimum} and ${check.maximum}`;
      return undefined;
    case 'boolean':
      return typeof v === 'boolean' ? undefined : 'must be true or false';
    case 'array': {
      if (!Array.isArray(v)) return 'must be an array';
      if (v.length > check.maxItems) return `holds more than ${check.maxItems} items`;
      if (v.length < check.minItems) return `holds fewer than ${check.minItems} items`;
      for (const item of v) {
        const problem = valueProblem(check.items, item);
        if (problem) return `has an item that ${problem}`;
      }
      return undefined;
    }
  }
}

/**
 * The first key that appears twice in one object of `text`, which JSON.parse has already accepted
 * (it silently keeps the last value: a checker and Jira could then read different bodies). Keys are
 * compared decoded, so `"a"` and `"\u0061"` are the same key.
 */
export function duplicateKey(text: string): string | undefined {
  // one entry per open container: its keys so far (objects), null (arrays)
  const open: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      let j = i + 1;
      let escaped = false;
      for (;;) {
        const d = text.charCodeAt(j);
        if (d === 0x5c) {
          escaped = true;
          j += 2;
        } else if (d === 0x22) {
          break;
        } else {
          j++;
        }
      }
      if (expectKey) {
        const key = escaped ? (JSON.parse(text.slice(i, j + 1)) as string) : text.slice(i + 1, j);
        const keys = open[open.length - 1] as Set<string>;
        if (keys.has(key)) return key;
        keys.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b) {
      open.push(new Set());
      expectKey = true;
    } else if (c === 0x5b) {
      open.push(null);
    } else if (c === 0x7d || c === 0x5d) {
      open.pop();
    } else if (c === 0x2c) {
      expectKey = open[open.length - 1] instanceof Set;
    }
  }
  return undefined;
}
