import { createHash } from 'node:crypto';
import type { Config } from './config';
import type { QuotaState } from './quota-hold';
import type { Rules } from './rules';
import type { SecretStore } from './stores/store';
import { familyIssuerMismatch } from './tokens/family-issuer';
import { siteMismatch } from './tokens/family-site';
import type { LifecycleState, LifecycleStatus, TokenLifecycle } from './tokens/lifecycle';

/**
 * `GET /_health` (and any request with `X-Psoxy-Health-Check`): configuration and token family
 * state, never a secret value; 200 healthy, 503 not, with one line per problem saying what to do.
 * It reads the store (the lifecycle's status, at most every few seconds per instance), so it
 * shows what any instance recorded.
 */

export interface HealthDeps {
  config: Config;
  store: SecretStore;
  rules: Rules | undefined;
  tokens: TokenLifecycle;
  /** The pseudonymization salt; only its SHA-256 is shown. */
  loadSalt: () => Promise<string>;
  /** This instance's quota hold: shown, never a problem (the family is fine; Atlassian resets it). */
  quota: () => QuotaState;
}

const BOOTSTRAP = '`npx jira-token-proxy bootstrap`';
const STATE_PROBLEMS: Record<Exclude<LifecycleState, 'ok'>, string> = {
  unknown: 'no access token yet',
  not_configured: `the store holds no token family: run ${BOOTSTRAP}`,
  family_expired: `Atlassian rejected the refresh token (the family expired or was revoked): run ${BOOTSTRAP}`,
  client_refused: `Atlassian refused the client id or secret: run ${BOOTSTRAP} with --client-id and --client-secret`,
  upstream_rejected:
    "Jira rejects freshly issued access tokens: check the consenting account's access to the site and the app's scopes",
  store_unavailable: 'the secret store is unavailable (see the proxy logs)',
  refresh_failing:
    "Atlassian's token endpoint is failing and no unexpired access token is held; the proxy retries at the pace Atlassian asks for",
};

export function createHealth(d: HealthDeps): (requestId: string) => Promise<Response> {
  const { config, store, rules, tokens } = d;
  return async (requestId) => {
    const status = await tokens.status();
    const needsSalt = rules?.endpoints.some((e) => e.transformed) ?? false;
    const saltSha256 = needsSalt
      ? await d.loadSalt().then(
          (s) => createHash('sha256').update(s).digest('hex'),
          () => undefined,
        )
      : undefined;
    const problems = problemsOf(config.jiraCloudId, config.authUrl, status);
    if (needsSalt && saltSha256 === undefined)
      problems.push('the pseudonymization salt (SALT secret) is missing or unreadable');
    const healthy = problems.length === 0;
    const body = {
      status: healthy ? 'healthy' : 'unhealthy',
      problems,
      configured: {
        jiraCloudId: config.jiraCloudId ?? null,
        store: store.description,
        ruleSets: config.rulesFile || config.rulesInline ? ['custom'] : config.ruleSets,
        endpoints: rules?.endpoints.length ?? 0,
        saltSha256: saltSha256 ?? null,
      },
      tokens: status,
      quota: d.quota(),
    };
    return Response.json(body, {
      status: healthy ? 200 : 503,
      headers: { 'cache-control': 'no-store', 'x-request-id': requestId },
    });
  };
}

function problemsOf(jiraCloudId: string | undefined, authUrl: string, status: LifecycleStatus): string[] {
  const problems: string[] = [];
  if (!jiraCloudId)
    problems.push(`JIRA_CLOUD_ID is not set: run ${BOOTSTRAP}, then set it to the cloud id it prints`);
  // Every call would reach a site the token cannot read: Jira answers 404.
  const site = siteMismatch(jiraCloudId, status.family?.cloudId);
  if (site) problems.push(site);
  // The lifecycle refuses such a refresh as not_configured: the mismatch line says why.
  const issuer = familyIssuerMismatch(status.family, authUrl);
  if (issuer) problems.push(issuer);
  if (status.state !== 'ok' && !(issuer && status.state === 'not_configured'))
    problems.push(STATE_PROBLEMS[status.state]);
  if (status.unfinishedSpend)
    problems.push(
      `a refresh interrupted at ${status.unfinishedSpend.since} was found too late to finish inside ` +
        "Atlassian's 10-minute leeway: the family is refreshed when next due; if Atlassian rejects it, " +
        `run ${BOOTSTRAP}`,
    );
  return problems;
}
