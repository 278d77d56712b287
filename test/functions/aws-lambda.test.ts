import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyResult, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config';
import { SANDBOX_SITE, type Sandbox, startSandbox } from '../../src/sandbox';
import { secretNames } from '../../src/secrets';
import { FileStore } from '../../src/stores/file';
import type { RefreshReport } from '../../src/tokens/lifecycle';
import { seedFamily } from '../helpers/proxy';
import { fill, HOSTILE, LEGITIMATE } from '../rules/corpus';
import { setEnv } from '../servers/aws-json';
import { functionUrlEvent, httpApiEvent, lambdaContext, refreshEvent, restApiEvent } from './events';

/**
 * The Lambda handler in-process, on captured-shape events, against the sandbox and a real file
 * store. Each `coldStart` re-imports the module, as a new Lambda instance would load it.
 */

type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;
type V2Result = APIGatewayProxyStructuredResultV2 & { headers: Record<string, string>; body: string };

let sandbox: Sandbox;
let dir: string;
let env: Record<string, string>;
let store: FileStore;
let handler: Handler;
let restoreEnv: () => void;

/** A new instance: the module starts its runtime while it loads, as in Lambda's init phase. */
async function coldStart(): Promise<Handler> {
  vi.resetModules();
  return (await import('../../functions/aws-lambda')).handler as Handler;
}

const invoke = (event: unknown, remainingMs?: number) => handler(event, lambdaContext(remainingMs));
const v2 = async (event: unknown) => (await invoke(event)) as V2Result;
const upstreamCalls = () =>
  sandbox.requests.filter((r) => r.rawPath.startsWith('/ex/') || r.rawPath.startsWith('/oauth/token/a'));

beforeAll(async () => {
  sandbox = await startSandbox();
  dir = await mkdtemp(join(tmpdir(), 'jtp-lambda-'));
  env = {
    SECRET_STORE: 'file',
    SECRET_FILE: join(dir, 'secrets.json'),
    ATLASSIAN_AUTH_URL: sandbox.url,
    ATLASSIAN_API_URL: sandbox.url,
    JIRA_CLOUD_ID: SANDBOX_SITE.id,
    LOG_LEVEL: 'silent',
  };
  store = new FileStore({ path: env.SECRET_FILE as string });
  await seedFamily(sandbox, store, loadConfig(env));
  // Lambda's environment is fixed for an instance's life; so is this file's.
  restoreEnv = setEnv(env);
  handler = await coldStart();
});

