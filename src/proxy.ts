import { type ProxyCall, type Reply, toResponse } from './call';
import { ProxyError } from './errors';
import type { Upstream, UpstreamResponse } from './forward';
import type { QuotaHold } from './quota-hold';
import type { Decision } from './rules';
import type { TokenLifecycle } from './tokens/lifecycle';
import type { CompiledTransform } from './transforms';

/**
 * The proxy step, for a call the rules allowed: the access token, the upstream request rebuilt from
 * the rules' canonical parts, one retry when Jira rejects the token, and the transform. The core
 * (src/app.ts) decides and logs; this only forwards.
 */
export type Allowed = Extract<Decision, { ok: true }>;
export type ProxyStep = (call: ProxyCall, decision: Allowed, requestId: string) => Promise<Reply>;

export interface ProxyDeps {
  /** Jira's API base (`ATLASSIAN_API_URL`). */
  apiUrl: string;
  upstream: Upstream;
  tokens: TokenLifecycle;
  /** Atlassian's quota state, per instance: holds calls while a quota is spent. */
  quota: QuotaHold;
  /** The pseudonymization salt (src/salt.ts), needed by transformed endpoints only. */
  loadSalt: () => Promise<string>;
}

// Jira's answer when the token is valid but the grant lacks the endpoint's scope.
const SCOPE_MISMATCH = /scope does not match/i;

export function createProxy({ apiUrl, upstream, tokens, quota, loadSalt }: ProxyDeps): ProxyStep {
  return async function proxy(call, decision, requestId) {
    const transform = decision.transform;
    if (transform && call.method === 'HEAD') {
      // The GET it stands for, less the body: only GET's body shows what the transform makes of
      // it (and Jira need not answer HEAD at all).
      const asGet: ProxyCall = {
        method: 'GET',
        target: call.target,
        header: (name) => call.header(name),
        requestId: call.requestId,
      };
      const get = toResponse(await proxy(asGet, decision, requestId));
      await get.body?.cancel();
      return new Response(null, { status: get.status, headers: get.headers });
    }
    const path = decision.upstreamPath + decision.upstreamQuery;
    const send = (accessToken: string) =>
      upstream
        .send({
          method: call.method,
          base: apiUrl,
          path,
          accessToken,
          requestId,
          body: decision.upstreamBody,
          accept: call.header('accept'),
          acceptEncoding: transform ? null : call.header('accept-encoding'),
        })
        .then((r) => quota.observe(r));

    // While Atlassian's quota is spent, nothing goes upstream: the hold answers (429 quota_exhausted).
    quota.check();
    // A transformed endpoint without its salt fails before anything is fetched.
    const salt = transform ? await loadSalt() : '';
    let token = await tokens.accessToken();
    let res = await send(token.token);
    if (isRejection(res, token.token)) {
      const scope = await scopeMismatch(res);
      if (scope) return scope;
      // One retry with a newer token (another instance's, or a refresh); never a loop.
      token = await tokens.replaceRejected(token.token);
      res = await send(token.token);
      if (isRejection(res, token.token)) {
        const again = await scopeMismatch(res);
        if (again) return again;
        throw await tokens.rejectedAgain(token.token);
      }
    } else if (res.status === 403 || res.status === 404) {
      // Atlassian may answer a token another instance's refresh revoked with 403/404: one look at
      // the store (once per token), one retry with the token stored there.
      const newer = await tokens.replacedElsewhere(token.token);
      if (newer) {
        res.body.resume();
        token = newer;
        res = await send(token.token);
      }
    }
    tokens.accepted(token.token);
    res.headers['x-request-id'] = requestId;
    if (!transform) {
      if (call.method === 'HEAD') {
        res.body.resume();
        return new Response(null, { status: res.status, headers: res.headers });
      }
      // The fast path: status, headers and the Node stream go to the adapter as they are.
      return { status: res.status, headers: res.headers, body: upstream.bounded(res.body) };
    }
    res.headers['content-type'] = 'application/json';
    delete res.headers['content-encoding'];
    if (res.status < 200 || res.status >= 300) {
      // Error bodies are not shaped like the data the transform knows: withhold them, keep the
      // status and the rate-limit headers.
      res.body.resume();
      const error = {
        code: 'upstream_error',
        message: `Jira answered ${res.status}; the body is withheld on a transformed endpoint`,
      };
      return new Response(JSON.stringify({ error }), { status: res.status, headers: res.headers });
    }
    const body = await upstream.buffer(res.body);
    const output = applyTransform(transform, parseJson(body, res.status), salt);
    return new Response(JSON.stringify(output), { status: res.status, headers: res.headers });
  };

  function isRejection(r: UpstreamResponse, used: string): boolean {
    return r.status === 401 || ((r.status === 403 || r.status === 404) && tokens.isExpired(used));
  }

  /**
   * Jira's 401 when the token is fine but the grant lacks the endpoint's scope: passed back, since
   * a refresh would not help, and refreshing on every such call would hammer the token endpoint.
   */
  async function scopeMismatch(r: UpstreamResponse): Promise<Response | undefined> {
    const body = await upstream.buffer(r.body);
    if (r.status === 401 && SCOPE_MISMATCH.test(body.toString('utf8')))
      return new Response(new Uint8Array(body), { status: 401, headers: r.headers });
    return undefined;
  }
}

function applyTransform(transform: CompiledTransform, body: unknown, salt: string): unknown {
  try {
    return transform.apply(body, salt);
  } catch (err) {
    throw new ProxyError(
      'transform_failed',
      `the response could not be transformed (${(err as Error).message}); it was withheld`,
    );
  }
}

function parseJson(body: Buffer, status: number): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    // A transformed endpoint never passes an unparsed body on: it could hold what the rules remove.
    throw new ProxyError(
      'transform_failed',
      `Jira answered ${status} with a body that is not JSON; it was withheld`,
    );
  }
}
