import { hash } from 'node:crypto';
import { parseEmailAddress } from './email';

// Psoxy's URL_SAFE_TOKEN pseudonym with its default settings (DEFAULT implementation, STRICT email
// canonicalisation, domain preserved). Same input and salt always give the same token, wherever the
// value appears, so pseudonyms join across endpoints and across Psoxy and this proxy.

const TOKEN_PREFIX = 't~';

// Java's Character.isWhitespace, which Psoxy's "blank" test uses: unlike JavaScript's \s it does
// not count the no-break spaces (U+00A0, U+2007, U+202F) or U+FEFF as whitespace.
const SPACE_SEPARATORS = /^[ \u1680\u2000-\u2006\u2008-\u200a\u2028\u2029\u205f\u3000]$/;

function isJavaBlank(text: string): boolean {
  for (const char of text) {
    const code = char.charCodeAt(0);
    // tab, line feed, vertical tab, form feed, carriage return, and the four separator controls
    const control = (code >= 0x09 && code <= 0x0d) || (code >= 0x1c && code <= 0x1f);
    if (!control && !SPACE_SEPARATORS.test(char)) return false;
  }
  return true;
}

/**
 * The pseudonym of a JSON leaf: `null` for null, empty or blank strings; otherwise `t~` followed by
 * base64url (no padding) of SHA-256 over the UTF-8 of the hashed text and then the salt. Numbers are
 * hashed as their decimal text. A string that parses as an email address is hashed in canonical
 * form (local part lower-cased and cut at the first `+`, dots kept, `@`, lower-cased domain) and
 * keeps its domain as written after the token: `t~<43 chars>@Example.com`.
 *
 * Throws a TypeError for objects, arrays and booleans: like Psoxy, only strings and numbers are
 * identifiers, and a rule pointing elsewhere is a configuration mistake to surface, not to guess at.
 */
export function pseudonymize(value: unknown, salt: string): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') {
    // JSON.parse has already turned 1.0 into 1, so non-integers can differ from Java's Double.toString
    return tokenFor(String(value), salt);
  }
  if (typeof value !== 'string') {
    throw new TypeError(`only strings and numbers can be pseudonymized, not ${describe(value)}`);
  }
  if (isJavaBlank(value)) return null;
  const email = parseEmailAddress(value);
  if (!email) return tokenFor(value, salt);
  return `${tokenFor(canonicalEmail(email.local, email.domain), salt)}@${email.domain}`;
}

function canonicalEmail(local: string, domain: string): string {
  const lowered = local.toLowerCase();
  const plus = lowered.indexOf('+');
  // the sub-address after `+` names the same mailbox
  const mailbox = plus === -1 ? lowered : lowered.slice(0, plus);
  return `${mailbox}@${domain.toLowerCase()}`;
}

function tokenFor(text: string, salt: string): string {
  // the one-shot digest: no Hash object per identifier
  return TOKEN_PREFIX + hash('sha256', text + salt, 'base64url');
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