afterAll(async () => {
  restoreEnv?.();
  await sandbox?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('Function URL (payload 2.0)', () => {
  it('proxies a request with the access token and none of the caller credentials', async () => {
    const before = upstreamCalls().length;
    const res = await v2(functionUrlEvent({ headers: { cookie: 'tenant.session.token=abc' } }));
    expect(res.statusCode).toBe(200);
    expect(res.isBase64Encoded).toBe(false);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.headers['x-request-id']).toBe('3c7a1e52-9b4d-4f6e-8a21-5d0c9e7b3f14');
    expect(JSON.parse(res.body)).toHaveProperty('accountId');
    const calls = upstreamCalls();
    expect(calls).toHaveLength(before + 1);
    const sent = calls.at(-1);
    expect(sent?.rawPath).toBe(`/ex/jira/${SANDBOX_SITE.id}/rest/api/3/myself`);
    expect(String(sent?.headers.authorization)).toMatch(/^Bearer /);
    expect(String(sent?.headers.authorization)).not.toContain('AWS4-HMAC-SHA256');
    expect(sent?.headers.cookie).toBeUndefined();
  });

  it('passes every legitimate raw target of the rules corpus to the same upstream path and query', async () => {
    for (const row of LEGITIMATE) {
      const target = fill(row.target, SANDBOX_SITE.id);
      const before = upstreamCalls().length;
      const res = await v2(functionUrlEvent({ method: row.method, target }));
      expect(res.statusCode, `${row.method} ${target}`).toBeLessThan(500);
      expect(upstreamCalls().length, target).toBe(before + 1);
      expect(upstreamCalls().at(-1)?.rawPath, target).toBe(fill(row.upstream, SANDBOX_SITE.id));
    }
  });

  it('refuses every hostile raw target of the rules corpus without calling upstream', async () => {
    const before = upstreamCalls().length;
    for (const row of HOSTILE.filter((r) => r.wire)) {
      const target = fill(row.target, SANDBOX_SITE.id);
      const res = await v2(functionUrlEvent({ method: row.method, target }));
      expect([400, 403, 405, 414], `${row.method} ${target} (${row.why})`).toContain(res.statusCode);
      expect(JSON.parse(res.body).error.code).toMatch(
        /^(blocked_by_rules|bad_request|method_not_allowed|uri_too_long)$/,
      );
    }
    expect(upstreamCalls().length).toBe(before);
  });

  it('does not normalise dot segments a WHATWG URL would resolve into an allowed path', async () => {
    const before = upstreamCalls().length;
    for (const target of [
      '/rest/api/3/users/../myself',
      '/rest/api/3/./myself',
      '/rest/api/3/%2e%2e/3/myself',
      `/ex/jira/${SANDBOX_SITE.id}/rest/api/3/x/../myself`,
    ]) {
      const res = await v2(functionUrlEvent({ target }));
      expect(res.statusCode, target).toBe(403);
      expect(res.headers['x-psoxy-error']).toBe('BLOCKED_BY_RULES');
    }
    expect(upstreamCalls().length).toBe(before);
  });

  it('answers the health check without forwarding it', async () => {
    const before = upstreamCalls().length;
    const res = await v2(functionUrlEvent({ target: '/_health' }));
    expect(res.statusCode).toBe(200);
    const body = JSON.parse(res.body);
    expect(body.status).toBe('healthy');
    expect(body.configured.jiraCloudId).toBe(SANDBOX_SITE.id);
    expect(res.body).not.toMatch(/eyJ|Bearer/);
    const header = await v2(
      functionUrlEvent({ target: '/rest/api/3/users', headers: { 'x-psoxy-health-check': '1' } }),
    );
    expect(JSON.parse(header.body).status).toBe('healthy');
    expect(upstreamCalls().length).toBe(before);
  });

  it('reads a POST event with a base64 body where the core reads none (/_refresh)', async () => {
    // What matters is that the event was read, not rejected as unreadable.
    const res = await v2(
      functionUrlEvent({
        method: 'POST',
        target: '/_refresh',
        body: Buffer.from('{}').toString('base64'),
        isBase64Encoded: true,
      }),
    );
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toHaveProperty('accessTokenExpiresAt');
  });
});

describe('API Gateway HTTP API (payload 2.0, named stage)', () => {
  it('strips the stage, keeps the raw query and never forwards the cookies', async () => {
    const res = await v2(
      httpApiEvent({ target: '/rest/api/3/search/jql?jql=project%20%3D%20SBX&maxResults=1' }),
    );
    expect(res.statusCode).toBe(200);
    // HTTP API ids are base64, which the core does not take as a request id: Lambda's id instead.
    expect(res.headers['x-request-id']).toBe(lambdaContext().awsRequestId);
    const sent = upstreamCalls().at(-1);
    expect(sent?.rawPath).toBe(
      `/ex/jira/${SANDBOX_SITE.id}/rest/api/3/search/jql?jql=project%20%3D%20SBX&maxResults=1`,
    );
    expect(sent?.headers.cookie).toBeUndefined();
  });

  it('escapes a path API Gateway decoded, so a decoded ? cannot start a query', async () => {
    const before = upstreamCalls().length;
    const res = await v2(httpApiEvent({ target: '/rest/api/3/myself?x' }));
    // The fixture splits on ?, so build the decoded path by hand.
    const decoded = httpApiEvent();
    decoded.rawPath = '/prod/rest/api/3/my self?expand=groups';
    const blocked = await v2(decoded);
    expect(res.statusCode).toBe(403);
    expect(blocked.statusCode).toBe(403);
    expect(upstreamCalls().length).toBe(before);
  });
});

describe('API Gateway REST API (payload 1.0)', () => {
  it('re-encodes the decoded multi-value query and answers with multiValueHeaders', async () => {
    const res = (await invoke(
      restApiEvent({
        path: '/rest/api/3/search/jql',
        query: { jql: ['project = SBX ORDER BY created'], fields: ['summary', 'status'], maxResults: ['2'] },
      }),
    )) as APIGatewayProxyResult;
    expect(res.statusCode).toBe(200);
    expect(res.headers).toBeUndefined();
    expect(res.multiValueHeaders?.['x-request-id']).toEqual(['8d2f4b6a-1c3e-4a5b-9d7f-0e2c4a6b8d10']);
    expect(upstreamCalls().at(-1)?.rawPath).toBe(
      `/ex/jira/${SANDBOX_SITE.id}/rest/api/3/search/jql?jql=project%20%3D%20SBX%20ORDER%20BY%20created&fields=summary&fields=status&maxResults=2`,
    );
  });

  it('refuses hostile paths as delivered in `path`', async () => {
    const before = upstreamCalls().length;
    for (const path of [
      '/rest/api/3/users/../myself',
      '/rest/api/3/%2e%2e/users',
      '/rest/api/3/group%2fbulk',
    ]) {
      const res = (await invoke(restApiEvent({ path }))) as APIGatewayProxyResult;
      expect(res.statusCode, path).toBe(403);
      expect(res.multiValueHeaders?.['x-psoxy-error']).toEqual(['BLOCKED_BY_RULES']);
    }
    expect(upstreamCalls().length).toBe(before);
  });
});

describe("Atlassian's quota", () => {
  it('holds every call after a quota 429 until the reset, with the rate-limit headers; a burst 429 holds nothing', async () => {
    // The instance's clock ten minutes back, so the hold is over once real time returns.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() - 600_000 });
    try {
      sandbox.failNext('api', [{ status: 429, retryAfterSeconds: 5, reason: 'jira-burst-based' }]);
      expect((await v2(functionUrlEvent())).statusCode).toBe(429);
      expect((await v2(functionUrlEvent())).statusCode).toBe(200);

      sandbox.failNext('api', [{ status: 429, retryAfterSeconds: 5, reason: 'jira-quota-tenant-based' }]);
      const limited = await v2(functionUrlEvent());
      expect(limited.statusCode).toBe(429);
      expect(limited.headers).toMatchObject({
        'retry-after': '5',
        'ratelimit-reason': 'jira-quota-tenant-based',
      });
      const before = upstreamCalls().length;
      for (let i = 0; i < 10; i++) {
        const held = await v2(functionUrlEvent());
        expect(held.statusCode).toBe(429);
        expect(held.headers).toMatchObject({
          'retry-after': '5',
          'ratelimit-reason': 'jira-quota-tenant-based',
          'x-ratelimit-remaining': '0',
          'x-psoxy-error': 'API_ERROR',
        });
        expect(JSON.parse(held.body).error.code).toBe('quota_exhausted');
      }
      expect(upstreamCalls()).toHaveLength(before);
      const health = JSON.parse((await v2(functionUrlEvent({ target: '/_health' }))).body);
      expect(health.quota.holding).toBe(true);
      vi.setSystemTime(Date.now() + 5000);
      expect((await v2(functionUrlEvent())).statusCode).toBe(200);
      expect(upstreamCalls()).toHaveLength(before + 1);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('scheduled refresh and failures', () => {
  it('refreshes a due token on {"action":"refresh"} and returns the report', async () => {
    const names = secretNames('PSOXY_JIRA_CLOUD_');
    await store.write(
      names.ACCESS_TOKEN,
      JSON.stringify({ token: 'expired-token-value', expirationDate: 0 }),
    );
    const fresh = await coldStart();
    const refreshes = sandbox.stats().refreshes;
    const report = (await fresh(refreshEvent(), lambdaContext())) as RefreshReport;
    expect(report.refreshed).toBe(true);
    expect(report.accessTokenExpiresAt).toBeGreaterThan(Date.now());
    expect(sandbox.stats().refreshes).toBe(refreshes + 1);
    const again = (await fresh(refreshEvent(), lambdaContext())) as RefreshReport;
    expect(again.refreshed).toBe(false);
  });

  it('fails the scheduled invocation when the token family is dead', async () => {
    const names = secretNames('PSOXY_JIRA_CLOUD_');
    const refreshToken = (await store.read([names.REFRESH_TOKEN])).get(names.REFRESH_TOKEN)?.value as string;
    sandbox.revokeFamily(refreshToken);
    await store.write(
      names.ACCESS_TOKEN,
      JSON.stringify({ token: 'expired-token-value', expirationDate: 0 }),
    );
    const fresh = await coldStart();
    await expect(fresh(refreshEvent(), lambdaContext())).rejects.toThrow();
    const res = (await fresh(functionUrlEvent(), lambdaContext())) as V2Result;
    expect(res.statusCode).toBe(503);
    expect(JSON.parse(res.body).error.code).toBe('token_family_expired');
    // A new family for the tests after this one.
    await seedFamily(sandbox, store, loadConfig(env));
  });

  it('answers a clean 503 naming the variable when the configuration is invalid', async () => {
    const restore = setEnv({ JIRA_CLOUD_ID: 'not-a-cloud-id' });
    try {
      const broken = await coldStart();
      const res = (await broken(functionUrlEvent(), lambdaContext())) as V2Result;
      expect(res.statusCode).toBe(503);
      expect(res.headers['content-type']).toBe('application/json');
      expect(JSON.parse(res.body).error).toEqual({
        code: 'not_configured',
        message: expect.stringMatching(/^configuration: JIRA_CLOUD_ID: /),
      });
      await expect(broken(refreshEvent(), lambdaContext())).rejects.toThrow(/JIRA_CLOUD_ID/);
    } finally {
      restore();
    }
  });

  it('rejects an event it does not know', async () => {
    await expect(invoke({ source: 'aws.events', 'detail-type': 'Scheduled Event' })).rejects.toThrow(
      /unrecognised event/,
    );
  });

  it('answers 504 when the function is about to time out', async () => {
    const fresh = await coldStart();
    await fresh(functionUrlEvent(), lambdaContext()); // warm: token loaded
    sandbox.failNext('api', [{ delayMs: 1_000 }]);
    const res = (await fresh(functionUrlEvent(), lambdaContext(50))) as V2Result;
    expect(res.statusCode).toBe(504);
    expect(JSON.parse(res.body).error.code).toBe('upstream_timeout');
  });
});

describe('request bodies', () => {
  const COUNT = '/rest/api/3/search/approximate-count';
  const json = { 'content-type': 'application/json' };
  const body = '{ "jql": "project = ENG" }';
  const sentBodies = (before: number) =>
    upstreamCalls()
      .slice(before)
      .map((r) => `${r.method} ${r.body}`);

  it.each([
    [
      'a Function URL, as text',
      () => functionUrlEvent({ method: 'POST', target: COUNT, headers: json, body }),
    ],
    [
      'a Function URL, base64-encoded',
      () =>
        functionUrlEvent({
          method: 'POST',
          target: COUNT,
          headers: json,
          body: Buffer.from(body).toString('base64'),
          isBase64Encoded: true,
        }),
    ],
    ['an HTTP API on a stage', () => httpApiEvent({ method: 'POST', target: COUNT, headers: json, body })],
  ])('carries the body of %s to the rules and upstream, re-serialized', async (_how, event) => {
    const before = upstreamCalls().length;
    const res = await v2(event());
    expect(res.statusCode, res.body).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ count: 30 });
    // a retry after a rejected token (an earlier test rotated the family) sends the same body again
    expect(new Set(sentBodies(before))).toEqual(new Set(['POST {"jql":"project = ENG"}']));
  });

  it('carries a base64 body of a REST API (payload 1.0) event', async () => {
    const before = upstreamCalls().length;
    const event = restApiEvent({
      method: 'POST',
      path: COUNT,
      body: Buffer.from(body).toString('base64'),
      isBase64Encoded: true,
    });
    event.multiValueHeaders = { ...event.multiValueHeaders, 'Content-Type': ['application/json'] };
    event.headers = { ...event.headers, 'Content-Type': 'application/json' };
    const res = (await invoke(event)) as APIGatewayProxyResult;
    expect(res.statusCode, res.body).toBe(200);
    // a retry after a rejected token (an earlier test rotated the family) sends the same body again
    expect(new Set(sentBodies(before))).toEqual(new Set(['POST {"jql":"project = ENG"}']));
  });

  it.each([
    ['a malformed body', '{"jql":bad}', false, 400],
    ['a malformed base64 body', Buffer.from('{"jql":bad}').toString('base64'), true, 400],
    [
      '1,001 issue keys',
      JSON.stringify({ issueIdsOrKeys: Array.from({ length: 1001 }, (_, i) => `A-${i}`) }),
      false,
      403,
    ],
    ['a body past the limit, base64', Buffer.alloc(600_000, 0x20).toString('base64'), true, 413],
  ])('refuses %s through the contract, with nothing upstream', async (_why, payload, base64, status) => {
    const before = upstreamCalls().length;
    const res = await v2(
      functionUrlEvent({
        method: 'POST',
        target: '/rest/api/3/changelog/bulkfetch',
        headers: json,
        body: payload,
        isBase64Encoded: base64,
      }),
    );
    expect(res.statusCode).toBe(status);
    expect(JSON.parse(res.body).error.code).toMatch(/^(bad_request|blocked_by_rules|payload_too_large)$/);
    expect(upstreamCalls().length).toBe(before);
  });
});
