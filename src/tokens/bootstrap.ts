import { randomBytes } from 'node:crypto';
import { registerSecret } from '../log';
import type { SecretNames } from '../secrets';
import { type SecretStore, StoreError } from '../stores/store';
import { type ClientCredentials, type TokenClient, TokenEndpointError, type TokenGrant } from './atlassian';
import { lockOwner, withFleetLock } from './fleet-lock';
import { familyExpiresAt, formatAccessToken, formatFamily, type TokenFamily } from './values';

/**
 * Installs a new token family: exchange the authorization code, pick the site, verify the token,
 * and write every secret under the fleet lock, so running proxies switch over atomically and the
 * previous family stays intact until the new one is complete.
 */

export interface Site {
  id: string;
  url: string;
  name: string;
  scopes: string[];
}

export interface InstallOptions {
  store: SecretStore;
  names: SecretNames;
  tokenClient: TokenClient;
  apiUrl: string;
  credentials: ClientCredentials;
  code: string;
  redirectUri: string;
  /** Required only when the grant reaches several sites and `chooseSite` is not given. */
  cloudId?: string;
  requestedScopes?: string[];
  chooseSite?: (sites: Site[]) => Promise<string>;
  now?: () => number;
  /** The fleet lock's TTL (LOCK_TTL_SECONDS), the same the proxies use. */
  lockTtlMs?: number;
}

export interface InstalledFamily {
  site: Site;
  scopes: string[];
  missingScopes: string[];
  bootstrappedAt: string;
  expiresAt: string;
  accountId: string | undefined;
}

/** A failure with the one line that tells the operator what to do. */
export class BootstrapError extends Error {
  override name = 'BootstrapError';
}

/** Longer than a refresh can hold the lock (its deadline is at most 30 s), so a busy proxy is waited out. */
const LOCK_WAIT_MS = 75_000;

export async function installFamily(o: InstallOptions): Promise<InstalledFamily> {
  const now = o.now ?? Date.now;
  registerSecret(o.credentials.clientSecret);
  const grant = await exchange(o);
  registerSecret(grant.accessToken);
  registerSecret(grant.refreshToken);
  if (!grant.refreshToken) {
    throw new BootstrapError(
      'Atlassian issued no refresh token: the consent lacked offline_access. Add offline_access to the scopes and bootstrap again.',
    );
  }
  const sites = await gatewayGet<Site[]>(o.apiUrl, '/oauth/token/accessible-resources', grant.accessToken);
  const site = await pickSite(sites, o);
  const myself = await gatewayGet<{ accountId?: string }>(
    o.apiUrl,
    `/ex/jira/${site.id}/rest/api/3/myself`,
    grant.accessToken,
  ).catch((err: Error) => {
    throw new BootstrapError(
      `the new token cannot read ${site.url}/rest/api/3/myself (${err.message}); check the app's Jira scopes`,
    );
  });

  const issuedAt = now();
  const bootstrappedAt = new Date(issuedAt).toISOString();
  const family: TokenFamily = {
    bootstrappedAt,
    cloudId: site.id,
    scopes: grant.scopes,
    authUrl: o.tokenClient.authUrl,
  };
  const n = o.names;
  // REFRESH_TOKEN last: a proxy that saw the old family die recovers when it changes.
  const writes: [string, string][] = [
    [n.CLIENT_ID, o.credentials.clientId],
    [n.CLIENT_SECRET, o.credentials.clientSecret],
    [n.TOKEN_FAMILY, formatFamily(family)],
    [
      n.ACCESS_TOKEN,
      formatAccessToken({
        token: grant.accessToken,
        expiresAt: issuedAt + grant.expiresInSeconds * 1000,
        issuedAt,
      }),
    ],
    [n.REFRESH_TOKEN, grant.refreshToken],
  ];
  await writeAllOrNothing(o.store, n, writes, o.lockTtlMs ?? 60_000);

  const requested = o.requestedScopes ?? [];
  return {
    site,
    scopes: grant.scopes,
    missingScopes: requested.filter((s) => !grant.scopes.includes(s)),
    bootstrappedAt,
    expiresAt: new Date(familyExpiresAt(family)).toISOString(),
    accountId: myself.accountId,
  };
}

