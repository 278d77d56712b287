import { ProxyError } from '../errors';
import { logger, metric } from '../log';
import { METRIC } from '../metric-names';
import { StoreError } from '../stores/store';
import { backoff, WRITE_BACK_LOOP } from './retry';
import type { TokenStore } from './token-store';
import type { AccessToken } from './values';

/**
 * The write-back of a rotated refresh token: durable before the new access token is used. If the
 * store refuses, the token is held in memory (it is the only copy), the fleet lock stays held so
 * no other instance spends the old token again, and a background loop keeps writing until it lands.
 */

export interface PendingWriteBack {
  refreshToken: string;
  /** The REFRESH_TOKEN version the refresh spent: the write is a compare-and-swap against it. */
  expectedVersion: string | undefined;
  access: AccessToken;
}

export interface WriteBackOptions {
  tokens: TokenStore;
  /** Re-takes (extends) the fleet lock for the background loop; false when another holder has it. */
  extendLock: () => Promise<boolean>;
  releaseLock: () => Promise<void>;
  /** Called once the refresh token is stored (or dropped for a newer stored one), with the new version. */
  onSettled: (access: AccessToken | undefined, version: string | undefined) => void;
}

export class WriteBack {
  #pending: PendingWriteBack | undefined;
  #timer: NodeJS.Timeout | undefined;
  #rounds = 0;

  constructor(private readonly o: WriteBackOptions) {}

  get pending(): boolean {
    return this.#pending !== undefined;
  }

  /** Stores `p`; throws `store_unavailable` when it stays held (the loop keeps trying). */
  async save(p: PendingWriteBack): Promise<string | undefined> {
    this.#pending = p;
    return this.#persist();
  }

  /** A held token is written (and the lock released) before anything else uses the store. */
  async flush(): Promise<void> {
    if (!this.#pending) return;
    await this.#persist();
    await this.o.releaseLock();
  }

  close(): void {
    clearTimeout(this.#timer);
  }

  async #persist(): Promise<string | undefined> {
    const pending = this.#pending;
    if (!pending) return undefined;
    const { tokens } = this.o;
    let version: string;
    try {
      version = await tokens.writeRefreshToken(pending.refreshToken, pending.expectedVersion);
    } catch (err) {
      if (err instanceof StoreError && err.kind === 'conflict') {
        // The store moved on (a newer family, or a refresh by an instance that outlived our lock):
        // the stored token is the one to keep; ours is dropped rather than overwrite it.
        logger.error('rotated refresh token not saved: the store holds a newer one', {
          name: tokens.names.REFRESH_TOKEN,
        });
        this.#settle();
        this.o.onSettled(undefined, undefined);
        return undefined;
      }
      // One failure per held token; each background round after it is a retry.
      metric(this.#rounds === 0 ? METRIC.writeBackFailure : METRIC.writeBackRetry, 1, {
        round: this.#rounds,
      });
      this.#schedule();
      logger.error('rotated refresh token could not be saved; holding it in memory and retrying', {
        name: tokens.names.REFRESH_TOKEN,
        cause: (err as Error).message,
      });
      throw new ProxyError(
        'store_unavailable',
        `the secret store refused the rotated refresh token (${(err as Error).message}); retrying in the background`,
        { 'retry-after': '5' },
      );
    }
    this.#settle();
    await tokens.writeAccessToken(pending.access);
    this.o.onSettled(pending.access, version);
    return version;
  }

  #settle(): void {
    this.#pending = undefined;
    this.#rounds = 0;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        // Keep the fleet lock while we hold the only copy (the same owner extends it).
        void this.o
          .extendLock()
          .catch(() => false)
          .then(() => this.flush())
          .catch(() => undefined); // a failed round has already scheduled the next one
      },
      backoff(WRITE_BACK_LOOP, ++this.#rounds),
    );
    this.#timer.unref();
  }
}
