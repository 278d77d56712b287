import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { handleApi } from './api';
import { PSOXY_SCOPES, SANDBOX_CLIENT, SANDBOX_SITE } from './constants';
import { generateJiraData } from './jira-data';
import { AuthServer } from './oauth';
import { RateMeter } from './rate-limit';
import type {
  FailureTarget,
  InjectedFailure,
  RecordedRequest,
  Sandbox,
  SandboxOptions,
  SandboxStats,
} from './types';

/**
 * A strict Atlassian simulator on one loopback server: auth.atlassian.com (`/authorize`,
 * `/oauth/token`) and api.atlassian.com (`/oauth/token/accessible-resources`, `/ex/jira/...`)
 * share it, their paths do not collide. A test double: it imports nothing from the proxy.
 */

export type { SandboxClient, SandboxSite } from './constants';
export { JIRA_SOFTWARE_SCOPES, PSOXY_SCOPES, SANDBOX_CLIENT, SANDBOX_SITE } from './constants';
export { describeRateLimits, parseRateLimits, type SandboxRateLimit } from './rate-limit';
export type {
  FailureTarget,
  InjectedFailure,
  RecordedRequest,
  Sandbox,
  SandboxOptions,
  SandboxStats,
} from './types';

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const clock = opts.now ?? Date.now;
  let offset = 0;
  const now = () => clock() + offset;
  const stats: SandboxStats = {
    codeExchanges: 0,
    refreshes: 0,
    reuseWithinLeeway: 0,
    reuseAfterLeeway: 0,
    familiesRevoked: 0,
    invalidGrants: 0,
    apiCalls: 0,
    api401: 0,
  };
  const data = generateJiraData();
  const sites = opts.sites ?? [SANDBOX_SITE];
  const leewaySeconds = opts.leewaySeconds ?? 600;
  const auth = new AuthServer(
    {
      now,
      clients: opts.clients ?? [SANDBOX_CLIENT],
      sites,
      accessTokenLifetimeSeconds: opts.accessTokenLifetimeSeconds ?? 3600,
      leewaySeconds,
      accessTokenGraceSeconds: opts.accessTokenGraceSeconds ?? leewaySeconds,
      inactivityDays: opts.inactivityDays ?? 90,
      absoluteDays: opts.absoluteDays ?? 365,
      consentingAccountId: data.me.accountId,
      deadRefreshTokenError: opts.deadRefreshTokenError,
    },
    stats,
  );
  const meter = new RateMeter(now, opts.rateLimits);
  const queues: Record<FailureTarget, InjectedFailure[]> = { token: [], api: [] };
  const requests: RecordedRequest[] = [];
  const closing = new AbortController();
  const wait = (ms: number) => sleep(ms, undefined, { signal: closing.signal });
  const apiCtx = { sites, data, now, access: (t: string) => auth.access(t) };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const record: RecordedRequest = {
      method: req.method ?? '',
      rawPath: req.url ?? '',
      headers: { ...req.headers },
      body: '',
      at: now(),
    };
    requests.push(record);
    record.body = await readBody(req);
    const path = record.rawPath.split('?')[0] ?? '';
    const target = targetOf(path);
    if (target === 'api') stats.apiCalls++;

    const failure = target ? queues[target].shift() : undefined;
    if (failure && 'drop' in failure) {
      req.socket.destroy(); // nothing processed, nothing answered
      return;
    }
    if (failure && 'delayMs' in failure) await wait(failure.delayMs);
    else if (failure && target) return sendFailure(res, target, failure);
    if (target === 'api' && opts.latencyMs) await wait(opts.latencyMs);

    if (target === 'api') {
      const refused = meter.refusal();
      if (refused) return sendRaw(res, 429, defaultFailureBody(429), apiHeaders(refused));
      const answer = handleApi(record.method, record.rawPath, req.headers.authorization, apiCtx, record.body);
      if (answer.status === 401) stats.api401++;
      return send(res, answer.status, answer.body, apiHeaders(meter.count()));
    }
    if (target === 'token') {
      if (record.method !== 'POST') return send(res, 405, undefined);
      const params = tokenParams(req.headers['content-type'], record.body);
      const answer = params
        ? auth.token(params)
        : {
            status: 400,
            body: { error: 'invalid_request', error_description: 'Body must be JSON or form-urlencoded' },
          };
      return send(res, answer.status, answer.body, { 'cache-control': 'no-store', pragma: 'no-cache' });
    }
    if (path === '/authorize' && record.method === 'GET') {
      const answer = auth.authorize(new URLSearchParams(record.rawPath.slice(path.length + 1)));
      if (answer.status === 302) {
        res.writeHead(302, { location: answer.location, 'content-length': 0 }).end();
        return;
      }
      const page = `<!DOCTYPE html><html><body><h1>Something went wrong</h1><p>${answer.message}</p></body></html>`;
      res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' }).end(page);
      return;
    }
    if (path === '/_sandbox/stats' && record.method === 'GET') return send(res, 200, { ...stats });
    if (path === '/_sandbox/code' && record.method === 'POST') {
      try {
        const o = JSON.parse(record.body || '{}') as {
          clientId?: string;
          scopes?: string[];
          redirectUri?: string;
        };
        return send(res, 200, { code: auth.mintCode({ ...o, scopes: o.scopes ?? PSOXY_SCOPES }) });
      } catch (err) {
        return send(res, 400, { error: (err as Error).message });
      }
    }
    return send(res, 404, { error: 'not_found' });
  }

  function sendFailure(
    res: ServerResponse,
    target: FailureTarget,
    f: Exclude<InjectedFailure, { drop: true } | { delayMs: number }>,
  ) {
    const status: number = f.status;
    const retryAfter = f.retryAfterSeconds ?? (status === 429 ? 1 : undefined);
    if (target === 'token') {
      const headers: Record<string, string> =
        retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) };
      return sendRaw(res, status, f.body ?? defaultFailureBody(status), headers);
    }
    if (status === 401) stats.api401++;
    const rate = status === 429 ? meter.limited(retryAfter ?? 1, f.reason) : meter.count();
    if (status !== 429 && retryAfter !== undefined) rate['retry-after'] = String(retryAfter);
    return sendRaw(res, status, f.body ?? defaultFailureBody(status), apiHeaders(rate));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      // Only a close() cutting a delay short lands here; the socket is going away anyway.
      if (!res.headersSent && !res.destroyed) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stats: () => ({ ...stats }),
    mintCode: (o = {}) => auth.mintCode({ ...o, scopes: o.scopes ?? PSOXY_SCOPES }),
    advance(ms) {
      offset += ms;
    },
    failNext(target, failures) {
      queues[target].push(...failures);
    },
    omitRefreshTokenNext: () => auth.omitRefreshTokenNext(),
    revokeFamily: (refreshToken) => auth.revokeFamily(refreshToken),
    async close() {
      closing.abort();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function targetOf(path: string): FailureTarget | undefined {
  if (path === '/oauth/token') return 'token';
  if (path === '/oauth/token/accessible-resources' || path.startsWith('/ex/')) return 'api';
  return undefined;
}

/** Atlassian's gateway sets a cookie on API answers: the proxy must never pass it back to callers. */
function apiHeaders(rate: Record<string, string>): Record<string, string> {
  return {
    ...rate,
    'set-cookie': `atlassian.xsrf.token=${randomBytes(20).toString('hex')}_lin; Path=/; SameSite=None; Secure`,
    'atl-traceid': randomBytes(16).toString('hex'),
  };
}

function defaultFailureBody(status: number): string {
  if (status === 401) return JSON.stringify({ code: 401, message: 'Unauthorized' });
  if (status === 403) return JSON.stringify({ code: 403, message: 'Forbidden' });
  if (status === 404) return JSON.stringify({ code: 404, message: 'Not Found' });
  if (status === 429) return JSON.stringify({ code: 429, message: 'Rate limit exceeded' });
  return `<html><body><h1>${status}</h1><p>The service is temporarily unavailable.</p></body></html>`;
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (body === undefined) {
    res.writeHead(status, { ...headers, 'content-length': 0 }).end();
    return;
  }
  const text = JSON.stringify(body);
  res
    .writeHead(status, {
      ...headers,
      'content-type': 'application/json;charset=UTF-8',
      'content-length': Buffer.byteLength(text),
    })
    .end(text);
}

function sendRaw(res: ServerResponse, status: number, body: string, headers: Record<string, string>): void {
  const type = body.startsWith('{') ? 'application/json;charset=UTF-8' : 'text/html;charset=UTF-8';
  res
    .writeHead(status, { ...headers, 'content-type': type, 'content-length': Buffer.byteLength(body) })
    .end(body);
}

/** Token endpoint bodies: JSON (documented) or form-urlencoded (accepted in practice). */
function tokenParams(contentType: string | undefined, body: string): Record<string, string> | undefined {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(body));
  if (type !== 'application/json') return undefined;
  try {
    const json: unknown = JSON.parse(body);
    if (!json || typeof json !== 'object' || Array.isArray(json)) return undefined;
    return Object.fromEntries(
      Object.entries(json).filter((e): e is [string, string] => typeof e[1] === 'string'),
    );
  } catch {
    return undefined;
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
