import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config';
import { SANDBOX_SITE, type Sandbox, startSandbox } from '../../src/sandbox';
import { secretNames } from '../../src/secrets';
import { FileStore } from '../../src/stores/file';
import { seedFamily } from '../helpers/proxy';
import { fill, HOSTILE } from '../rules/corpus';
import { setEnv } from '../servers/aws-json';
import { rawHead, rawRequest, rawStatus } from './raw-http';

/**
 * The Cloud Function in-process, served by the Functions Framework's own Express server (as in
 * Cloud Run), against the sandbox and a real file store.
 */

let sandbox: Sandbox;
let dir: string;
let store: FileStore;
let server: Server;
let base: string;
let restoreEnv: () => void;

const upstreamCalls = () => sandbox.requests.filter((r) => r.rawPath.startsWith('/ex/'));

beforeAll(async () => {
  sandbox = await startSandbox();
  dir = await mkdtemp(join(tmpdir(), 'jtp-gcp-'));
  const env = {
    SECRET_STORE: 'file',
    SECRET_FILE: join(dir, 'secrets.json'),
    ATLASSIAN_AUTH_URL: sandbox.url,
    ATLASSIAN_API_URL: sandbox.url,
    JIRA_CLOUD_ID: SANDBOX_SITE.id,
    LOG_LEVEL: 'silent',
  };
  store = new FileStore({ path: env.SECRET_FILE });
  await seedFamily(sandbox, store, loadConfig(env));
  restoreEnv = setEnv(env);
  const mod = await import('../../functions/gcp-function');
  expect(typeof mod.jiraTokenProxy).toBe('function');
  server = getTestServer('jiraTokenProxy');
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  restoreEnv?.();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await sandbox?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('Cloud Function jiraTokenProxy', () => {
  it('proxies a request and ties it to the Cloud Trace id', async () => {
    const trace = '105445aa7843bc8bf206b12000100000';
    const res = await rawRequest(base, '/rest/api/3/search/jql?jql=project%20%3D%20SBX&maxResults=1', {
      headers: {
        'x-cloud-trace-context': `${trace}/1;o=1`,
        cookie: 'session=abc',
        authorization: 'Bearer caller-own',
      },
    });
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toBe(trace);
    expect(JSON.parse(res.body)).toHaveProperty('issues');
    const sent = upstreamCalls().at(-1);
    expect(sent?.rawPath).toBe(
      `/ex/jira/${SANDBOX_SITE.id}/rest/api/3/search/jql?jql=project%20%3D%20SBX&maxResults=1`,
    );
    expect(sent?.headers.cookie).toBeUndefined();
    expect(String(sent?.headers.authorization)).not.toContain('caller-own');
  });

  it('refuses every hostile raw target of the rules corpus without calling upstream', async () => {
    const before = upstreamCalls().length;
    for (const row of HOSTILE.filter((r) => r.wire)) {
      const target = fill(row.target, SANDBOX_SITE.id);
      const status = await rawStatus(base, row.method, target);
      expect(status, `${row.method} ${target} (${row.why})`).toBeGreaterThanOrEqual(400);
      expect(status, `${row.method} ${target} (${row.why})`).toBeLessThan(500);
    }
    for (const target of ['/rest/api/3/users/../myself', '/rest/api/3/%2e%2e/3/myself']) {
      const res = await rawRequest(base, target);
      expect(res.status, target).toBe(403);
      expect(res.headers['x-psoxy-error']).toBe('BLOCKED_BY_RULES');
    }
    expect(upstreamCalls().length).toBe(before);
  });

  it('refuses HTTP/0.9-style and HTTP/2.0 request lines, as the node:http adapter does', async () => {
    const before = upstreamCalls().length;
    // A bare request line (no version): Node reads it as HTTP/0.9, the rest as headers.
    expect(await rawHead(base, 'GET /rest/api/3/myself\r\nHost: 127.0.0.1\r\n\r\n')).toBe(400);
    expect(
      await rawHead(base, 'GET /rest/api/3/myself HTTP/2.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'),
    ).toBe(400);
    expect(upstreamCalls().length).toBe(before);
    // The same server still answers HTTP/1.0 and HTTP/1.1.
    expect(await rawHead(base, 'GET /_health HTTP/1.0\r\n\r\n')).toBe(200);
  });

  it('holds every call after a quota 429 until the reset, with the rate-limit headers; a burst 429 holds nothing', async () => {
    // The instance's clock ten minutes back, so the hold is over once real time returns.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() - 600_000 });
    try {
      sandbox.failNext('api', [{ status: 429, retryAfterSeconds: 5, reason: 'jira-burst-based' }]);
      expect((await rawRequest(base, '/rest/api/3/myself')).status).toBe(429);
      expect((await rawRequest(base, '/rest/api/3/myself')).status).toBe(200);

      sandbox.failNext('api', [{ status: 429, retryAfterSeconds: 5, reason: 'jira-quota-global-based' }]);
      const limited = await rawRequest(base, '/rest/api/3/myself');
      expect(limited.status).toBe(429);
      expect(limited.headers).toMatchObject({
        'retry-after': '5',
        'ratelimit-reason': 'jira-quota-global-based',
      });
      const before = upstreamCalls().length;
      for (let i = 0; i < 10; i++) {
        const held = await rawRequest(base, '/rest/api/3/users');
        expect(held.status).toBe(429);
        expect(held.headers).toMatchObject({
          'retry-after': '5',
          'ratelimit-reason': 'jira-quota-global-based',
          'x-ratelimit-remaining': '0',
          'x-psoxy-error': 'API_ERROR',
        });
        expect(JSON.parse(held.body).error.code).toBe('quota_exhausted');
      }
      expect(upstreamCalls()).toHaveLength(before);
      expect(JSON.parse((await rawRequest(base, '/_health')).body).quota.holding).toBe(true);
      vi.setSystemTime(Date.now() + 5000);
      expect((await rawRequest(base, '/rest/api/3/myself')).status).toBe(200);
      expect(upstreamCalls()).toHaveLength(before + 1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('answers the health check on /_health and on the header', async () => {
    const res = await rawRequest(base, '/_health');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).status).toBe('healthy');
    const header = await rawRequest(base, '/rest/api/3/users', {
      headers: { 'x-psoxy-health-check': 'true' },
    });
    expect(JSON.parse(header.body).status).toBe('healthy');
  });

  it("runs Cloud Scheduler's refresh on POST /_refresh", async () => {
    const names = secretNames('PSOXY_JIRA_CLOUD_');
    const refreshes = sandbox.stats().refreshes;
    const res = await rawRequest(base, '/_refresh', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({
      refreshed: false,
      accessTokenExpiresAt: expect.any(Number),
    });
    expect(sandbox.stats().refreshes).toBe(refreshes);
    expect((await store.read([names.ACCESS_TOKEN])).has(names.ACCESS_TOKEN)).toBe(true);
    const get = await rawRequest(base, '/_refresh');
    expect(get.status).toBe(405);
  });
});

describe('request bodies under the Functions Framework', () => {
  const json = { 'content-type': 'application/json' };

  it("a read-only POST: the framework's raw bytes are checked and re-serialized upstream", async () => {
    const before = upstreamCalls().length;
    const res = await rawRequest(base, '/rest/api/3/search/approximate-count', {
      method: 'POST',
      headers: json,
      body: '{ "jql" : "project = ENG" }',
    });
    expect(res.status, res.body).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ count: 30 });
    const sent = upstreamCalls().slice(before);
    expect(sent.map((r) => `${r.method} ${r.body}`)).toEqual(['POST {"jql":"project = ENG"}']);
  });

  it('a body the rules refuse (the framework parsed it, with a duplicate key) never goes upstream', async () => {
    const before = upstreamCalls().length;
    const res = await rawRequest(base, '/rest/api/3/search/approximate-count', {
      method: 'POST',
      headers: json,
      body: '{"jql":"project = ENG","jql":"project = OPS"}',
    });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body).error.message).toContain('body key jql appears twice');
    expect(upstreamCalls().length).toBe(before);
  });

  it.each([
    ['POST', '/rest/api/3/search/jql', 'application/json', '{"a":bad}', 400, 'bad_request'],
    ['POST', '/rest/api/3/users', 'application/json', '{"a":bad}', 400, 'bad_request'],
    ['GET', '/rest/api/3/myself', 'application/json', '{"a":bad}', 400, 'bad_request'],
    ['POST', '/_refresh', 'application/json', 'nonsense', 400, 'bad_request'],
    ['POST', '/no/such/path', 'application/json', '{', 400, 'bad_request'],
    [
      'POST',
      '/rest/api/3/search/jql',
      'application/json; charset=latin1',
      '{}',
      415,
      'unsupported_media_type',
    ],
    ['POST', '/rest/api/3/search/jql', 'text/plain; charset=klingon', 'x', 415, 'unsupported_media_type'],
  ])(
    '%s %s with %s that the framework cannot parse: the contract error, not its HTML page',
    async (method, target, type, body, status, code) => {
      const before = upstreamCalls().length;
      const res = await rawRequest(base, target, {
        method,
        headers: {
          'content-type': type,
          // Node's client frames a GET's body only when told its length
          'content-length': String(Buffer.byteLength(body)),
          'x-cloud-trace-context': '105445aa7843bc8bf206b12000100001/1;o=1',
        },
        body,
      });
      expect(res.status).toBe(status);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.headers['x-psoxy-error']).toBe('INVALID_REQUEST');
      expect(res.headers['x-request-id']).toBe('105445aa7843bc8bf206b12000100001');
      expect(JSON.parse(res.body)).toEqual({ error: { code, message: expect.any(String) } });
      expect(res.body).not.toMatch(/SyntaxError|<html|at JSON\.parse/i);
      expect(upstreamCalls().length).toBe(before);
    },
  );

  it('a body with no Content-Type, left unread by the framework, is read from the stream and refused', async () => {
    const before = upstreamCalls().length;
    const res = await rawRequest(base, '/rest/api/3/search/approximate-count', {
      method: 'POST',
      body: '{"jql":"a"}',
    });
    expect(res.status).toBe(415);
    expect(upstreamCalls().length).toBe(before);
  });
});