async function exchange(o: InstallOptions): Promise<TokenGrant> {
  try {
    return await o.tokenClient.exchangeCode(o.credentials, o.code, o.redirectUri);
  } catch (err) {
    if (!(err instanceof TokenEndpointError)) throw err;
    if (err.kind === 'rejected') {
      throw new BootstrapError(
        'the authorization code was refused (used, expired, or issued for another redirect URI): open the authorize URL and consent again.',
      );
    }
    if (err.kind === 'client') {
      throw new BootstrapError(
        'Atlassian refused the client id or secret: copy both again from the app in developer.atlassian.com (Settings).',
      );
    }
    throw new BootstrapError(
      `Atlassian's token endpoint is unavailable (${err.message}): try again in a minute.`,
    );
  }
}

async function pickSite(sites: Site[], o: InstallOptions): Promise<Site> {
  if (!Array.isArray(sites) || sites.length === 0) {
    throw new BootstrapError(
      'the grant reaches no Jira site: consent with an account that can use the site.',
    );
  }
  if (o.cloudId) {
    const wanted = o.cloudId.toLowerCase();
    const site = sites.find((s) => s.id.toLowerCase() === wanted);
    if (!site) {
      throw new BootstrapError(
        `the grant does not reach cloud id ${o.cloudId}; it reaches: ${sites.map((s) => `${s.id} (${s.url})`).join(', ')}`,
      );
    }
    return site;
  }
  if (sites.length === 1) return sites[0] as Site;
  if (o.chooseSite) {
    const id = await o.chooseSite(sites);
    const site = sites.find((s) => s.id === id);
    if (site) return site;
  }
  throw new BootstrapError(
    `the grant reaches ${sites.length} sites; pass --cloud-id with one of: ${sites.map((s) => `${s.id} (${s.url})`).join(', ')}`,
  );
}

async function gatewayGet<T>(apiUrl: string, path: string, token: string): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${apiUrl}${path}`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      signal: AbortSignal.timeout(15_000),
    });
  } catch (err) {
    throw new BootstrapError(
      `could not reach ${apiUrl} (${(err as Error).message}): check the network and try again.`,
    );
  }
  if (!res.ok) throw new BootstrapError(`${path} answered ${res.status}`);
  return (await res.json()) as T;
}

/** Writes under the fleet lock; on a failure, restores what was there before. */
async function writeAllOrNothing(
  store: SecretStore,
  n: SecretNames,
  writes: [string, string][],
  lockTtlMs: number,
): Promise<void> {
  const busy = () =>
    new BootstrapError(
      'a proxy instance holds the refresh lock and did not release it: try again in a minute.',
    );
  try {
    await withFleetLock(
      store,
      n.LOCK,
      { ttlMs: lockTtlMs, waitMs: LOCK_WAIT_MS, pollMs: 250, owner: lockOwner('bootstrap'), busy },
      async () => {
        const before = await store.read(writes.map(([name]) => name)).catch((err) => {
          throw storeFailure(err, 'the current secrets');
        });
        const done: string[] = [];
        try {
          for (const [name, value] of writes) {
            await store.write(name, value);
            done.push(name);
          }
        } catch (err) {
          for (const name of done.reverse()) {
            const old = before.get(name);
            // Restoring is best effort; a secret that did not exist before keeps the new value, which
            // is harmless because REFRESH_TOKEN (written last) still points at the old family.
            if (old) await store.write(name, old.value).catch(() => undefined);
          }
          throw storeFailure(err, writes[done.length]?.[0] ?? 'a secret');
        }
        const salt = await store.read([n.SALT]).catch(() => undefined);
        if (salt && !salt.has(n.SALT))
          await store.write(n.SALT, randomBytes(32).toString('base64url')).catch(() => undefined);
      },
    );
  } catch (err) {
    // What is not already a BootstrapError is the lock's own store call failing.
    throw storeFailure(err, n.LOCK);
  }
}

function storeFailure(err: unknown, what: string): BootstrapError {
  if (err instanceof BootstrapError) return err;
  const detail = err instanceof StoreError ? err.message : (err as Error).message;
  return new BootstrapError(
    `the store refused ${what} (${detail}); the previous token family is unchanged: fix the store's permissions and bootstrap again.`,
  );
}
