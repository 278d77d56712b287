import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { loadConfig } from '../../src/config';
import { AUDIT_MESSAGE, setLogLevel } from '../../src/log';
import { SANDBOX_SITE, type Sandbox, startSandbox } from '../../src/sandbox';
import { FileStore } from '../../src/stores/file';
import { proxiesClosedAfterEach, seedFamily } from '../helpers/proxy';
import { setEnv } from '../servers/aws-json';
import { functionUrlEvent, lambdaContext, restApiEvent } from './events';
import { rawRequest } from './raw-http';

/**
 * ALLOWED_CALLER_IP_RANGES and the audit line on all three adapters, each started from its real
 * entry point: the address checked is the platform's own (the event's sourceIp, the socket, the
 * entry Google's front end appended), so an X-Forwarded-For a caller writes never lets a call in.
 */

const RANGES = '203.0.113.0/24,2001:db8::/32';
const QUERY_VALUE = 'SECRETPROJECT';

type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;
type V2Result = APIGatewayProxyStructuredResultV2 & { headers: Record<string, string>; body: string };

let sandbox: Sandbox;
let dir: string;
let env: Record<string, string>;
let restoreEnv: () => void;
let lambda: Handler;
let gcpServer: Server;
let gcpBase: string;

/**
 * What the proxy writes on stdout, captured for every test of this file (audit lines are written
 * at every level but silent, and would otherwise land in the test output).
 */
let stdout: string[] = [];
beforeEach(() => {
  stdout = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array) => {
    stdout.push(String(chunk));
    return true;
  }) as typeof process.stdout.write);
  return () => spy.mockRestore();
});

/** The audit lines the proxy writes while `run` runs (the real logger, on stdout). */
async function auditLines<T>(
  run: () => Promise<T>,
): Promise<{ result: T; lines: Record<string, unknown>[] }> {
  const from = stdout.length;
  const result = await run();
  return {
    result,
    lines: stdout
      .slice(from)
      .flatMap((c) => c.split('\n'))
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.message === AUDIT_MESSAGE),
  };
}

/** A Google ID token as Cloud Run passes it on: the front end verified it and removed its signature. */
function idToken(email: string): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ iss: 'https://accounts.google.com', email, sub: '1234567890' })}.SIGNATURE_REMOVED_BY_GOOGLE`;
}

beforeAll(async () => {
  sandbox = await startSandbox();
  dir = await mkdtemp(join(tmpdir(), 'jtp-networks-'));
  env = {
    SECRET_STORE: 'file',
    SECRET_FILE: join(dir, 'secrets.json'),
    ATLASSIAN_AUTH_URL: sandbox.url,
    ATLASSIAN_API_URL: sandbox.url,
    JIRA_CLOUD_ID: SANDBOX_SITE.id,
    // Audit lines are written at any level but silent, as metrics are.
    LOG_LEVEL: 'error',
    ALLOWED_CALLER_IP_RANGES: RANGES,
  };
  await seedFamily(sandbox, new FileStore({ path: env.SECRET_FILE as string }), loadConfig(env));
  restoreEnv = setEnv(env);
  vi.resetModules();
  lambda = (await import('../../functions/aws-lambda')).handler as Handler;
  await import('../../functions/gcp-function');
  gcpServer = getTestServer('jiraTokenProxy');
  await new Promise<void>((resolve) => gcpServer.listen(0, '127.0.0.1', resolve));
  gcpBase = `http://127.0.0.1:${(gcpServer.address() as AddressInfo).port}`;
});

