import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JIRA_SOFTWARE_SCOPES, PSOXY_SCOPES } from '../../src/sandbox';
import { runCli } from '../helpers/cli';
import { startProxy, type TestProxy } from '../helpers/proxy';

/**
 * `test-calls` against a local proxy behind a loopback stand-in for a Lambda function URL with
 * AWS_IAM auth: it recomputes each request's SigV4 signature and answers 403 unless it matches.
 * The Google ID token path (Cloud Functions) needs Google's token service and cannot run offline.
 */

const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLETESTCALLS', secretAccessKey: 'test-calls-dummy-secret-key' };
/** At most this far apart, like AWS's request time window. */
const CLOCK_SKEW_MS = 5 * 60_000;

let proxy: TestProxy;
let standIn: Server;
let standInUrl: string;
const verdicts: string[] = [];

/** Only loopback is reachable: env credentials first, no profile, no role, no instance metadata. */
function awsEnv(credentials = CREDENTIALS): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_SESSION_TOKEN: '',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PROFILE: '',
    AWS_ROLE_ARN: '',
    AWS_WEB_IDENTITY_TOKEN_FILE: '',
    AWS_CONTAINER_CREDENTIALS_FULL_URI: '',
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '',
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    AWS_REGION: '',
  };
}

const verifier = new SignatureV4({
  service: 'lambda',
  region: REGION,
  credentials: CREDENTIALS,
  sha256: Sha256,
});

/** Why the request's signature is not valid, or undefined when it is. */
async function signatureProblem(req: IncomingMessage, body: Buffer): Promise<string | undefined> {
  const authorization = req.headers.authorization;
  if (!authorization) return 'no Authorization header';
  const parts = /^AWS4-HMAC-SHA256 Credential=([^,]+), SignedHeaders=([^,]+), Signature=[0-9a-f]{64}$/.exec(
    authorization,
  );
  if (!parts) return 'not a SigV4 Authorization header';
  const amzDate = req.headers['x-amz-date'];
  const date = typeof amzDate === 'string' ? parseAmzDate(amzDate) : undefined;
  if (!date) return 'no x-amz-date';
  if (Math.abs(date.getTime() - Date.now()) > CLOCK_SKEW_MS) return 'x-amz-date outside the time window';
  const signed = (parts[2] as string).split(';');
  if (!signed.includes('host')) return 'host is not signed';
  const headers: Record<string, string> = {};
  for (const name of signed) {
    const value = req.headers[name];
    if (typeof value !== 'string') return `signed header ${name} is missing`;
    headers[name] = value;
  }
  // The payload hash is recomputed from the body received, never taken from the caller.
  delete headers['x-amz-content-sha256'];
  const url = new URL(req.url ?? '/', 'http://stand-in');
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  const expected = await verifier.sign(
    {
      method: req.method ?? 'GET',
      protocol: 'http:',
      hostname: headers.host?.split(':')[0] ?? '',
      path: url.pathname,
      query,
      headers,
      body: body.length ? body : undefined,
    },
    { signingDate: date },
  );
  const want = Buffer.from(String(expected.headers.authorization));
  const got = Buffer.from(authorization);
  return want.length === got.length && timingSafeEqual(want, got) ? undefined : 'signature mismatch';
}

function parseAmzDate(s: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  return m ? new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`) : undefined;
}

async function standInHandler(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const body = Buffer.concat(chunks);
  const problem = await signatureProblem(req, body);
  verdicts.push(problem ?? 'ok');
  if (problem) {
    // What a function URL answers to an unsigned or badly signed request.
    res.writeHead(403, { 'content-type': 'application/json', 'x-amzn-errortype': 'AccessDeniedException' });
    res.end(JSON.stringify({ Message: 'Forbidden' }));
    return;
  }
  const target = new URL(proxy.url);
  const upstream = request(
    {
      host: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: { ...req.headers, host: target.host },
    },
    (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    },
  );
  upstream.on('error', () => res.writeHead(502).end());
  upstream.end(body);
}

beforeAll(async () => {
  proxy = await startProxy({
    env: { RULE_SET: 'jira-cloud,jira-software' },
    scopes: [...PSOXY_SCOPES, ...JIRA_SOFTWARE_SCOPES],
  });
  standIn = createServer((req, res) => {
    standInHandler(req, res).catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => standIn.listen(0, '127.0.0.1', resolve));
  standInUrl = `http://127.0.0.1:${(standIn.address() as AddressInfo).port}`;
});

