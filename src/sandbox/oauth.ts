import { randomBytes, randomUUID } from 'node:crypto';
import { redirectAllowed, type SandboxClient, type SandboxSite } from './constants';
import type { SandboxStats } from './types';

/**
 * auth.atlassian.com as a state machine: codes, token families with rotating refresh tokens,
 * linked access tokens. No HTTP here; the routes turn these answers into responses. A little over
 * the ~300 lines a file here aims for, on purpose: rotation, the reuse leeway, family revocation
 * and linked access-token revocation change the same family record, and read best side by side.
 */

const DAY_MS = 86_400_000;
const CODE_LIFETIME_MS = 10 * 60_000;

export interface Grant {
  clientId: string;
  scopes: string[];
  siteIds: string[];
  /** The person who consented: `sub` of the access tokens, `/myself`. */
  accountId: string;
}

interface Code extends Grant {
  redirectUri: string;
  expiresAt: number;
  used: boolean;
}

interface Family extends Grant {
  createdAt: number;
  lastGrantAt: number;
  revoked: boolean;
  /** The only refresh token of the family not yet spent. */
  current: RefreshToken | undefined;
  /** Access tokens not yet superseded by a newer one. */
  newest: AccessToken[];
}

interface RefreshToken {
  family: Family;
  spentAt: number | undefined;
}

interface AccessToken {
  family: Family;
  expiresAt: number;
  supersededAt: number | undefined;
}

export interface AuthSettings {
  now: () => number;
  clients: SandboxClient[];
  sites: SandboxSite[];
  accessTokenLifetimeSeconds: number;
  leewaySeconds: number;
  accessTokenGraceSeconds: number;
  inactivityDays: number;
  absoluteDays: number;
  consentingAccountId: string;
  /**
   * How a dead refresh token is answered: the documented `invalid_grant`, or the
   * `unauthorized_client` "refresh_token is invalid" Atlassian has also been seen to send.
   */
  deadRefreshTokenError?: 'invalid_grant' | 'unauthorized_client';
}

export interface TokenAnswer {
  status: number;
  body: Record<string, unknown>;
}

export type AuthorizeAnswer = { status: 302; location: string } | { status: 400; message: string };

const INVALID_CODE = 'Invalid authorization code';
const INVALID_REFRESH = 'Unknown or invalid refresh token.';
const INVALID_REFRESH_CLIENT = 'refresh_token is invalid';

export class AuthServer {
  readonly #codes = new Map<string, Code>();
  readonly #refreshTokens = new Map<string, RefreshToken>();
  readonly #accessTokens = new Map<string, AccessToken>();
  #omitRefreshTokenNext = false;

  constructor(
    private readonly s: AuthSettings,
    private readonly stats: SandboxStats,
  ) {}

