import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretNames } from '../../src/secrets';
import { FileStore } from '../../src/stores/file';
import { runCli } from '../helpers/cli';

/**
 * `status [--json]` over a file store written by hand: exit 0 healthy, 2 warning, 1 broken, and
 * never a secret value in the output, whatever the state.
 */

const DAY = 86_400_000;
const HOUR = 3_600_000;
const CLOUD_ID = '6f1c2b7e-4d3a-4e58-9b0f-3a7d51c8e296';
const SCOPES = ['read:jira-user', 'read:jira-work', 'offline_access'];
/** Distinctive values: any of them in the output is a leak. */
const VALUES = {
  CLIENT_ID: `client-id-${randomBytes(8).toString('hex')}`,
  CLIENT_SECRET: `client-secret-${randomBytes(12).toString('hex')}`,
  REFRESH_TOKEN: `refresh-${randomBytes(24).toString('base64url')}`,
  ACCESS_TOKEN: `access-${randomBytes(24).toString('base64url')}`,
  SALT: `salt-${randomBytes(16).toString('hex')}`,
};

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'jtp-status-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

interface Setup {
  prefix?: string;
  /** Suffixes left out of the store. */
  omit?: string[];
  /** Whole days; an hour is added so the day counts cannot tip while the test runs. */
  familyAgeDays?: number;
  /** How long ago the access token was issued (the last refresh). */
  refreshedAgoMs?: number;
  familyRaw?: string;
}

/** A store as the bootstrap and the refreshes leave it, with the ages given; returns the env. */
async function storeWith(s: Setup = {}): Promise<Record<string, string>> {
  const dir = await mkdtemp(join(root, 'case-'));
  const file = join(dir, 'secrets.json');
  const prefix = s.prefix ?? 'PSOXY_JIRA_CLOUD_';
  const n = secretNames(prefix);
  const now = Date.now();
  const issuedAt = now - (s.refreshedAgoMs ?? 10 * 60_000);
  const values: Record<string, string> = {
    CLIENT_ID: VALUES.CLIENT_ID,
    CLIENT_SECRET: VALUES.CLIENT_SECRET,
    REFRESH_TOKEN: VALUES.REFRESH_TOKEN,
    ACCESS_TOKEN: JSON.stringify({ token: VALUES.ACCESS_TOKEN, expirationDate: issuedAt + HOUR, issuedAt }),
    TOKEN_FAMILY:
      s.familyRaw ??
      JSON.stringify({
        bootstrappedAt: new Date(now - (s.familyAgeDays ?? 10) * DAY - HOUR).toISOString(),
        cloudId: CLOUD_ID,
        scopes: SCOPES,
      }),
    SALT: VALUES.SALT,
  };
  const store = new FileStore({ path: file });
  for (const [suffix, value] of Object.entries(values)) {
    if (!s.omit?.includes(suffix)) await store.write(n[suffix as keyof typeof n], value);
  }
  return { SECRET_FILE: file, SECRET_PREFIX: prefix };
}

async function status(env: Record<string, string>, json = false) {
  const r = await runCli(json ? ['status', '--json'] : ['status'], env).done;
  const output = r.stdout + r.stderr;
  for (const [name, value] of Object.entries(VALUES)) {
    expect(output, `status printed the value of ${name}`).not.toContain(value);
  }
  return r;
}

async function jsonStatus(env: Record<string, string>) {
  const r = await status(env, true);
  return { code: r.code, report: JSON.parse(r.stdout) as Record<string, unknown> };
}

