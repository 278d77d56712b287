import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen } from '../../src/adapters/node-http';
import { secretNames } from '../../src/secrets';
import { FileStore } from '../../src/stores/file';
import { familyIssuerMismatch } from '../../src/tokens/family-issuer';
import { formatAccessToken, parseFamily } from '../../src/tokens/values';
import { runCli } from '../helpers/cli';
import { proxiesClosedAfterEach, type TestProxy, testClock } from '../helpers/proxy';

/**
 * A family's refresh token goes only to the authorization server that issued it (recorded in
 * TOKEN_FAMILY at bootstrap): the proxy, `refresh` and `status` refuse another ATLASSIAN_AUTH_URL
 * in one line, and /_health names the mismatch.
 */

const HOUR = 3_600_000;
const proxy = proxiesClosedAfterEach();

/** Another "authorization server" on loopback: it must never hear from the proxy. */
let elsewhere: Server;
let elsewhereUrl: string;
let elsewhereHits = 0;
beforeAll(async () => {
  elsewhere = createServer((_, res) => {
    elsewhereHits++;
    res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_grant"}');
  });
  elsewhereUrl = `http://127.0.0.1:${await listen(elsewhere, 0)}`;
});
afterAll(() => new Promise((r) => elsewhere.close(r)));

async function storedFamily(p: TestProxy) {
  const n = secretNames(p.config.secretPrefix);
  return (await p.store.read([n.TOKEN_FAMILY, n.REFRESH_TOKEN])) as Map<string, { value: string }>;
}

describe('the family belongs to its issuer', () => {
  it('`refresh` refuses even when no refresh is due: the scheduled one would be refused too', async () => {
    const p = await proxy();
    const r = await runCli(['refresh', '--json'], {
      SECRET_FILE: join(p.dir, 'secrets.json'),
      ATLASSIAN_AUTH_URL: elsewhereUrl,
      JIRA_CLOUD_ID: undefined,
    }).done;
    expect(r.code).toBe(1);
    const { error } = JSON.parse(r.stdout) as { error: { code: string; message: string } };
    expect(error.code).toBe('not_configured');
    expect(error.message).toMatch(/^the token family was issued by /);
    expect(elsewhereHits).toBe(0);
  });

  it('the bootstrap records ATLASSIAN_AUTH_URL in TOKEN_FAMILY', async () => {
    const p = await proxy();
    const n = secretNames(p.config.secretPrefix);
    const family = parseFamily((await storedFamily(p)).get(n.TOKEN_FAMILY)?.value ?? '');
    expect(family?.authUrl).toBe(p.sandbox.url);
  });

  it('compares origin and path, ignoring a trailing slash; a family without an issuer is accepted', () => {
    expect(
      familyIssuerMismatch({ authUrl: 'https://auth.atlassian.com' }, 'https://auth.atlassian.com/'),
    ).toBe(undefined);
    expect(familyIssuerMismatch({}, 'https://auth.example.test')).toBe(undefined);
    expect(familyIssuerMismatch({ authUrl: 'http://127.0.0.1:1' }, 'https://auth.atlassian.com')).toMatch(
      /^the token family was issued by http:\/\/127\.0\.0\.1:1 but ATLASSIAN_AUTH_URL is https:\/\/auth\.atlassian\.com/,
    );
  });

  it('the proxy refuses to refresh at another server: 503 naming both, nothing sent, /_health says why', async () => {
    const clock = testClock();
    const p = await proxy({
      sandbox: { now: clock.now },
      now: clock.now,
      env: { ATLASSIAN_AUTH_URL: elsewhereUrl },
    });
    const n = secretNames(p.config.secretPrefix);
    const before = (await storedFamily(p)).get(n.REFRESH_TOKEN)?.value;
    clock.advance(HOUR + 1000);
    const res = await fetch(`${p.url}/rest/api/3/myself`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('not_configured');
    expect(body.error.message).toContain(
      `issued by ${p.sandbox.url} but ATLASSIAN_AUTH_URL is ${elsewhereUrl}`,
    );
    const health = await fetch(`${p.url}/_health`);
    expect(health.status).toBe(503);
    const problems = ((await health.json()) as { problems: string[] }).problems;
    expect(problems).toEqual([body.error.message]);
    expect(elsewhereHits).toBe(0);
    expect(p.sandbox.stats().refreshes).toBe(0);
    expect((await storedFamily(p)).get(n.REFRESH_TOKEN)?.value).toBe(before);
  });

  it('a family bootstrapped before the issuer was recorded is refreshed at ATLASSIAN_AUTH_URL, as before', async () => {
    const clock = testClock();
    const p = await proxy({ sandbox: { now: clock.now }, now: clock.now });
    const n = secretNames(p.config.secretPrefix);
    const family = parseFamily((await storedFamily(p)).get(n.TOKEN_FAMILY)?.value ?? '');
    await p.store.write(n.TOKEN_FAMILY, JSON.stringify({ ...family, authUrl: undefined }));
    clock.advance(HOUR + 1000);
    expect((await fetch(`${p.url}/rest/api/3/myself`)).status).toBe(200);
    expect(p.sandbox.stats().refreshes).toBe(1);
  });

  it('`refresh` and `status` with only SECRET_FILE set refuse in one line, sending nothing', async () => {
    const p = await proxy();
    const n = secretNames(p.config.secretPrefix);
    // Due: an expired access token, so `refresh` would otherwise call the default token endpoint.
    await new FileStore({ path: join(p.dir, 'secrets.json') }).write(
      n.ACCESS_TOKEN,
      formatAccessToken({ token: 'expired-access', expiresAt: Date.now() - 1000, issuedAt: undefined }),
    );
    const env = {
      SECRET_FILE: join(p.dir, 'secrets.json'),
      ATLASSIAN_AUTH_URL: elsewhereUrl,
      ATLASSIAN_API_URL: undefined,
      JIRA_CLOUD_ID: undefined,
    };
    const r = await runCli(['refresh'], env).done;
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `jira-token-proxy: the token family was issued by ${p.sandbox.url} but ATLASSIAN_AUTH_URL is ${elsewhereUrl}, ` +
        "so its refresh token is not sent there: set ATLASSIAN_AUTH_URL (and ATLASSIAN_API_URL) to the store's " +
        'servers, or run `npx jira-token-proxy bootstrap` against the configured one\n',
    );
    const s = await runCli(['status', '--json'], env).done;
    expect(s.code).toBe(1);
    expect((JSON.parse(s.stdout) as { problems: string[] }).problems).toContain(r.stderr.slice(18, -1));
    expect(elsewhereHits).toBe(0);
    expect(p.sandbox.stats().refreshes).toBe(0);
  });
});