  /** `GET /authorize`: validates like the consent page, then consents (or declines) at once. */
  authorize(q: URLSearchParams): AuthorizeAnswer {
    const clientId = q.get('client_id');
    const client = this.s.clients.find((c) => c.clientId === clientId);
    if (!client) return { status: 400, message: 'Unknown client_id.' };
    const redirectUri = q.get('redirect_uri') ?? '';
    if (!redirectAllowed(client, redirectUri)) {
      return { status: 400, message: 'The redirect_uri does not match a callback URL of the app.' };
    }
    if (q.get('response_type') !== 'code') return { status: 400, message: 'response_type must be code.' };
    if (q.get('audience') !== 'api.atlassian.com') {
      return { status: 400, message: 'audience must be api.atlassian.com.' };
    }
    const scopes = splitScopes(q.get('scope') ?? '');
    if (scopes.length === 0) return { status: 400, message: 'scope is required.' };

    const target = new URL(redirectUri);
    if (q.get('sandbox_decision') === 'deny') {
      target.searchParams.set('error', 'access_denied');
      target.searchParams.set('error_description', 'The user declined the consent.');
    } else {
      target.searchParams.set('code', this.#newCode(client, redirectUri, scopes, this.#allSiteIds()));
    }
    const state = q.get('state');
    if (state !== null) target.searchParams.set('state', state);
    return { status: 302, location: target.toString() };
  }

  /** The consent shortcut. Throws on what the consent page would refuse. */
  mintCode(opts: { clientId?: string; scopes?: string[]; redirectUri?: string; siteIds?: string[] }): string {
    const clientId = opts.clientId ?? this.s.clients[0]?.clientId;
    const client = this.s.clients.find((c) => c.clientId === clientId);
    if (!client) throw new Error(`sandbox: unknown client ${clientId}`);
    const redirectUri = opts.redirectUri ?? client.redirectUris[0] ?? '';
    if (!redirectAllowed(client, redirectUri))
      throw new Error(`sandbox: redirect URI not allowed: ${redirectUri}`);
    const siteIds = opts.siteIds ?? this.#allSiteIds();
    const unknown = siteIds.filter((id) => !this.s.sites.some((s) => s.id === id));
    if (unknown.length) throw new Error(`sandbox: unknown site ${unknown.join(', ')}`);
    const scopes = opts.scopes ?? [];
    if (scopes.length === 0) throw new Error('sandbox: a consent needs at least one scope');
    return this.#newCode(client, redirectUri, [...new Set(scopes)], siteIds);
  }

  /** `POST /oauth/token`, both grants. */
  token(p: Record<string, string | undefined>): TokenAnswer {
    const grantType = p.grant_type;
    const required =
      grantType === 'authorization_code'
        ? ['client_id', 'client_secret', 'code', 'redirect_uri']
        : grantType === 'refresh_token'
          ? ['client_id', 'client_secret', 'refresh_token']
          : undefined;
    if (!grantType) return error(400, 'invalid_request', 'Missing grant_type');
    if (!required) return error(400, 'unsupported_grant_type', `Unsupported grant_type: ${grantType}`);
    const missing = required.filter((k) => !p[k]);
    if (missing.length)
      return error(400, 'invalid_request', `Missing required parameter: ${missing.join(', ')}`);

    const client = this.s.clients.find((c) => c.clientId === p.client_id);
    if (!client) return error(401, 'invalid_client', 'Unknown client');
    if (client.clientSecret !== p.client_secret) return error(401, 'access_denied', 'Unauthorized');

    return grantType === 'authorization_code'
      ? this.#exchange(client, p.code as string, p.redirect_uri as string)
      : this.#refresh(client, p.refresh_token as string);
  }

  /** The grant behind a live access token, or undefined (unknown, expired, superseded, family dead). */
  access(token: string): Grant | undefined {
    const at = this.#accessTokens.get(token);
    if (!at) return undefined;
    const now = this.s.now();
    if (now >= at.expiresAt || !this.#alive(at.family)) return undefined;
    if (at.supersededAt !== undefined && now >= at.supersededAt + this.s.accessTokenGraceSeconds * 1000) {
      return undefined;
    }
    return at.family;
  }

  revokeFamily(refreshToken: string): void {
    const rt = this.#refreshTokens.get(refreshToken);
    if (!rt) throw new Error('sandbox: revokeFamily got a token it never issued');
    this.#revoke(rt.family);
  }

  omitRefreshTokenNext(): void {
    this.#omitRefreshTokenNext = true;
  }

  #exchange(client: SandboxClient, code: string, redirectUri: string): TokenAnswer {
    const c = this.#codes.get(code);
    const now = this.s.now();
    if (
      !c ||
      c.used ||
      now >= c.expiresAt ||
      c.clientId !== client.clientId ||
      c.redirectUri !== redirectUri
    ) {
      return this.#invalidGrant(INVALID_CODE);
    }
    c.used = true;
    const family: Family = {
      clientId: c.clientId,
      scopes: c.scopes,
      siteIds: c.siteIds,
      accountId: c.accountId,
      createdAt: now,
      lastGrantAt: now,
      revoked: false,
      current: undefined,
      newest: [],
    };
    this.stats.codeExchanges++;
    return this.#issue(family, family.scopes.includes('offline_access'));
  }

  #refresh(client: SandboxClient, token: string): TokenAnswer {
    const rt = this.#refreshTokens.get(token);
    if (!rt || rt.family.clientId !== client.clientId || !this.#alive(rt.family)) {
      return this.#deadRefreshToken();
    }
    if (rt.spentAt !== undefined) {
      if (this.s.now() - rt.spentAt < this.s.leewaySeconds * 1000) {
        this.stats.reuseWithinLeeway++;
      } else {
        this.stats.reuseAfterLeeway++;
        this.#revoke(rt.family);
        return this.#deadRefreshToken();
      }
    }
    const rotate = !this.#omitRefreshTokenNext;
    this.#omitRefreshTokenNext = false;
    this.stats.refreshes++;
    return this.#issue(rt.family, rotate);
  }