afterAll(async () => {
  restoreEnv?.();
  // Files share modules (isolate: false): the next import of the entry points must start afresh,
  // with its own environment, and register its own jiraTokenProxy.
  vi.resetModules();
  gcpServer?.closeAllConnections();
  await new Promise((resolve) => gcpServer?.close(resolve));
  await sandbox?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const upstreamCalls = () => sandbox.requests.filter((r) => r.rawPath.startsWith('/ex/')).length;

describe('Lambda (function URL event)', () => {
  const from = (sourceIp: string, headers: Record<string, string> = {}, target = '/rest/api/3/myself') => {
    const e = functionUrlEvent({ target, headers });
    e.requestContext.http.sourceIp = sourceIp;
    return lambda(e, lambdaContext()) as Promise<V2Result>;
  };

  it('refuses a sourceIp outside the ranges, whatever X-Forwarded-For claims', async () => {
    const before = upstreamCalls();
    const res = await from('198.51.100.7', {
      'x-forwarded-for': '203.0.113.10',
      'x-real-ip': '203.0.113.10',
    });
    expect(res.statusCode).toBe(403);
    expect(JSON.parse(res.body).error.code).toBe('caller_not_allowed');
    expect(JSON.parse(res.body).error.message).toContain('198.51.100.7');
    expect(upstreamCalls()).toBe(before);
  });

  it('serves IPv4, IPv4-mapped IPv6 and IPv6 addresses inside the ranges', async () => {
    for (const ip of ['203.0.113.10', '::ffff:203.0.113.9', '2001:db8::5'])
      expect((await from(ip)).statusCode, ip).toBe(200);
    expect((await from('2001:db9::5')).statusCode).toBe(403);
  });

  it('reads payload 1.0 from requestContext.identity.sourceIp', async () => {
    const outside = restApiEvent({ path: '/rest/api/3/myself' });
    outside.requestContext.identity.sourceIp = '198.51.100.7';
    outside.headers = { ...outside.headers, 'X-Forwarded-For': '203.0.113.10' };
    outside.multiValueHeaders = { ...outside.multiValueHeaders, 'X-Forwarded-For': ['203.0.113.10'] };
    expect(((await lambda(outside, lambdaContext())) as V2Result).statusCode).toBe(403);
    const inside = restApiEvent({ path: '/rest/api/3/myself' });
    inside.requestContext.identity.sourceIp = '203.0.113.10';
    expect(((await lambda(inside, lambdaContext())) as V2Result).statusCode).toBe(200);
  });

  it('audits the IAM principal, the endpoint id, the status and the bytes, never the query', async () => {
    const { result, lines } = await auditLines(() =>
      from('203.0.113.10', {}, `/rest/api/3/search/jql?jql=project%20%3D%20${QUERY_VALUE}&maxResults=1`),
    );
    expect(result.statusCode).toBe(200);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      caller: 'arn:aws:iam::123456789012:user/psoxy-caller',
      clientAddress: '203.0.113.10',
      method: 'GET',
      endpoint: 'search-jql',
      status: 200,
      bytes: Buffer.byteLength(result.body as string),
      requestId: '3c7a1e52-9b4d-4f6e-8a21-5d0c9e7b3f14',
    });
    expect(typeof lines[0]?.ms).toBe('number');
    expect(JSON.stringify(lines)).not.toMatch(new RegExp(`${QUERY_VALUE}|AWS4-HMAC|Bearer`));
  });

  it('audits a refusal with its error code', async () => {
    const { lines } = await auditLines(() => from('198.51.100.7'));
    expect(lines[0]).toMatchObject({ status: 403, error: 'caller_not_allowed', endpoint: null });
  });
});

