import { ProxyError } from '../errors';
import { logger, registerSecret } from '../log';
import type { SecretNames } from '../secrets';
import { type Lease, parseLease } from '../stores/lease';
import { type SecretStore, type StoredValue, StoreError } from '../stores/store';
import type { ClientCredentials } from './atlassian';
import { formatOutcome, parseOutcome, type RefreshOutcome, type StoredVersions } from './outcome';
import {
  type AccessToken,
  formatAccessToken,
  parseAccessToken,
  parseFamily,
  type TokenFamily,
} from './values';

/**
 * The token secrets as the lifecycle sees them: one batch read of everything a refresh needs,
 * typed, with every value registered with the log redactor. Store failures a caller must hear
 * about become the contract's `store_unavailable`. The store layer retries its own calls.
 */

export interface StoreState {
  access: AccessToken | undefined;
  refresh: StoredValue | undefined;
  client: ClientCredentials | undefined;
  family: TokenFamily | undefined;
  outcome: RefreshOutcome | undefined;
  /** REFRESH_OUTCOME's store version: its next write is a compare-and-swap on it. */
  outcomeVersion: string | undefined;
  /** The fleet lock's lease, expired or not (its note is a refresher's spend intent). */
  lease: Lease | undefined;
  versions: StoredVersions;
}

/** What a waiter for another instance's refresh looks at. */
export interface Waiting {
  access: AccessToken | undefined;
  lease: Lease | undefined;
}

/** Who writes a refresh's results: the lease owner; every such write is fenced on the lease. */
export interface Fence {
  lock: string;
  owner: string;
}

export class TokenStore {
  constructor(
    readonly store: SecretStore,
    readonly names: SecretNames,
  ) {}

  async read(): Promise<StoreState> {
    const n = this.names;
    const got = await this.#reading([
      n.ACCESS_TOKEN,
      n.REFRESH_TOKEN,
      n.CLIENT_ID,
      n.CLIENT_SECRET,
      n.TOKEN_FAMILY,
      n.REFRESH_OUTCOME,
      // The lease rides along (free on SSM's GetParameters): a spend intent left by a holder that
      // died is seen by the read every refresh and scheduled run already does.
      n.LOCK,
    ]);
    const lock = got.get(n.LOCK)?.value;
    got.delete(n.LOCK);
    for (const v of got.values()) registerSecret(v.value);
    const id = got.get(n.CLIENT_ID);
    const secret = got.get(n.CLIENT_SECRET);
    const family = got.get(n.TOKEN_FAMILY)?.value;
    const refresh = got.get(n.REFRESH_TOKEN);
    return {
      access: this.#access(got.get(n.ACCESS_TOKEN)?.value),
      refresh,
      client: id && secret ? { clientId: id.value.trim(), clientSecret: secret.value.trim() } : undefined,
      family: family ? parseFamily(family) : undefined,
      outcome: parseOutcome(got.get(n.REFRESH_OUTCOME)?.value),
      outcomeVersion: got.get(n.REFRESH_OUTCOME)?.version,
      lease: lock ? parseLease(lock) : undefined,
      versions: {
        refreshToken: refresh?.version,
        client: id && secret ? `${id.version}/${secret.version}` : undefined,
      },
    };
  }

  /** While another instance refreshes, only the access token and the lease matter (one call on SSM). */
  async readWaiting(): Promise<Waiting> {
    const { ACCESS_TOKEN, LOCK } = this.names;
    const got = await this.#reading([ACCESS_TOKEN, LOCK]);
    const lock = got.get(LOCK)?.value;
    return { access: this.#access(got.get(ACCESS_TOKEN)?.value), lease: lock ? parseLease(lock) : undefined };
  }

  /**
   * Compare-and-swap on the version spent, fenced on the lease: a late writer (its lease lost) or
   * an older token never lands. Raw StoreError on failure (a conflict means "keep the stored one").
   */
  writeRefreshToken(value: string, expectedVersion: string | undefined, fence: Fence): Promise<string> {
    return this.store.write(this.names.REFRESH_TOKEN, value, { expectedVersion, fence });
  }

  /** The access token is a cache for other instances: failing to store it costs them a refresh, no more. */
  async writeAccessToken(access: AccessToken, fence: Fence): Promise<void> {
    const name = this.names.ACCESS_TOKEN;
    await this.store.write(name, formatAccessToken(access), { fence }).catch((err) =>
      logger.warn('new access token not saved to the store; other instances will refresh again', {
        cause: (err as Error).message,
      }),
    );
  }

  /**
   * A compare-and-swap that never goes back in time: `outcome` replaces the stored record only if
   * it concerns a later attempt (`at`), so a delayed `refreshed` cannot overwrite a newer `rejected`
   * or the reverse. On a conflict the record is read again and the comparison redone, once.
   * Best effort: without it, other instances and `status` learn the outcome by themselves.
   */
  async writeOutcome(
    outcome: RefreshOutcome,
    known: { stored?: RefreshOutcome; version?: string },
  ): Promise<void> {
    const name = this.names.REFRESH_OUTCOME;
    let { stored, version } = known;
    if (version === undefined) {
      // No record when last read (or never read): look once, so a record written since is compared.
      const now = (await this.#reading([name]).catch(() => undefined))?.get(name);
      stored = parseOutcome(now?.value);
      version = now?.version;
    }
    for (let round = 0; round < 2; round++) {
      if (stored && stored.at > outcome.at) return;
      try {
        await this.store.write(name, formatOutcome(outcome), { expectedVersion: version });
        return;
      } catch (err) {
        if (!(err instanceof StoreError && err.kind === 'conflict') || round === 1) {
          logger.warn('refresh outcome not recorded in the store', { name, cause: (err as Error).message });
          return;
        }
        const again = (await this.#reading([name]).catch(() => undefined))?.get(name);
        stored = parseOutcome(again?.value);
        version = again?.version;
      }
    }
  }

  #access(raw: string | undefined): AccessToken | undefined {
    const access = raw ? parseAccessToken(raw) : undefined;
    // The stored value is JSON around the token: the token itself must be known to the redactor.
    registerSecret(access?.token);
    return access;
  }

  async #reading(names: string[]): Promise<Map<string, StoredValue>> {
    try {
      return await this.store.read(names);
    } catch (err) {
      throw storeUnavailable(err);
    }
  }
}

/** Store failures become the contract's `store_unavailable`, naming the store's own message. */
export function storeUnavailable(err: unknown): unknown {
  if (!(err instanceof StoreError)) return err;
  return new ProxyError(
    'store_unavailable',
    `secret store: ${err.message}`,
    { 'retry-after': '5' },
    { cause: err },
  );
}