  /**
   * A new access token (superseding every older one of the family) and, when `rotate`, a new
   * refresh token that spends the current one. A spent token reused inside the leeway therefore
   * continues the family from here: the branch it replaced is spent as of now.
   */
  #issue(family: Family, rotate: boolean): TokenAnswer {
    const now = this.s.now();
    const lifetime = this.s.accessTokenLifetimeSeconds;
    for (const old of family.newest) old.supersededAt = now;
    const accessToken = this.#jwt(family, now, lifetime);
    const at: AccessToken = { family, expiresAt: now + lifetime * 1000, supersededAt: undefined };
    this.#accessTokens.set(accessToken, at);
    family.newest = [at];
    family.lastGrantAt = now;

    const body: Record<string, unknown> = {
      access_token: accessToken,
      expires_in: lifetime,
      token_type: 'Bearer',
      scope: family.scopes.join(' '),
    };
    if (rotate) {
      if (family.current && family.current.spentAt === undefined) family.current.spentAt = now;
      const refreshToken = opaque(48);
      family.current = { family, spentAt: undefined };
      this.#refreshTokens.set(refreshToken, family.current);
      body.refresh_token = refreshToken;
    }
    return { status: 200, body };
  }

  #alive(f: Family): boolean {
    const now = this.s.now();
    return (
      !f.revoked &&
      now < f.createdAt + this.s.absoluteDays * DAY_MS &&
      now < f.lastGrantAt + this.s.inactivityDays * DAY_MS
    );
  }

  #revoke(f: Family): void {
    if (f.revoked) return;
    f.revoked = true;
    this.stats.familiesRevoked++;
  }

  #deadRefreshToken(): TokenAnswer {
    if (this.s.deadRefreshTokenError !== 'unauthorized_client') return this.#invalidGrant(INVALID_REFRESH);
    this.stats.invalidGrants++;
    return error(403, 'unauthorized_client', INVALID_REFRESH_CLIENT);
  }

  #invalidGrant(description: string): TokenAnswer {
    this.stats.invalidGrants++;
    return error(403, 'invalid_grant', description);
  }

  #newCode(client: SandboxClient, redirectUri: string, scopes: string[], siteIds: string[]): string {
    const code = opaque(32);
    this.#codes.set(code, {
      clientId: client.clientId,
      scopes,
      siteIds,
      accountId: this.s.consentingAccountId,
      redirectUri,
      expiresAt: this.s.now() + CODE_LIFETIME_MS,
      used: false,
    });
    return code;
  }

  #allSiteIds(): string[] {
    return this.s.sites.map((s) => s.id);
  }

  /** JWT-shaped like Atlassian's, but the sandbox only ever looks tokens up: the signature is random. */
  #jwt(family: Family, now: number, lifetime: number): string {
    const iat = Math.floor(now / 1000);
    const header = { kid: 'sandbox', typ: 'JWT', alg: 'RS256' };
    const payload = {
      jti: randomUUID(),
      iss: 'https://auth.atlassian.com',
      sub: family.accountId,
      aud: 'api.atlassian.com',
      client_id: family.clientId,
      scope: family.scopes.join(' '),
      iat,
      nbf: iat,
      exp: iat + lifetime,
    };
    return `${b64(JSON.stringify(header))}.${b64(JSON.stringify(payload))}.${opaque(64)}`;
  }
}

export function splitScopes(scope: string): string[] {
  return [...new Set(scope.split(/\s+/).filter(Boolean))];
}

function error(status: number, code: string, description: string): TokenAnswer {
  return { status, body: { error: code, error_description: description } };
}

const b64 = (s: string) => Buffer.from(s).toString('base64url');
const opaque = (bytes: number) => randomBytes(bytes).toString('base64url');