afterAll(async () => {
  standIn.closeAllConnections();
  await new Promise((r) => standIn.close(r));
  await proxy.close();
});

/** The rows of console.table's box: `│ (index) │ call │ status │ ms │ bytes │ headroom │`. */
function tableRows(stdout: string): Record<string, string>[] {
  const lines = stdout.split('\n').filter((l) => l.startsWith('│'));
  const cells = (l: string) =>
    l
      .split('│')
      .slice(1, -1)
      .map((c) => c.trim().replace(/^'(.*)'$/, '$1'));
  const [head, ...rows] = lines;
  const names = cells(head ?? '');
  return rows.map((r) => Object.fromEntries(cells(r).map((c, i) => [names[i], c])));
}

const EXPECTED_CALLS = [
  'health',
  'server info',
  'users',
  'groups',
  'fields',
  'statuses',
  'search/jql',
  'search/jql POST',
  'approximate count',
  'issue changelog',
  'issue comment',
  'issue worklog',
  'bulk changelogs',
  'worklogs updated',
  'worklog list',
  'projects',
  'boards',
  'board sprints',
  'sprint issues',
  'sprint issues (token paged)',
];

describe('test-calls', () => {
  it('signs every call with SigV4; the verifying stand-in lets all through; table of 200s with headroom', async () => {
    verdicts.length = 0;
    const r = await runCli(['test-calls', '--url', standInUrl, '--sigv4', '--region', REGION], awsEnv()).done;
    expect(r.stderr, 'test-calls failed').toBe('');
    expect(r.code).toBe(0);
    const rows = tableRows(r.stdout);
    expect(rows.map((row) => row.call)).toEqual(EXPECTED_CALLS);
    for (const row of rows) {
      expect(row.status, `${row.call} status`).toBe('200');
      expect(Number(row.bytes), `${row.call} bytes`).toBeGreaterThan(0);
      expect(Number(row.ms), `${row.call} latency`).toBeGreaterThanOrEqual(0);
      // The health check is the proxy's own answer; every Jira call carries Jira's rate-limit headers.
      if (row.call !== 'health') expect(row.headroom, `${row.call} headroom`).toMatch(/^\d+\/350$/);
    }
    expect(verdicts).toEqual(EXPECTED_CALLS.map(() => 'ok'));
    expect(r.stdout).not.toContain(CREDENTIALS.secretAccessKey);
  });

  it('with wrong credentials every call gets 403 from the stand-in: exit 1 and one line', async () => {
    verdicts.length = 0;
    const wrong = { ...CREDENTIALS, secretAccessKey: 'not-the-right-secret-key' };
    const r = await runCli(['test-calls', '--url', standInUrl, '--sigv4', '--region', REGION], awsEnv(wrong))
      .done;
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^jira-token-proxy: \d+ of \d+ calls failed \(health, server info, users/);
    const rows = tableRows(r.stdout);
    const called = rows.filter((row) => !row.status?.startsWith('skipped'));
    expect(called.length).toBeGreaterThan(0);
    for (const row of called) expect(row.status, row.call).toBe('403');
    expect(verdicts.every((v) => v === 'signature mismatch')).toBe(true);
    expect(r.stdout + r.stderr).not.toContain(wrong.secretAccessKey);
  });

  it('unsigned against the stand-in: 403 (it really verifies)', async () => {
    verdicts.length = 0;
    const r = await runCli(['test-calls', '--url', standInUrl], awsEnv()).done;
    expect(r.code).toBe(1);
    expect(verdicts[0]).toBe('no Authorization header');
  });

  it('without signing, straight against the proxy: all calls succeed', async () => {
    const r = await runCli(['test-calls', '--url', proxy.url], awsEnv()).done;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rows = tableRows(r.stdout);
    expect(rows.map((row) => row.call)).toEqual(EXPECTED_CALLS);
    for (const row of rows) expect(row.status, row.call).toBe('200');
  });

  it('against a proxy without jira-software: its calls are skipped, not failed', async () => {
    const plain = await startProxy({ existingSandbox: proxy.sandbox });
    try {
      const r = await runCli(['test-calls', '--url', plain.url], awsEnv()).done;
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const rows = tableRows(r.stdout);
      expect(rows.find((row) => row.call === 'boards')?.status).toBe('skipped: not in the rule set');
      expect(rows.filter((row) => row.status === '200').length).toBe(EXPECTED_CALLS.length - 4);
    } finally {
      await plain.close();
    }
  });
});
