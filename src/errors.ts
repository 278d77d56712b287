/** The proxy's error vocabulary: one code -> one status, JSON body and Psoxy cause header. */

const CODES = {
  bad_request: { status: 400, psoxy: 'INVALID_REQUEST' },
  not_found: { status: 404, psoxy: 'INVALID_REQUEST' },
  method_not_allowed: { status: 405, psoxy: 'INVALID_REQUEST' },
  uri_too_long: { status: 414, psoxy: 'INVALID_REQUEST' },
  misdirected_request: { status: 421, psoxy: 'INVALID_REQUEST' },
  payload_too_large: { status: 413, psoxy: 'INVALID_REQUEST' },
  unsupported_media_type: { status: 415, psoxy: 'INVALID_REQUEST' },
  blocked_by_rules: { status: 403, psoxy: 'BLOCKED_BY_RULES' },
  // The caller's network is outside ALLOWED_CALLER_IP_RANGES (src/caller-networks.ts).
  caller_not_allowed: { status: 403, psoxy: 'BLOCKED_BY_RULES' },
  not_configured: { status: 503, psoxy: 'CONNECTION_SETUP' },
  token_family_expired: { status: 503, psoxy: 'CONNECTION_SETUP' },
  token_endpoint_unavailable: { status: 503, psoxy: 'CONNECTION_SETUP' },
  // 502, not 401: the proxy's own credential was refused upstream; a 401 would tell the caller
  // that its credentials to the proxy failed.
  upstream_rejected_token: { status: 502, psoxy: 'CONNECTION_SETUP' },
  store_unavailable: { status: 503, psoxy: 'CONFIG_STORE_UNREACHABLE' },
  // Atlassian's hourly points quota is spent: the proxy holds calls until its reset (src/quota-hold.ts).
  quota_exhausted: { status: 429, psoxy: 'API_ERROR' },
  upstream_timeout: { status: 504, psoxy: 'API_ERROR' },
  upstream_unreachable: { status: 502, psoxy: 'API_ERROR' },
  response_too_large: { status: 502, psoxy: 'API_ERROR' },
  transform_failed: { status: 502, psoxy: 'API_ERROR' },
  internal: { status: 500, psoxy: 'UNKNOWN' },
} as const;

export type ErrorCode = keyof typeof CODES;

export class ProxyError extends Error {
  override name = 'ProxyError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
  get status(): number {
    return CODES[this.code].status;
  }
}

/** Renders any thrown value as the contract's JSON error; unknown errors never leak their text. */
export function errorResponse(err: unknown, requestId?: string): Response {
  const e =
    err instanceof ProxyError ? err : new ProxyError('internal', 'internal error; see the proxy logs');
  const headers = new Headers(e.headers);
  headers.set('content-type', 'application/json');
  headers.set('x-psoxy-error', CODES[e.code].psoxy);
  if (requestId) headers.set('x-request-id', requestId);
  return new Response(JSON.stringify({ error: { code: e.code, message: e.message } }), {
    status: e.status,
    headers,
  });
}
