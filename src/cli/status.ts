import { loadConfig } from '../config';
import { secretNames } from '../secrets';
import { createStore } from '../stores';
import { familyDaysLeft, familyExpiresAt, parseAccessToken, parseFamily } from '../tokens/values';
import { printJson } from './output';

/**
 * `status [--json]`: what the store holds (present or missing, never values), token expiry, the
 * family's age and days left, the last refresh. Exit 0 healthy, 1 broken, 2 warning.
 */

const DAY = 86_400_000;
const REQUIRED = ['CLIENT_ID', 'CLIENT_SECRET', 'REFRESH_TOKEN', 'ACCESS_TOKEN', 'TOKEN_FAMILY'] as const;

export interface StatusReport {
  health: 'healthy' | 'warning' | 'broken';
  store: string;
  secrets: Record<string, 'present' | 'missing'>;
  accessTokenExpiresAt: string | null;
  lastRefreshAt: string | null;
  family: {
    cloudId: string;
    bootstrappedAt: string;
    ageDays: number;
    daysLeft: number;
    expiresAt: string;
    scopes: string[];
  } | null;
  problems: string[];
  warnings: string[];
}

export async function buildStatus(now = Date.now()): Promise<StatusReport> {
  const config = loadConfig();
  const store = await createStore(config);
  const names = secretNames(config.secretPrefix);
  const report: StatusReport = {
    health: 'healthy',
    store: store.description,
    secrets: {},
    accessTokenExpiresAt: null,
    lastRefreshAt: null,
    family: null,
    problems: [],
    warnings: [],
  };
  try {
    const got = await store.read([...REQUIRED, 'SALT' as const].map((s) => names[s]));
    for (const s of [...REQUIRED, 'SALT' as const])
      report.secrets[names[s]] = got.has(names[s]) ? 'present' : 'missing';
    const missing = REQUIRED.filter((s) => !got.has(names[s]));
    if (missing.length)
      report.problems.push(
        `missing ${missing.map((s) => names[s]).join(', ')}: run \`npx jira-token-proxy bootstrap\``,
      );
    const access = parseAccessToken(got.get(names.ACCESS_TOKEN)?.value ?? '');
    if (access) {
      report.accessTokenExpiresAt = new Date(access.expiresAt).toISOString();
      if (access.issuedAt) {
        report.lastRefreshAt = new Date(access.issuedAt).toISOString();
        const idle = now - access.issuedAt;
        if (idle > 90 * DAY)
          report.problems.push(
            'no refresh for over 90 days: Atlassian has expired the family; bootstrap again',
          );
        else if (idle > 7 * DAY) {
          report.warnings.push(
            `no refresh for ${Math.floor(idle / DAY)} days: is the scheduled refresh running? (the family dies after 90 idle days)`,
          );
        }
      }
    }
    const familyRaw = got.get(names.TOKEN_FAMILY)?.value;
    const family = familyRaw ? parseFamily(familyRaw) : undefined;
    if (family) {
      const daysLeft = familyDaysLeft(family, now);
      report.family = {
        cloudId: family.cloudId,
        bootstrappedAt: family.bootstrappedAt,
        ageDays: Math.floor((now - Date.parse(family.bootstrappedAt)) / DAY),
        daysLeft,
        expiresAt: new Date(familyExpiresAt(family)).toISOString(),
        scopes: family.scopes,
      };
      if (daysLeft <= 0) report.problems.push('the token family passed its 365 days: bootstrap again');
      else if (daysLeft < 30)
        report.warnings.push(`the token family expires in ${daysLeft} days: schedule the bootstrap now`);
    } else if (familyRaw) {
      report.problems.push(`${names.TOKEN_FAMILY} is not valid JSON with bootstrappedAt: bootstrap again`);
    }
  } catch (err) {
    report.problems.push(`cannot read the store: ${(err as Error).message}`);
  } finally {
    await store.close?.();
  }
  report.health = report.problems.length ? 'broken' : report.warnings.length ? 'warning' : 'healthy';
  return report;
}

export async function status(o: { json?: boolean }): Promise<void> {
  const r = await buildStatus();
  if (o.json) printJson(r);
  else {
    console.log(`${r.health.toUpperCase()}  (${r.store})`);
    for (const [name, state] of Object.entries(r.secrets))
      console.log(`  ${state === 'present' ? '✓' : '✗'} ${name}`);
    if (r.family) {
      console.log(
        `  family:   cloud id ${r.family.cloudId}, bootstrapped ${r.family.bootstrappedAt.slice(0, 10)} (${r.family.ageDays} days ago)`,
      );
      console.log(
        `            ${r.family.daysLeft} days left of 365, expires ${r.family.expiresAt.slice(0, 10)}`,
      );
    }
    console.log(
      `  access token expires: ${r.accessTokenExpiresAt ?? 'unknown'}; last refresh: ${r.lastRefreshAt ?? 'unknown'}`,
    );
    for (const p of r.problems) console.log(`  problem: ${p}`);
    for (const w of r.warnings) console.log(`  warning: ${w}`);
  }
  process.exitCode = r.health === 'healthy' ? 0 : r.health === 'broken' ? 1 : 2;
}

export async function printAuthorizeUrl(o: {
  clientId?: string;
  redirectUri: string;
  scopes?: string;
}): Promise<void> {
  const { randomBytes } = await import('node:crypto');
  const { authorizeUrl, DEFAULT_SCOPES } = await import('../tokens/scopes');
  const config = loadConfig();
  let clientId = o.clientId;
  if (!clientId) {
    const store = await createStore(config);
    const names = secretNames(config.secretPrefix);
    try {
      clientId = (await store.read([names.CLIENT_ID])).get(names.CLIENT_ID)?.value;
    } finally {
      await store.close?.();
    }
  }
  if (!clientId) throw new Error('no client id: pass --client-id or store CLIENT_ID first');
  const scopes = o.scopes ? o.scopes.split(/\s+/).filter(Boolean) : [...DEFAULT_SCOPES];
  console.log(
    authorizeUrl({
      authUrl: config.authUrl,
      clientId,
      scopes,
      redirectUri: o.redirectUri,
      state: randomBytes(16).toString('base64url'),
    }),
  );
}
