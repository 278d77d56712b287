import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setLogLevel } from '../../src/log';
import {
  PSOXY_SCOPES,
  SANDBOX_CLIENT,
  SANDBOX_SITE,
  type Sandbox,
  type SandboxSite,
  startSandbox,
} from '../../src/sandbox';
import { secretNames } from '../../src/secrets';
import { FileStore } from '../../src/stores/file';
import { runCli } from '../helpers/cli';
import { startProxy } from '../helpers/proxy';

/**
 * The annual bootstrap over a running proxy: the proxy switches to the new family without a
 * restart and without one failed request. And the grant that reaches several sites.
 */

const names = secretNames('PSOXY_JIRA_CLOUD_');
const CALLBACK = 'http://localhost:8080/callback';
/** Short enough that nudging the shared clock forces a refresh, long enough to keep a code alive. */
const TOKEN_LIFETIME_S = 60;
/** Past the refresh margin (half the lifetime) and inside the 10-minute code life 15 times over. */
const NUDGE_MS = 31_000;
const MAX_NUDGES = 15;

const credentialFlags = [
  '--client-id',
  SANDBOX_CLIENT.clientId,
  '--client-secret',
  SANDBOX_CLIENT.clientSecret,
];

/** Continuous requests from several concurrent callers; every non-200 is a failure. */
function load(url: string, callers: number) {
  let stopped = false;
  let completed = 0;
  const failures: string[] = [];
  const waiters: { at: number; resolve: () => void }[] = [];
  const loop = async () => {
    while (!stopped) {
      try {
        const res = await fetch(`${url}/rest/api/3/myself`);
        const body = await res.text();
        if (res.status !== 200) failures.push(`${res.status} ${body.slice(0, 200)}`);
      } catch (err) {
        failures.push(`network: ${(err as Error).message}`);
      }
      completed++;
      for (const w of waiters.filter((w) => completed >= w.at)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  const loops = Array.from({ length: callers }, loop);
  return {
    failures,
    get completed() {
      return completed;
    },
    /** Resolves once `n` more requests have completed. */
    more: (n: number) => new Promise<void>((resolve) => waiters.push({ at: completed + n, resolve })),
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

// The in-process proxy's metric lines ignore LOG_LEVEL (they feed alarms); keep test output clean.
beforeAll(() => setLogLevel('silent'));

describe('bootstrap over a live proxy under load', () => {
  it.each([
    {
      name: 'while the proxy keeps refreshing the old family',
      // Every nudge of the shared clock makes the proxy's token due: old-family refreshes race the
      // bootstrap's writes, and the proxy may already be on the new family when the old one dies.
      nudge: true,
    },
    {
      name: 'while the proxy holds a cached old-family token',
      // No nudge: the proxy never looks at the store until the revoked family's token is refused
      // (401), then it must take the new family's token from the store and retry.
      nudge: false,
    },
  ])(
    '$name: no failed request, then it serves and refreshes on the new family after the old one is revoked',
    async ({ nudge }) => {
      let offset = 0;
      const now = () => Date.now() + offset;
      const proxy = await startProxy({
        sandbox: { now, accessTokenLifetimeSeconds: TOKEN_LIFETIME_S },
        now,
      });
      const { sandbox } = proxy;
      const store = new FileStore({ path: proxy.config.secretFile });
      const storedRefreshToken = async () =>
        (await store.read([names.REFRESH_TOKEN])).get(names.REFRESH_TOKEN)?.value as string;
      const traffic = load(proxy.url, 6);
      try {
        await traffic.more(30);
        const oldRefreshToken = await storedRefreshToken();

        const code = sandbox.mintCode({ scopes: PSOXY_SCOPES, redirectUri: CALLBACK });
        const boot = runCli(['bootstrap', ...credentialFlags, '--code', code, '--redirect-uri', CALLBACK], {
          SECRET_FILE: proxy.config.secretFile,
          ATLASSIAN_AUTH_URL: sandbox.url,
          ATLASSIAN_API_URL: sandbox.url,
        });
        let exited = false;
        void boot.done.then(() => {
          exited = true;
        });
        const refreshesBefore = sandbox.stats().refreshes;
        for (let i = 0; nudge && i < MAX_NUDGES && !exited; i++) {
          offset += NUDGE_MS;
          await Promise.race([traffic.more(20), boot.done]);
        }
        const r = await boot.done;
        expect(r.stderr, 'bootstrap failed').toBe('');
        expect(r.code).toBe(0);
        expect(sandbox.stats().codeExchanges).toBe(2); // the seed and this bootstrap
        if (nudge)
          expect(sandbox.stats().refreshes, 'no refresh raced the bootstrap').toBeGreaterThan(
            refreshesBefore,
          );
        await traffic.more(150);
        expect(traffic.failures, 'requests failed around the bootstrap').toEqual([]);
        const beforeRevoke = sandbox.stats();
        if (!nudge) {
          expect(beforeRevoke.refreshes, 'the proxy refreshed: the scenario did not hold').toBe(0);
          expect(beforeRevoke.api401).toBe(0);
        }

        // The old family dies: the proxy must be (or move) on the new one; then its tokens expire
        // twice, and the refreshes that follow can only succeed on the new family.
        sandbox.revokeFamily(oldRefreshToken);
        await traffic.more(100);
        const afterRevoke = sandbox.stats();
        if (!nudge) expect(afterRevoke.api401, 'the revoked token was never refused').toBeGreaterThan(0);
        for (let i = 0; i < 2; i++) {
          offset += TOKEN_LIFETIME_S * 1000 + 1000;
          await traffic.more(100);
        }
        await traffic.stop();

        expect(traffic.failures, 'requests failed after the old family was revoked').toEqual([]);
        const stats = sandbox.stats();
        expect(stats.refreshes, 'refreshes on the new family').toBeGreaterThanOrEqual(
          afterRevoke.refreshes + 2,
        );
        expect(stats.familiesRevoked).toBe(1);
        expect(stats.invalidGrants, 'a refresh used a token of the revoked family').toBe(0);
        expect(stats.reuseWithinLeeway + stats.reuseAfterLeeway, 'a refresh token was reused').toBe(0);
        expect(await storedRefreshToken()).not.toBe(oldRefreshToken);
        expect((await fetch(`${proxy.url}/_health`)).status).toBe(200);
      } finally {
        await traffic.stop();
        await proxy.close();
      }
    },
  );
});

describe('bootstrap with a grant that reaches several sites', () => {
  const SECOND_SITE: SandboxSite = {
    id: '0b9e4c1d-7a2f-4c3e-8d5b-2f6a8e1c4d70',
    url: 'https://second.atlassian.net',
    name: 'second',
  };
  let sandbox: Sandbox;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    sandbox = await startSandbox({ sites: [SANDBOX_SITE, SECOND_SITE] });
    dir = await mkdtemp(join(tmpdir(), 'jtp-sites-'));
    env = {
      SECRET_FILE: join(dir, 'secrets.json'),
      ATLASSIAN_AUTH_URL: sandbox.url,
      ATLASSIAN_API_URL: sandbox.url,
    };
  });
  afterAll(async () => {
    await sandbox.close();
    await rm(dir, { recursive: true, force: true });
  });

  const family = async () => {
    const got = await new FileStore({ path: env.SECRET_FILE as string }).read([names.TOKEN_FAMILY]);
    const raw = got.get(names.TOKEN_FAMILY)?.value;
    return raw ? (JSON.parse(raw) as { cloudId: string }) : undefined;
  };

  it('non-interactive without --cloud-id: exit 1, one line naming both sites, nothing written', async () => {
    const code = sandbox.mintCode({ scopes: PSOXY_SCOPES, redirectUri: CALLBACK });
    // stdin closed, as in CI or `< /dev/null`: nobody can answer a question.
    const r = await runCli(
      ['bootstrap', ...credentialFlags, '--code', code, '--redirect-uri', CALLBACK],
      env,
      '',
    ).done;
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(
      lines,
      'a non-interactive run (--code) must not prompt for the site (it would hang on an open stdin): ' +
        'it fails with one line naming the sites and --cloud-id',
    ).toHaveLength(1);
    expect(lines[0]).toContain('--cloud-id');
    expect(lines[0]).toContain(SANDBOX_SITE.id);
    expect(lines[0]).toContain(SECOND_SITE.id);
    expect(await family()).toBeUndefined();
  });

  it('interactive: lists both sites after the redirect; choosing 2 installs the family for site 2', async () => {
    const port = await freePort();
    const redirectUri = `http://localhost:${port}/callback`;
    const run = runCli(['bootstrap', ...credentialFlags, '--redirect-uri', redirectUri], env);
    const [authorize] = await run.waitFor(/http:\/\/127\.0\.0\.1:\d+\/authorize\?\S+/);
    const consent = await fetch(authorize, { redirect: 'manual' });
    expect(consent.status).toBe(302);
    const landed = await fetch(consent.headers.get('location') as string);
    expect(landed.status).toBe(200);
    await run.waitFor(/\[1-2\]/);
    run.write('2');
    const r = await run.done;
    expect(r.stderr).toContain(`1) ${SANDBOX_SITE.name} ${SANDBOX_SITE.url} (${SANDBOX_SITE.id})`);
    expect(r.stderr).toContain(`2) ${SECOND_SITE.name} ${SECOND_SITE.url} (${SECOND_SITE.id})`);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`cloud id ${SECOND_SITE.id}`);
    expect((await family())?.cloudId).toBe(SECOND_SITE.id);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