describe.concurrent('status', () => {
  it('healthy: exit 0, every secret present, family age and days left, last refresh', async () => {
    const env = await storeWith();
    const r = await status(env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^HEALTHY {2}\(file:.*secrets\.json\)/);
    for (const s of ['CLIENT_ID', 'CLIENT_SECRET', 'REFRESH_TOKEN', 'ACCESS_TOKEN', 'TOKEN_FAMILY', 'SALT'])
      expect(r.stdout).toContain(`✓ PSOXY_JIRA_CLOUD_${s}`);
    expect(r.stdout).toContain(`cloud id ${CLOUD_ID}`);
    expect(r.stdout).toMatch(/\(10 days ago\)/);
    expect(r.stdout).toMatch(/354 days left of 365, expires \d{4}-\d{2}-\d{2}/);
    expect(r.stdout).not.toMatch(/problem:|warning:/);
  });

  it('--json: the documented shape, no values', async () => {
    const env = await storeWith();
    const { code, report } = await jsonStatus(env);
    expect(code).toBe(0);
    expect(Object.keys(report).sort()).toEqual(
      [
        'accessTokenExpiresAt',
        'family',
        'health',
        'lastRefreshAt',
        'lastRefreshOutcome',
        'live',
        'problems',
        'secrets',
        'store',
        'warnings',
      ].sort(),
    );
    expect(report).toMatchObject({
      health: 'healthy',
      store: expect.stringMatching(/^file:.*secrets\.json$/),
      secrets: {
        PSOXY_JIRA_CLOUD_CLIENT_ID: 'present',
        PSOXY_JIRA_CLOUD_CLIENT_SECRET: 'present',
        PSOXY_JIRA_CLOUD_REFRESH_TOKEN: 'present',
        PSOXY_JIRA_CLOUD_ACCESS_TOKEN: 'present',
        PSOXY_JIRA_CLOUD_TOKEN_FAMILY: 'present',
        PSOXY_JIRA_CLOUD_SALT: 'present',
      },
      accessTokenExpiresAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T.*Z$/),
      lastRefreshAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T.*Z$/),
      lastRefreshOutcome: null,
      live: null,
      family: {
        cloudId: CLOUD_ID,
        bootstrappedAt: expect.stringMatching(/Z$/),
        ageDays: 10,
        daysLeft: 354,
        expiresAt: expect.stringMatching(/Z$/),
        scopes: SCOPES,
      },
      problems: [],
      warnings: [],
    });
    expect(Object.keys(report.secrets as object)).toHaveLength(6);
    const family = report.family as { bootstrappedAt: string; expiresAt: string };
    expect(Date.parse(family.expiresAt) - Date.parse(family.bootstrappedAt)).toBe(365 * DAY);
  });

  it('warning (exit 2): the family has under 30 days left', async () => {
    const env = await storeWith({ familyAgeDays: 340 });
    const { code, report } = await jsonStatus(env);
    expect(code).toBe(2);
    expect(report).toMatchObject({ health: 'warning', family: { daysLeft: 24, ageDays: 340 }, problems: [] });
    expect(report.warnings).toEqual(['the token family expires in 24 days: schedule the bootstrap now']);
    const text = await status(env);
    expect(text.code).toBe(2);
    expect(text.stdout).toMatch(/^WARNING/);
    expect(text.stdout).toContain('warning: the token family expires in 24 days');
  });

  it('warning (exit 2): no refresh for 8 days', async () => {
    const env = await storeWith({ refreshedAgoMs: 8 * DAY });
    const { code, report } = await jsonStatus(env);
    expect(code).toBe(2);
    expect(report.health).toBe('warning');
    expect(report.warnings).toEqual([
      expect.stringMatching(/^no refresh for 8 days: is the scheduled refresh/),
    ]);
  });

  it('healthy at 6 days without a refresh and 30 days left: the thresholds are a week and 30 days', async () => {
    const env = await storeWith({ refreshedAgoMs: 6 * DAY, familyAgeDays: 334 });
    const { code, report } = await jsonStatus(env);
    expect(report).toMatchObject({ health: 'healthy', family: { daysLeft: 30 } });
    expect(code).toBe(0);
  });

  it('broken (exit 1): secrets missing, named, with the command to run', async () => {
    const env = await storeWith({ omit: ['REFRESH_TOKEN', 'ACCESS_TOKEN', 'TOKEN_FAMILY'] });
    const { code, report } = await jsonStatus(env);
    expect(code).toBe(1);
    expect(report).toMatchObject({
      health: 'broken',
      family: null,
      accessTokenExpiresAt: null,
      lastRefreshAt: null,
      secrets: {
        PSOXY_JIRA_CLOUD_CLIENT_ID: 'present',
        PSOXY_JIRA_CLOUD_REFRESH_TOKEN: 'missing',
        PSOXY_JIRA_CLOUD_ACCESS_TOKEN: 'missing',
        PSOXY_JIRA_CLOUD_TOKEN_FAMILY: 'missing',
      },
    });
    expect(report.problems).toEqual([
      'missing PSOXY_JIRA_CLOUD_REFRESH_TOKEN, PSOXY_JIRA_CLOUD_ACCESS_TOKEN, PSOXY_JIRA_CLOUD_TOKEN_FAMILY: run `npx jira-token-proxy bootstrap`',
    ]);
    const text = await status(env);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^BROKEN/);
    expect(text.stdout).toContain('✗ PSOXY_JIRA_CLOUD_REFRESH_TOKEN');
  });

  it('broken (exit 1): an empty store, and Terraform placeholders that were never bootstrapped', async () => {
    const dir = await mkdtemp(join(root, 'empty-'));
    const empty = await jsonStatus({ SECRET_FILE: join(dir, 'none.json') });
    expect(empty.code).toBe(1);
    expect(Object.values(empty.report.secrets as object).every((s) => s === 'missing')).toBe(true);

    const env = await storeWith({ omit: ['REFRESH_TOKEN'] });
    await new FileStore({ path: env.SECRET_FILE as string }).write(
      'PSOXY_JIRA_CLOUD_REFRESH_TOKEN',
      'fill me: run npx jira-token-proxy bootstrap',
    );
    const placeholder = await jsonStatus(env);
    expect(placeholder.code).toBe(1);
    expect(placeholder.report.problems).toEqual([
      expect.stringContaining('missing PSOXY_JIRA_CLOUD_REFRESH_TOKEN'),
    ]);
  });

  it('broken (exit 1): the family is past its 365 days, even with a recent refresh', async () => {
    const env = await storeWith({ familyAgeDays: 365 });
    const { code, report } = await jsonStatus(env);
    expect(code).toBe(1);
    expect(report).toMatchObject({ health: 'broken', family: { daysLeft: -1, ageDays: 365 } });
    expect(report.problems).toEqual(['the token family passed its 365 days: bootstrap again']);
  });

  it('broken (exit 1): over 90 days without a refresh (Atlassian ended the family); broken wins over warnings', async () => {
    const env = await storeWith({ refreshedAgoMs: 91 * DAY, familyAgeDays: 350 });
    const { code, report } = await jsonStatus(env);
    expect(code).toBe(1);
    expect(report.health).toBe('broken');
    expect(report.problems).toEqual([expect.stringContaining('no refresh for over 90 days')]);
    expect(report.warnings).toEqual([expect.stringContaining('expires in 14 days')]);
  });

  it('broken (exit 1): an unreadable TOKEN_FAMILY, and a corrupt store file, without echoing what is in it', async () => {
    const env = await storeWith({ familyRaw: `not json ${VALUES.REFRESH_TOKEN}` });
    const bad = await jsonStatus(env);
    expect(bad.code).toBe(1);
    expect(bad.report.problems).toEqual([expect.stringContaining('TOKEN_FAMILY is not valid JSON')]);

    const dir = await mkdtemp(join(root, 'corrupt-'));
    const file = join(dir, 'secrets.json');
    await writeFile(file, `{"version":1,"secrets":{"X":{"value":"${VALUES.CLIENT_SECRET}",`, { mode: 0o600 });
    const corrupt = await jsonStatus({ SECRET_FILE: file });
    expect(corrupt.code).toBe(1);
    expect(corrupt.report.problems).toEqual([expect.stringMatching(/^cannot read the store: .*not a valid/)]);
  });

  it('honours SECRET_PREFIX', async () => {
    const env = await storeWith({ prefix: 'JTP_TEST_' });
    const { code, report } = await jsonStatus(env);
    expect(code).toBe(0);
    expect(Object.keys(report.secrets as object)).toContain('JTP_TEST_REFRESH_TOKEN');
    // The default names are absent from this store: reading them would show broken.
    const other = await jsonStatus({ SECRET_FILE: env.SECRET_FILE as string });
    expect(other.code).toBe(1);
  });
});
