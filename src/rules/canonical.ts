/**
 * The one canonical form every rule is matched against, decided before any rule is looked at.
 *
 * The path must arrive already canonical: no percent-encoding at all, no dot or empty segments, no
 * characters outside a small safe set. Anything a server could read differently from how it looks
 * (an encoded slash, a dot segment, a matrix parameter, a backslash) is refused rather than
 * normalised, so the path that matches a rule is byte for byte the path that goes upstream.
 * Query values are percent-decoded exactly once (`+` is a space, as form encoding and Jira's servlet
 * container read it) and re-encoded one fixed way.
 */

export const MAX_PATH_LENGTH = 2048;
export const MAX_QUERY_LENGTH = 8192;
export const MAX_QUERY_PARAMS = 64;

export interface Refusal {
  ok: false;
  status: 400 | 403 | 414;
  code: 'blocked_by_rules' | 'bad_request';
  message: string;
}

export interface QueryPair {
  name: string;
  /** Decoded once; free of control, invisible and bidirectional characters. */
  value: string;
}

export interface CanonicalTarget {
  ok: true;
  /** true: a Jira site path (`/rest/...`) that goes upstream under `/ex/jira/{cloudId}`. */
  site: boolean;
  /** `/rest/...` or `/oauth/...`, made of safe characters only. */
  path: string;
  segments: string[];
  query: QueryPair[];
}

/** Characters a path segment may hold, written as they are (never percent-encoded). */
const SEGMENT = /^[A-Za-z0-9._~:@-]+$/;
const ONLY_DOTS = /^\.+$/;
const PARAM_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
/** What RFC 3986 lets a query hold unencoded, less `;` (some servers split parameters on it). */
const QUERY_RAW = /^[A-Za-z0-9\-._~!$&'()*+,=:@/?%]*$/;
/** C0/C1 controls, DEL, invisible format characters (bidi overrides, zero-width), line separators. */
export const UNSAFE_DECODED = /[\p{Cc}\p{Cf}\u2028\u2029]/u;
const LEFTOVER_ESCAPE = /%[0-9A-Fa-f]{2}/;
const HEX = /^[0-9A-Fa-f]{2}$/;

const utf8 = new TextDecoder('utf-8', { fatal: true });

const refuse = (message: string): Refusal => ({ ok: false, status: 403, code: 'blocked_by_rules', message });
const malformed = (message: string): Refusal => ({ ok: false, status: 400, code: 'bad_request', message });

export function canonicalise(rawTarget: string, cloudId: string): CanonicalTarget | Refusal {
  if (rawTarget.length === 0) return malformed('the request-target is empty');
  for (let i = 0; i < rawTarget.length; i++) {
    const c = rawTarget.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) {
      return malformed('the request-target holds a raw control character, space or non-ASCII character');
    }
  }
  if (rawTarget.charCodeAt(0) !== 0x2f) {
    return refuse('only origin-form request-targets (starting with /) are accepted');
  }
  if (rawTarget.includes('#')) return refuse('the request-target holds a fragment (#)');

  const q = rawTarget.indexOf('?');
  const rawPath = q === -1 ? rawTarget : rawTarget.slice(0, q);
  const rawQuery = q === -1 ? '' : rawTarget.slice(q + 1);
  if (rawPath.length > MAX_PATH_LENGTH) {
    return {
      ok: false,
      status: 414,
      code: 'bad_request',
      message: `the path is longer than ${MAX_PATH_LENGTH}`,
    };
  }
  if (rawQuery.length > MAX_QUERY_LENGTH) {
    return {
      ok: false,
      status: 414,
      code: 'bad_request',
      message: `the query string is longer than ${MAX_QUERY_LENGTH}`,
    };
  }

  const segments = rawPath.slice(1).split('/');
  for (let i = 0; i < segments.length; i++) {
    const problem = segmentProblem(segments[i] as string, i === segments.length - 1);
    if (problem) return problem;
  }

  let site: boolean;
  let logical: string[];
  if (segments[0] === 'ex') {
    if (segments[1] !== 'jira') return refuse('only /ex/jira/{cloudId}/rest/... is proxied');
    if ((segments[2] ?? '').toLowerCase() !== cloudId) {
      return refuse('the cloud id in /ex/jira/{cloudId} is not the configured Jira site');
    }
    if (segments[3] !== 'rest') return refuse('only /ex/jira/{cloudId}/rest/... is proxied');
    site = true;
    logical = segments.slice(3);
  } else if (segments[0] === 'rest') {
    site = true;
    logical = segments;
  } else if (segments[0] === 'oauth') {
    site = false;
    logical = segments;
  } else {
    return refuse('only /ex/jira/{cloudId}/rest/..., /rest/... and /oauth/... paths are proxied');
  }

  const query = rawQuery === '' ? [] : parseQuery(rawQuery);
  if (!Array.isArray(query)) return query;
  return { ok: true, site, path: `/${logical.join('/')}`, segments: logical, query };
}

