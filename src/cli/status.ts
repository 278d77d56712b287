import { loadConfig } from '../config';
import { secretNames } from '../secrets';
import { createStore } from '../stores';
import { familyIssuerMismatch } from '../tokens/family-issuer';
import { siteMismatch } from '../tokens/family-site';
import { parseOutcome, standingVerdict } from '../tokens/outcome';
import { familyDaysLeft, familyExpiresAt, parseAccessToken, parseFamily } from '../tokens/values';
import { printJson } from './output';
import { type LiveReport, liveCheck } from './status-live';
import { emptyStoreFile } from './store-file';

/**
 * `status [--json] [--live]`: what the store holds (present or missing, never values), token
 * expiry, the family's age and days left, the last refresh and its recorded outcome (a family
 * Atlassian rejected is broken, whatever the store still holds). `--live` also asks Atlassian
 * about the stored access token (status-live.ts). Exit 0 healthy, 1 broken, 2 warning.
 */

const DAY = 86_400_000;
const REQUIRED = ['CLIENT_ID', 'CLIENT_SECRET', 'REFRESH_TOKEN', 'ACCESS_TOKEN', 'TOKEN_FAMILY'] as const;

export interface StatusReport {
  health: 'healthy' | 'warning' | 'broken';
  store: string;
  secrets: Record<string, 'present' | 'missing'>;
  accessTokenExpiresAt: string | null;
  lastRefreshAt: string | null;
  /** The fleet's last refresh attempt, as the proxy recorded it. */
  lastRefreshOutcome: { at: string; result: string; cause: string } | null;
  family: {
    cloudId: string;
    bootstrappedAt: string;
    ageDays: number;
    daysLeft: number;
    expiresAt: string;
    scopes: string[];
  } | null;
  /** Only with --live. */
  live: LiveReport | null;
  problems: string[];
  warnings: string[];
}

export async function buildStatus(now = Date.now(), o: { live?: boolean } = {}): Promise<StatusReport> {
  const config = loadConfig();
  const store = await createStore(config);
  const names = secretNames(config.secretPrefix);
  const report: StatusReport = {
    health: 'healthy',
    store: store.description,
    secrets: {},
    accessTokenExpiresAt: null,
    lastRefreshAt: null,
    lastRefreshOutcome: null,
    family: null,
    live: null,
    problems: [],
    warnings: [],
  };
  try {
    const got = await store.read(
      [...REQUIRED, 'SALT' as const, 'REFRESH_OUTCOME' as const].map((s) => names[s]),
    );
    for (const s of [...REQUIRED, 'SALT' as const])
      report.secrets[names[s]] = got.has(names[s]) ? 'present' : 'missing';
    const missing = REQUIRED.filter((s) => !got.has(names[s]));
    const empty = got.size === 0 ? await emptyStoreFile(config) : undefined;
    if (empty) report.problems.push(empty);
    else if (missing.length)
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
    const configured = config.jiraCloudId;
    const site = siteMismatch(configured, family?.cloudId);
    if (site) report.problems.push(site);
    const issuer = familyIssuerMismatch(family, config.authUrl);
    if (issuer) report.problems.push(issuer);
    const id = got.get(names.CLIENT_ID);
    const secret = got.get(names.CLIENT_SECRET);
    outcomeFindings(report, parseOutcome(got.get(names.REFRESH_OUTCOME)?.value), access?.issuedAt, {
      refreshToken: got.get(names.REFRESH_TOKEN)?.version,
      client: id && secret ? `${id.version}/${secret.version}` : undefined,
    });
    if (o.live && !access) {
      // Nothing to check with: the problems above say why, not an "expired token".
      report.live = {
        checked: false,
        reason: 'the store holds no access token',
        accessibleSites: [],
        myself: null,
        rateLimit: null,
      };
    } else if (o.live) {
      const live = await liveCheck({
        apiUrl: config.apiUrl,
        access,
        // The family's own site: a different JIRA_CLOUD_ID is the mismatch reported above, not a lost grant.
        cloudId: family?.cloudId || configured,
        now,
      });
      report.live = live.live;
      report.problems.push(...live.problems);
      report.warnings.push(...live.warnings);
    }
  } catch (err) {
    report.problems.push(`cannot read the store: ${(err as Error).message}`);
  } finally {
    await store.close?.();
  }
  report.health = report.problems.length ? 'broken' : report.warnings.length ? 'warning' : 'healthy';
  return report;
}

/** What the recorded outcome of the last refresh says about the family the store holds now. */
function outcomeFindings(
  report: StatusReport,
  outcome: ReturnType<typeof parseOutcome>,
  accessIssuedAt: number | undefined,
  versions: Parameters<typeof standingVerdict>[1],
): void {
  if (!outcome) return;
  const at = new Date(outcome.at).toISOString();
  report.lastRefreshOutcome = { at, result: outcome.result, cause: outcome.cause };
  const verdict = standingVerdict(outcome, versions);
  if (verdict === 'rejected') {
    report.problems.push(
      `Atlassian rejected the refresh token at ${at} (${outcome.cause}): the token family is dead; run \`npx jira-token-proxy bootstrap\``,
    );
  } else if (verdict === 'client_refused') {
    report.problems.push(
      `Atlassian refused the client credentials at ${at} (${outcome.cause}): run \`npx jira-token-proxy bootstrap\` with --client-id and --client-secret from the app's Settings`,
    );
  } else if (outcome.result === 'failed' && outcome.refreshTokenVersion === versions.refreshToken) {
    report.warnings.push(
      `the last refresh failed at ${at} (${outcome.cause}); the proxy tries again on the next request`,
    );
  } else if (outcome.result === 'upstream_rejected' && outcome.accessIssuedAt === accessIssuedAt) {
    report.warnings.push(
      `Jira rejected the freshly refreshed access token at ${at}: check the consenting account's access to the site and the app's scopes (\`status --live\` checks now)`,
    );
  }
}

export async function status(o: { json?: boolean; live?: boolean }): Promise<void> {
  const r = await buildStatus(Date.now(), { live: o.live });
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
    if (r.lastRefreshOutcome && r.lastRefreshOutcome.result !== 'refreshed')
      console.log(`  last refresh attempt: ${r.lastRefreshOutcome.result} at ${r.lastRefreshOutcome.at}`);
    if (r.live?.checked)
      console.log(
        `  live: the token reaches ${r.live.accessibleSites.join(', ') || 'no site'}` +
          (r.live.myself === null ? '' : `; /myself answered ${r.live.myself}`) +
          (r.live.rateLimit?.until ? ` (quota spent until ${r.live.rateLimit.until})` : ''),
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
