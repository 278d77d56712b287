/**
 * The only code that talks to Atlassian's token endpoint (`POST {auth}/oauth/token`). One call,
 * no retries: the lifecycle decides when a retry is safe for the token family.
 */

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

export interface TokenGrant {
  accessToken: string;
  /** Absent when Atlassian omits it (observed on refresh; always without offline_access). */
  refreshToken: string | undefined;
  expiresInSeconds: number;
  scopes: string[];
}

/**
 * `rejected`: the grant itself was refused (invalid_grant: spent/revoked refresh token, bad code;
 * or Atlassian's other answer for a dead refresh token, unauthorized_client "refresh_token is invalid").
 * `client`: the client credentials were refused. `transient`: 429/5xx, the request was answered
 * and not processed. `ambiguous`: timeout or dropped connection after sending: Atlassian may
 * have rotated the token.
 */
export type TokenErrorKind = 'rejected' | 'client' | 'transient' | 'ambiguous';

export class TokenEndpointError extends Error {
  override name = 'TokenEndpointError';
  constructor(
    readonly kind: TokenErrorKind,
    message: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export class TokenClient {
  readonly #endpoint: string;
  constructor(
    readonly authUrl: string,
    /** One call's bound: a spend starts only when the lease and the invocation outlast it. */
    readonly timeoutMs = 10_000,
  ) {
    this.#endpoint = `${authUrl}/oauth/token`;
  }

  refresh(client: ClientCredentials, refreshToken: string): Promise<TokenGrant> {
    return this.#call({
      grant_type: 'refresh_token',
      client_id: client.clientId,
      client_secret: client.clientSecret,
      refresh_token: refreshToken,
    });
  }

  exchangeCode(client: ClientCredentials, code: string, redirectUri: string): Promise<TokenGrant> {
    return this.#call({
      grant_type: 'authorization_code',
      client_id: client.clientId,
      client_secret: client.clientSecret,
      code,
      redirect_uri: redirectUri,
    });
  }

  async #call(body: Record<string, string>): Promise<TokenGrant> {
    let res: Response;
    try {
      res = await fetch(this.#endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      // Name the URL and the cause: a stopped sandbox or a wrong ATLASSIAN_AUTH_URL is not "try again later".
      const why =
        (err as Error).name === 'TimeoutError' ? 'timed out' : `connection failed: ${fetchCause(err)}`;
      throw new TokenEndpointError(
        'ambiguous',
        `token endpoint ${this.#endpoint} ${why}; check ATLASSIAN_AUTH_URL`,
      );
    }
    let text: string;
    try {
      text = await res.text();
    } catch {
      throw new TokenEndpointError('ambiguous', 'token endpoint answer was cut off', res.status);
    }
    if (res.ok) return parseGrant(text, res.status);
    throw classify(res, text);
  }
}

function parseGrant(text: string, status: number): TokenGrant {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text);
  } catch {
    throw new TokenEndpointError(
      'ambiguous',
      'token endpoint answered 200 with a body that is not JSON',
      status,
    );
  }
  const { access_token, refresh_token, expires_in, scope } = json;
  if (typeof access_token !== 'string' || !access_token) {
    throw new TokenEndpointError('ambiguous', 'token endpoint answered 200 without access_token', status);
  }
  const expires = Number(expires_in);
  return {
    accessToken: access_token,
    refreshToken: typeof refresh_token === 'string' && refresh_token ? refresh_token : undefined,
    expiresInSeconds: Number.isFinite(expires) && expires > 0 ? expires : 3600,
    scopes: typeof scope === 'string' ? scope.split(/\s+/).filter(Boolean) : [],
  };
}

function classify(res: Response, text: string): TokenEndpointError {
  let error = '';
  let description = '';
  try {
    const json = JSON.parse(text) as { error?: unknown; error_description?: unknown };
    error = typeof json.error === 'string' ? json.error : '';
    description = typeof json.error_description === 'string' ? json.error_description.slice(0, 200) : '';
  } catch {
    // Gateways answer 5xx with HTML; the status alone decides below.
  }
  const detail = `${res.status}${error ? ` ${error}` : ''}${description ? `: ${description}` : ''}`;
  if (res.status === 429 || res.status >= 500) {
    return new TokenEndpointError(
      'transient',
      `token endpoint answered ${detail}`,
      res.status,
      retryAfterMs(res),
    );
  }
  if (error === 'invalid_grant' || deadRefreshToken(error, description))
    return new TokenEndpointError('rejected', `token endpoint answered ${detail}`, res.status);
  if (res.status === 401 || res.status === 403 || error) {
    return new TokenEndpointError(
      'client',
      `token endpoint refused the client credentials (${detail}); check CLIENT_ID and CLIENT_SECRET`,
      res.status,
    );
  }
  return new TokenEndpointError('transient', `token endpoint answered ${detail}`, res.status);
}

/**
 * Besides the documented invalid_grant, Atlassian answers a dead refresh token with
 * `403 unauthorized_client "refresh_token is invalid"` (seen in the wild): the family is dead, the
 * client credentials are fine. Read as a credential failure it would send on-call the wrong way.
 */
function deadRefreshToken(error: string, description: string): boolean {
  return error === 'unauthorized_client' && /refresh[_ ]token is invalid/i.test(description);
}

/** What undici's bare "fetch failed" hides in its cause: ECONNREFUSED, ENOTFOUND, a TLS error. */
export function fetchCause(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string' && cause.message) return cause.message;
  return (err as Error).message;
}

/** Retry-After in seconds or as an HTTP date. */
export function retryAfterMs(res: Response): number | undefined {
  const header = res.headers.get('retry-after');
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
