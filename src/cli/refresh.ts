import { ProxyError } from '../errors';
import { createRuntime } from '../runtime';
import { secretNames } from '../secrets';
import { ALL_STORES } from '../stores';
import { assertFamilyIssuer } from '../tokens/family-issuer';
import { siteMismatch } from '../tokens/family-site';
import { parseFamily } from '../tokens/values';
import { printJson } from './output';
import { emptyStoreFile } from './store-file';

/**
 * `refresh`: refresh the token family if due; exit 1 when it cannot (the family belongs to
 * another ATLASSIAN_AUTH_URL included, due or not), 2 when it did but the proxy would still fail
 * (JIRA_CLOUD_ID is not the family's site).
 */
export async function refresh(o: { json?: boolean }): Promise<void> {
  const { app, config, store } = await createRuntime(ALL_STORES);
  try {
    const n = secretNames(config.secretPrefix);
    const stored = (await store.read([n.TOKEN_FAMILY])).get(n.TOKEN_FAMILY)?.value;
    const family = stored ? parseFamily(stored) : undefined;
    // Even when no refresh is due: the scheduled one would be refused the same way.
    assertFamilyIssuer(family, config.authUrl);
    const report = await app.refresh().catch(async (err: unknown) => {
      const empty =
        err instanceof ProxyError && err.code === 'not_configured' && (await emptyStoreFile(config));
      throw empty ? new ProxyError('not_configured', empty) : err;
    });
    const site = siteMismatch(config.jiraCloudId, family?.cloudId);
    if (site) process.exitCode = 2;
    if (o.json) printJson(site ? { ...report, problems: [site] } : report);
    else {
      if (site) console.error(`jira-token-proxy: ${site}`);
      console.log(
        `${report.refreshed ? 'refreshed' : 'not due'}: access token valid until ${new Date(report.accessTokenExpiresAt).toISOString()}` +
          (report.familyDaysLeft === undefined ? '' : `; token family: ${report.familyDaysLeft} days left`),
      );
    }
  } finally {
    await app.close();
  }
}