describe('Cloud Function (behind Google front end)', () => {
  it('checks the last X-Forwarded-For entry, the one Google appended, not the caller-written ones', async () => {
    const before = upstreamCalls();
    // The caller wrote 203.0.113.10; the front end appended the real address, 198.51.100.7.
    const spoofed = await rawRequest(gcpBase, '/rest/api/3/myself', {
      headers: { 'x-forwarded-for': '203.0.113.10, 198.51.100.7' },
    });
    expect(spoofed.status).toBe(403);
    expect(JSON.parse(spoofed.body).error.code).toBe('caller_not_allowed');
    expect(upstreamCalls()).toBe(before);
    const allowed = await rawRequest(gcpBase, '/rest/api/3/myself', {
      headers: { 'x-forwarded-for': '198.51.100.7,2001:db8::77' },
    });
    expect(allowed.status).toBe(200);
  });

  it('falls back to the socket (here loopback, outside the ranges) without X-Forwarded-For', async () => {
    expect((await rawRequest(gcpBase, '/rest/api/3/myself')).status).toBe(403);
  });

  it("lets Cloud Scheduler's POST /_refresh through: it comes from Google's addresses", async () => {
    const res = await rawRequest(gcpBase, '/_refresh', { method: 'POST' });
    expect(res.status).toBe(200);
    expect((await rawRequest(gcpBase, '/_refresh?x=1', { method: 'GET' })).status).toBe(403);
  });

  it('audits the e-mail of the verified ID token, preferring X-Serverless-Authorization', async () => {
    const { result, lines } = await auditLines(() =>
      rawRequest(gcpBase, `/rest/api/3/search/jql?jql=project%20%3D%20${QUERY_VALUE}&maxResults=1`, {
        headers: {
          'x-forwarded-for': '203.0.113.10',
          'x-serverless-authorization': `Bearer ${idToken('pipeline@acme.iam.gserviceaccount.com')}`,
          // Passed on as the caller wrote it when X-Serverless-Authorization carries the checked token.
          authorization: `Bearer ${idToken('someone-else@example.com')}`,
        },
      }),
    );
    expect(result.status).toBe(200);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      caller: 'pipeline@acme.iam.gserviceaccount.com',
      clientAddress: '203.0.113.10',
      endpoint: 'search-jql',
      status: 200,
      bytes: Buffer.byteLength(result.body),
    });
    const only = await auditLines(() =>
      rawRequest(gcpBase, '/_health', {
        headers: {
          'x-forwarded-for': '203.0.113.10',
          authorization: `Bearer ${idToken('sched@acme.iam.gserviceaccount.com')}`,
        },
      }),
    );
    // The core's own in-memory answer, counted as the adapter sends it.
    expect(only.result.status).toBe(200);
    expect(only.lines[0]).toMatchObject({
      caller: 'sched@acme.iam.gserviceaccount.com',
      endpoint: '/_health',
      bytes: Buffer.byteLength(only.result.body),
    });
    expect(JSON.stringify([...lines, ...only.lines])).not.toMatch(
      new RegExp(`${QUERY_VALUE}|SIGNATURE_REMOVED|eyJ`),
    );
  });
});

describe('serve (node:http)', () => {
  const start = proxiesClosedAfterEach();

  it('checks the socket address and ignores X-Forwarded-For', async () => {
    const outside = await start({ env: { ALLOWED_CALLER_IP_RANGES: '10.0.0.0/8' } });
    const refused = await rawRequest(outside.url, '/rest/api/3/myself', {
      headers: { 'x-forwarded-for': '10.1.2.3', forwarded: 'for=10.1.2.3' },
    });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body).error.code).toBe('caller_not_allowed');
    const inside = await start({ env: { ALLOWED_CALLER_IP_RANGES: '127.0.0.0/8, ::1/128' } });
    expect((await rawRequest(inside.url, '/rest/api/3/myself')).status).toBe(200);
  });

  it('audits no caller identity (serve authenticates nobody), and AUDIT_LOG=off writes none', async () => {
    // The helper builds the runtime without `createRuntime`, which would set the level.
    setLogLevel('warn');
    onTestFinished(() => setLogLevel('silent'));
    const on = await start({ env: { LOG_LEVEL: 'warn' } });
    const { lines } = await auditLines(() => rawRequest(on.url, '/rest/api/3/myself'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      caller: null,
      clientAddress: '127.0.0.1',
      endpoint: 'myself',
      status: 200,
    });
    const off = await start({ env: { LOG_LEVEL: 'warn', AUDIT_LOG: 'off' } });
    expect((await auditLines(() => rawRequest(off.url, '/rest/api/3/myself'))).lines).toEqual([]);
  });
});
