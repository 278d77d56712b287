import { describe, expect, it } from 'vitest';
import { PSOXY_SCOPES, SANDBOX_CLIENT } from '../../src/sandbox';
import { secretNames } from '../../src/secrets';
import { TokenClient } from '../../src/tokens/atlassian';
import { installFamily } from '../../src/tokens/bootstrap';
import { parseAccessToken } from '../../src/tokens/values';
import { runCli } from '../helpers/cli';
import { proxiesClosedAfterEach, type TestProxy, testClock } from '../helpers/proxy';

/**
 * After a re-bootstrap (the old family still alive), a running instance takes the new family's
 * access token at its next store read, without a refresh: /_health then shows what `status` shows,
 * and the next request carries the new token.
 */

const proxy = proxiesClosedAfterEach();
const REDIRECT = 'http://localhost:8080/callback';

async function rebootstrap(p: TestProxy, now: () => number) {
  await installFamily({
    store: p.store,
    names: secretNames(p.config.secretPrefix),
    tokenClient: new TokenClient(p.sandbox.url),
    apiUrl: p.sandbox.url,
    credentials: { clientId: SANDBOX_CLIENT.clientId, clientSecret: SANDBOX_CLIENT.clientSecret },
    code: p.sandbox.mintCode({ scopes: PSOXY_SCOPES, redirectUri: REDIRECT }),
    redirectUri: REDIRECT,
    now,
  });
  const n = secretNames(p.config.secretPrefix);
  return parseAccessToken((await p.store.read([n.ACCESS_TOKEN])).get(n.ACCESS_TOKEN)?.value ?? '');
}

const lastBearer = (p: TestProxy) => p.sandbox.requests.at(-1)?.headers.authorization;

describe('re-bootstrap while the old family still works', () => {
  it('the next store read switches to the new family’s token; /_health and `status` agree', async () => {
    const clock = testClock();
    const p = await proxy({ sandbox: { now: clock.now }, now: clock.now });
    expect((await fetch(`${p.url}/rest/api/3/myself`)).status).toBe(200);
    const oldBearer = lastBearer(p);

    clock.advance(60_000);
    const fresh = await rebootstrap(p, clock.now);
    expect(`Bearer ${fresh?.token}`).not.toBe(oldBearer);

    const health = (await (await fetch(`${p.url}/_health`)).json()) as {
      status: string;
      tokens: { accessTokenExpiresAt: number; lastRefreshAt: number; family: { bootstrappedAt: string } };
    };
    expect(health.status).toBe('healthy');
    expect(health.tokens.accessTokenExpiresAt).toBe(fresh?.expiresAt);
    expect(health.tokens.lastRefreshAt).toBe(clock.now());
    expect(health.tokens.family.bootstrappedAt).toBe(new Date(clock.now()).toISOString());

    const status = await runCli(['status', '--json'], {
      SECRET_FILE: p.config.secretFile,
      ATLASSIAN_AUTH_URL: p.sandbox.url,
      ATLASSIAN_API_URL: p.sandbox.url,
    }).done;
    const report = JSON.parse(status.stdout) as {
      accessTokenExpiresAt: string;
      lastRefreshAt: string;
      family: { bootstrappedAt: string };
    };
    expect(report.accessTokenExpiresAt).toBe(new Date(health.tokens.accessTokenExpiresAt).toISOString());
    expect(report.lastRefreshAt).toBe(new Date(health.tokens.lastRefreshAt).toISOString());
    expect(report.family.bootstrappedAt).toBe(health.tokens.family.bootstrappedAt);

    expect((await fetch(`${p.url}/rest/api/3/myself`)).status).toBe(200);
    expect(lastBearer(p)).toBe(`Bearer ${fresh?.token}`);
    expect(p.sandbox.stats().refreshes).toBe(0);
  });
});
