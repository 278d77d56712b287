import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRules } from '../../src/rules';
import { buildRuntime } from '../../src/runtime';
import { SANDBOX_CLIENT, SANDBOX_SITE, type Sandbox, startSandbox } from '../../src/sandbox';
import { secretNames } from '../../src/secrets';
import { FileStore } from '../../src/stores/file';
import type { SecretStore } from '../../src/stores/store';
import { formatAccessToken, parseAccessToken } from '../../src/tokens/values';
import { CLOUD_STORES, type StoreBackend, startBackend } from '../e2e/backends';
import { runCli } from '../helpers/cli';
import { sandboxConfig, seedFamily, testClock } from '../helpers/proxy';

/**
 * `status` tells what happened to the family, not only what the store holds: after Atlassian
 * rejected the refresh token (seen by a proxy, recorded in REFRESH_OUTCOME) it is broken, exit 1
 * (CONTRACT.md: 1 broken, 2 warning), naming the bootstrap, on every store; a bootstrap makes
 * it healthy again. `--live` asks Atlassian about the stored access token and never refreshes.
 */

const HOUR = 3_600_000;
let sandbox: Sandbox;
let root: string;
beforeAll(async () => {
  sandbox = await startSandbox({ leewaySeconds: 0, accessTokenGraceSeconds: 0 });
  root = await mkdtemp(join(tmpdir(), 'jtp-status-outcome-'));
});
afterAll(async () => {
  await sandbox?.close();
  await rm(root, { recursive: true, force: true });
});

interface Report {
  health: string;
  problems: string[];
  warnings: string[];
  lastRefreshOutcome: { result: string; at: string; cause: string } | null;
  live: {
    checked: boolean;
    accessibleSites: string[];
    myself: number | null;
    rateLimit: { reason: string | null; until: string | null; nearLimit: string[] } | null;
  } | null;
}

async function status(env: Record<string, string>, ...flags: string[]) {
  const r = await runCli(['status', '--json', ...flags], env).done;
  return { code: r.code, report: JSON.parse(r.stdout) as Report, output: r.stdout + r.stderr };
}

/** A proxy on `store` (its clock an hour ahead, so its token is due) sends one request. */
async function proxyRequest(store: SecretStore, file: string) {
  const clock = testClock();
  clock.advance(HOUR);
  const config = sandboxConfig(sandbox, file);
  const { app } = buildRuntime({
    config,
    store,
    rules: await loadRules({ ruleSets: ['jira-cloud'] }, SANDBOX_SITE.id),
    now: clock.now,
  });
  try {
    const res = await app.fetch(new Request('http://proxy/'), { rawTarget: '/rest/api/3/myself' });
    return { status: res.status, body: (await res.json()) as { error?: { code: string } } };
  } finally {
    // The store is the test's: close only what the app opened besides it.
    await app.close().catch(() => undefined);
  }
}

const KINDS = ['file', ...CLOUD_STORES] as const;

describe.each(KINDS)('%s: status after Atlassian rejected the family', (kind) => {
  let backend: StoreBackend | undefined;
  let env: Record<string, string>;
  let open: () => SecretStore;
  let file: string;

  beforeAll(async () => {
    file = join(await mkdtemp(join(root, 'case-')), 'secrets.json');
    // The sandbox issued the family: status checks it against ATLASSIAN_AUTH_URL.
    if (kind === 'file') {
      env = { SECRET_FILE: file, ATLASSIAN_AUTH_URL: sandbox.url };
      open = () => new FileStore({ path: file });
    } else {
      backend = await startBackend(kind);
      env = { ...backend.env, ATLASSIAN_AUTH_URL: sandbox.url };
      open = () => (backend as StoreBackend).openStore();
    }
  });
  afterAll(() => backend?.close());

  it('is broken (exit 1) naming the bootstrap, and healthy again after one', async () => {
    const config = sandboxConfig(sandbox, file);
    const n = secretNames(config.secretPrefix);
    await seedFamily(sandbox, open(), config);
    const healthy = await status(env);
    expect(healthy.code, healthy.output).toBe(0);

    const rt = (await open().read([n.REFRESH_TOKEN])).get(n.REFRESH_TOKEN)?.value as string;
    sandbox.revokeFamily(rt);
    const answer = await proxyRequest(open(), file);
    expect(answer.status).toBe(503);
    expect(answer.body.error?.code).toBe('token_family_expired');

    const broken = await status(env);
    expect(broken.code, broken.output).toBe(1);
    expect(broken.report.health).toBe('broken');
    expect(broken.report.lastRefreshOutcome?.result).toBe('rejected');
    expect(broken.report.problems).toEqual([
      expect.stringMatching(
        /^Atlassian rejected the refresh token at .*: the token family is dead; run `npx jira-token-proxy bootstrap`$/,
      ),
    ]);
    expect(broken.output).not.toContain(rt);

    await seedFamily(sandbox, open(), config);
    const again = await status(env);
    expect(again.code, again.output).toBe(0);
    expect(again.report.problems).toEqual([]);
  }, 60_000);
});

