/**
 * The stored value formats of CONTRACT.md: ACCESS_TOKEN (Psoxy's `{"token","expirationDate"}`,
 * or a bare token) and TOKEN_FAMILY.
 */

export interface AccessToken {
  token: string;
  /** Epoch ms. */
  expiresAt: number;
  /** Epoch ms when it was issued, when known (drives the "half the lifetime" margin cap). */
  issuedAt: number | undefined;
}

export interface TokenFamily {
  /** ISO-8601: when the authorization code was exchanged; the family dies 365 days later. */
  bootstrappedAt: string;
  cloudId: string;
  scopes: string[];
  /** ATLASSIAN_AUTH_URL at the bootstrap: the only server the refresh token goes to (family-issuer.ts). */
  authUrl?: string;
}

export const FAMILY_LIFETIME_DAYS = 365;
const DAY_MS = 86_400_000;

export function formatAccessToken(t: AccessToken): string {
  return JSON.stringify({ token: t.token, expirationDate: t.expiresAt, issuedAt: t.issuedAt });
}

/** Parses ACCESS_TOKEN; a bare string takes its expiry from a JWT `exp`, or counts as expired. */
export function parseAccessToken(raw: string): AccessToken | undefined {
  const text = raw.trim();
  if (!text) return undefined;
  if (text.startsWith('{')) {
    try {
      const json = JSON.parse(text) as { token?: unknown; expirationDate?: unknown; issuedAt?: unknown };
      if (typeof json.token !== 'string' || !json.token) return undefined;
      const expiresAt = Number(json.expirationDate);
      const issuedAt = Number(json.issuedAt);
      return {
        token: json.token,
        expiresAt: Number.isFinite(expiresAt) ? expiresAt : 0,
        issuedAt: Number.isFinite(issuedAt) && issuedAt > 0 ? issuedAt : undefined,
      };
    } catch {
      return undefined;
    }
  }
  return { token: text, expiresAt: jwtExpiry(text) ?? 0, issuedAt: undefined };
}

function jwtExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const exp = Number(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')).exp);
    return Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

export function formatFamily(f: TokenFamily): string {
  return JSON.stringify(f);
}

export function parseFamily(raw: string): TokenFamily | undefined {
  try {
    const json = JSON.parse(raw) as Partial<TokenFamily>;
    if (typeof json.bootstrappedAt !== 'string' || Number.isNaN(Date.parse(json.bootstrappedAt)))
      return undefined;
    return {
      bootstrappedAt: json.bootstrappedAt,
      cloudId: typeof json.cloudId === 'string' ? json.cloudId : '',
      scopes: Array.isArray(json.scopes) ? json.scopes.filter((s): s is string => typeof s === 'string') : [],
      authUrl: typeof json.authUrl === 'string' && json.authUrl ? json.authUrl : undefined,
    };
  } catch {
    return undefined;
  }
}

export function familyExpiresAt(f: TokenFamily): number {
  return Date.parse(f.bootstrappedAt) + FAMILY_LIFETIME_DAYS * DAY_MS;
}

export function familyDaysLeft(f: TokenFamily, now: number): number {
  return Math.floor((familyExpiresAt(f) - now) / DAY_MS);
}