function segmentProblem(segment: string, last: boolean): Refusal | undefined {
  if (segment === '') {
    return refuse(last ? 'the path ends with a slash' : 'the path holds an empty segment (//)');
  }
  if (SEGMENT.test(segment)) {
    return ONLY_DOTS.test(segment) ? refuse('the path holds a dot segment (. or ..)') : undefined;
  }
  const percent = segment.indexOf('%');
  if (percent !== -1) {
    const hex = segment.slice(percent + 1, percent + 3);
    if (!HEX.test(hex)) return malformed('the path holds a malformed percent-escape');
    return refuse(`the path holds ${describeEscape(Number.parseInt(hex, 16))}`);
  }
  if (segment.includes('\\')) return refuse('the path holds a backslash');
  if (segment.includes(';')) return refuse('the path holds a ; (matrix parameter)');
  const bad = [...segment].find((ch) => !SEGMENT.test(ch)) ?? '?';
  return refuse(`the path holds the character ${JSON.stringify(bad)}, which no rule path may contain`);
}

function describeEscape(byte: number): string {
  if (byte === 0x2f) return 'an encoded slash (%2F)';
  if (byte === 0x5c) return 'an encoded backslash (%5C)';
  if (byte === 0x2e) return 'an encoded dot (%2E)';
  if (byte === 0x25) return 'a double percent-encoding (%25)';
  if (byte < 0x20 || byte === 0x7f) return 'an encoded control character';
  if (byte >= 0x80) return 'an encoded non-ASCII character';
  return 'a percent-encoded character (send the path unencoded; it must match a rule as written)';
}

function parseQuery(raw: string): QueryPair[] | Refusal {
  if (!QUERY_RAW.test(raw)) {
    return raw.includes(';')
      ? refuse('the query holds a raw ; (encode it as %3B)')
      : refuse('the query holds a character that must be percent-encoded');
  }
  const parts = raw.split('&');
  if (parts.length > MAX_QUERY_PARAMS) return refuse(`more than ${MAX_QUERY_PARAMS} query parameters`);
  const pairs: QueryPair[] = [];
  for (const part of parts) {
    if (part === '') return refuse('the query holds an empty parameter (&& or a trailing &)');
    const eq = part.indexOf('=');
    const name = eq === -1 ? part : part.slice(0, eq);
    if (!PARAM_NAME.test(name)) {
      return refuse('a query parameter name holds characters no rule allows (encoded or not)');
    }
    const value = decodeValue(eq === -1 ? '' : part.slice(eq + 1));
    if (typeof value !== 'string') return value;
    if (UNSAFE_DECODED.test(value)) {
      return refuse(`query parameter ${name} holds a control, invisible or bidirectional character`);
    }
    if (LEFTOVER_ESCAPE.test(value)) return refuse(`query parameter ${name} is percent-encoded twice`);
    pairs.push({ name, value });
  }
  return pairs;
}

/** Percent-decodes exactly once, `+` as space; the bytes must be UTF-8. */
function decodeValue(raw: string): string | Refusal {
  if (!raw.includes('%')) return raw.includes('+') ? raw.replaceAll('+', ' ') : raw;
  const bytes = new Uint8Array(raw.length);
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x25) {
      const hex = raw.slice(i + 1, i + 3);
      if (!HEX.test(hex)) return malformed('the query holds a malformed percent-escape');
      bytes[n++] = Number.parseInt(hex, 16);
      i += 2;
    } else {
      bytes[n++] = c === 0x2b ? 0x20 : c;
    }
  }
  try {
    return utf8.decode(bytes.subarray(0, n));
  } catch {
    return malformed('the query holds percent-escapes that are not UTF-8');
  }
}

/** Query-value characters sent as they are; everything else as %XX (upper-case hex, UTF-8). */
const KEEP = /[A-Za-z0-9\-._~,:@*]/;
const ENCODED: string[] = Array.from({ length: 128 }, (_, c) => {
  const ch = String.fromCharCode(c);
  return KEEP.test(ch) ? ch : `%${c.toString(16).toUpperCase().padStart(2, '0')}`;
});
const PLAIN_VALUE = /^[A-Za-z0-9\-._~,:@*]*$/;

export function encodeValue(value: string): string {
  if (PLAIN_VALUE.test(value)) return value;
  let out = '';
  for (const ch of value) {
    const c = ch.charCodeAt(0);
    if (c < 0x80) {
      out += ENCODED[c];
    } else {
      for (const b of Buffer.from(ch, 'utf8')) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
    }
  }
  return out;
}