describe('status --live', () => {
  it('checks the stored access token with Atlassian and never spends the refresh token', async () => {
    const file = join(await mkdtemp(join(root, 'live-')), 'secrets.json');
    const config = sandboxConfig(sandbox, file);
    const n = secretNames(config.secretPrefix);
    const store = new FileStore({ path: file });
    await seedFamily(sandbox, store, config);
    const env = { SECRET_FILE: file, ATLASSIAN_API_URL: sandbox.url, ATLASSIAN_AUTH_URL: sandbox.url };
    const refreshes = sandbox.stats().refreshes;
    const before = await store.read([n.REFRESH_TOKEN, n.ACCESS_TOKEN]);

    const ok = await status(env, '--live');
    expect(ok.code, ok.output).toBe(0);
    expect(ok.report.live).toMatchObject({ checked: true, accessibleSites: [SANDBOX_SITE.id], myself: 200 });
    expect(ok.report.live?.rateLimit).toEqual({ reason: null, until: null, nearLimit: [] });

    // A spent quota: said with its reset, as Atlassian gave it (the proxies' holds are in their memory).
    // (accessible-resources first, answered as usual; then /myself)
    sandbox.failNext('api', [
      { delayMs: 0 },
      { status: 429, retryAfterSeconds: 1800, reason: 'jira-quota-tenant-based' },
    ]);
    const asked = Date.now();
    const quota = await status(env, '--live');
    expect(quota.code, quota.output).toBe(2);
    expect(quota.report.live?.rateLimit?.reason).toBe('jira-quota-tenant-based');
    const until = Date.parse(quota.report.live?.rateLimit?.until ?? '');
    expect(until - asked).toBeGreaterThanOrEqual(1_800_000);
    expect(quota.report.warnings.join('\n')).toMatch(
      /quota is spent \(jira-quota-tenant-based\) until .*quota_exhausted/,
    );

    // An expired token is not checked, and not refreshed either: a warning says how to go on.
    const access = parseAccessToken(before.get(n.ACCESS_TOKEN)?.value ?? '');
    if (!access) throw new Error('seeded family has no access token');
    await store.write(n.ACCESS_TOKEN, formatAccessToken({ ...access, expiresAt: Date.now() - 1000 }));
    const expired = await status(env, '--live');
    expect(expired.code, expired.output).toBe(2);
    expect(expired.report.live?.checked).toBe(false);
    expect(expired.report.warnings.join('\n')).toMatch(/never spends the refresh token/);
    await store.write(n.ACCESS_TOKEN, before.get(n.ACCESS_TOKEN)?.value as string);

    sandbox.revokeFamily(before.get(n.REFRESH_TOKEN)?.value as string);
    const revoked = await status(env, '--live');
    expect(revoked.code, revoked.output).toBe(1);
    expect(revoked.report.problems).toEqual([
      expect.stringMatching(/^Atlassian rejects the stored access token \(HTTP 401\)/),
    ]);

    expect(sandbox.stats().refreshes).toBe(refreshes);
    const after = await store.read([n.REFRESH_TOKEN]);
    expect(after.get(n.REFRESH_TOKEN)?.value).toBe(before.get(n.REFRESH_TOKEN)?.value);
    for (const r of [ok, expired, revoked]) {
      expect(r.output).not.toContain(access.token);
      expect(r.output).not.toContain(SANDBOX_CLIENT.clientSecret);
    }
  }, 60_000);
});
