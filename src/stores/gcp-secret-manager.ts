import { randomUUID } from 'node:crypto';
import type { protos, SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { Status } from 'google-gax';
import { logger } from '../log';
import { secretManagerClient } from './gcp-client';
import { gcpStoreError, STORE, statusOf } from './gcp-errors';
import { casClaim, claimedBy, claimId, leaseIn, withLease } from './gcp-lock';
import { extendedLease, isLive, type Lease, newLease, serializeLease } from './lease';
import { queued } from './queue';
import {
  readEach,
  type SecretStore,
  type StoreClock,
  type StoredValue,
  StoreError,
  type WriteOptions,
} from './store';

type Secret = protos.google.cloud.secretmanager.v1.ISecret;

/** One page of enabled versions: the newest is on it (Google lists newest first), and so are the old ones cleanup destroys. */
const LIST_PAGE = 50;

const payloadText = (data: Uint8Array | string | null | undefined): string =>
  (typeof data === 'string' ? Buffer.from(data, 'base64') : Buffer.from(data ?? [])).toString('utf8');

const versionOf = (name: string | null | undefined): number | undefined => {
  const n = Number(name?.slice(name.lastIndexOf('/') + 1));
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
};

/**
 * GCP Secret Manager. One secret per name, each write a new numbered version; the version is
 * that number. A read is one `versions/latest:access` per name: `latest` is the most recently
 * created version, and the answer names its number (only when that version is no longer enabled,
 * which this store never does to the newest, does a read list the enabled ones). After a write,
 * enabled versions beyond the newest `keepVersions` are destroyed (disabled versions are still
 * billed). The lock's lease is an etag-guarded annotation (`jtp-lease`) on the lock's own secret,
 * which holds no versions; reading a lock is one `secrets.get`, its version the secret's etag.
 */
export class GcpSecretManagerStore implements SecretStore {
  readonly description: string;
  private readonly client: SecretManagerServiceClient;
  private readonly project: string;
  private readonly keep: number;
  /**
   * Our own claims whose version add failed. The lifecycle retries a failed write-back with the
   * same expected version, and must not find itself blocked by its own dead claim (it would
   * drop the rotated refresh token as superseded).
   */
  private readonly abandoned = new Set<string>();
  private readonly now: () => number;
  /** Names known to be locks: read with `secrets.get` straight away instead of after a failed access. */
  private readonly locks: Set<string>;
  /** One lock operation at a time per lock in this process: its own extensions never race each other. */
  private readonly lockQueues = new Map<string, Promise<unknown>>();

  constructor(
    opts: {
      project: string;
      emulatorHost?: string;
      keepVersions?: number;
      locks?: readonly string[];
    } & StoreClock,
  ) {
    this.project = opts.project;
    this.now = opts.now ?? (() => Date.now());
    this.locks = new Set(opts.locks);
    this.keep = Math.max(1, Math.floor(opts.keepVersions ?? 3));
    this.client = secretManagerClient(
      opts.emulatorHost ? { host: opts.emulatorHost } : { adcProject: opts.project },
    );
    this.description = opts.emulatorHost
      ? `${STORE}:${opts.project}@http://${opts.emulatorHost}`
      : `${STORE}:${opts.project}`;
  }

  /** One call per name, every name in parallel: an access of `latest`, or a get of a lock's secret. */
  async read(names: readonly string[]): Promise<Map<string, StoredValue>> {
    return readEach(names, (name) => (this.locks.has(name) ? this.getLease(name) : this.get(name)));
  }

  /**
   * Without `expectedVersion`: add a version (creating the secret first if needed), last writer
   * wins. With it, a compare-and-swap (see `swap`). Then old versions are destroyed.
   */
  async write(name: string, value: string, opts: WriteOptions = {}): Promise<string> {
    if (opts.fence) await this.checkFence(opts.fence, name);
    if (opts.expectedVersion !== undefined) return this.swap(name, value, opts.expectedVersion);
    const version = await this.add(name, value, true);
    await this.cleanup(name, version);
    return String(version);
  }

  tryLock(name: string, owner: string, ttlMs: number, note?: string): Promise<boolean> {
    return queued(this.lockQueues, name, async () => {
      this.locks.add(name);
      let secret = await this.getSecret(name);
      const now = this.now();
      if (!secret) {
        // Creating the secret with our lease is the atomic take; whoever creates it first holds it.
        if (await this.create(name, withLease({}, newLease(owner, ttlMs, now, note)))) return true;
        secret = await this.getSecret(name);
        if (!secret) return false;
      }
      const annotations = secret.annotations ?? {};
      const current = leaseIn(annotations);
      if (isLive(current, now)) {
        if (current.owner !== owner) return false;
        return this.annotate(name, secret, withLease(annotations, extendedLease(current, ttlMs, now, note)));
      }
      return this.annotate(name, secret, withLease(annotations, newLease(owner, ttlMs, now, note)));
    });
  }

  /** An etag-guarded update of the lease: the compare-and-swap on the lock's own version. */
  extendLock(name: string, owner: string, ttlMs: number, note?: string): Promise<boolean> {
    return queued(this.lockQueues, name, async () => {
      this.locks.add(name);
      const secret = await this.getSecret(name);
      const annotations = secret?.annotations ?? {};
      const current = leaseIn(annotations);
      const now = this.now();
      if (!secret || !isLive(current, now) || current.owner !== owner) return false;
      return this.annotate(name, secret, withLease(annotations, extendedLease(current, ttlMs, now, note)));
    });
  }

  async unlock(name: string, owner: string): Promise<void> {
    await queued(this.lockQueues, name, async () => {
      const secret = await this.getSecret(name);
      const annotations = secret?.annotations ?? {};
      // A refused update means it was taken over since we looked: no longer ours to release.
      if (secret && leaseIn(annotations)?.owner === owner)
        await this.annotate(name, secret, withLease(annotations, undefined));
    });
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  /**
   * Compare-and-swap. Secret Manager has no conditional addVersion, so a writer first claims the
   * successor of `expected` on the secret itself, then adds its version:
   *   1. get the secret (its etag and annotations), then 2. list: the newest enabled version must
   *   be `expected`, and no fresh claim may name `expected` as its base;
   *   3. update the annotations with our claim, guarded by that etag; 4. add the version.
   * Of concurrent writers from one version exactly one lands: the proof is in docs/STORES.md
   * ("Why the GCP compare-and-swap is one").
   */
  private async swap(name: string, value: string, expected: string): Promise<string> {
    const base = versionOf(expected);
    const secret = await this.getSecret(name);
    if (!secret || base === undefined) {
      throw new StoreError('conflict', `${STORE}: ${name} has no version ${expected} to replace`);
    }
    const enabled = await this.enabledVersions(name);
    const newest = enabled[0];
    if (newest !== base) {
      throw new StoreError(
        'conflict',
        `${STORE}: ${name} is at version ${newest ?? '(none)'}, not the expected ${expected}`,
      );
    }
    const annotations = secret.annotations ?? {};
    const previous = claimId(annotations);
    if (claimedBy(annotations, base, this.abandoned, this.now())) {
      throw new StoreError(
        'conflict',
        `${STORE}: another writer is replacing version ${expected} of ${name}`,
      );
    }
    const id = randomUUID();
    if (!(await this.annotate(name, secret, casClaim(annotations, base, id, this.now())))) {
      throw new StoreError('conflict', `${STORE}: ${name} changed while replacing version ${expected}`);
    }
    this.abandoned.delete(previous);
    let version: number;
    try {
      version = await this.add(name, value, false);
    } catch (err) {
      this.abandoned.add(id);
      throw err;
    }
    await this.cleanup(name, version, enabled);
    return String(version);
  }

  /**
   * The newest version's value and number in one access of `latest`, placeholders included;
   * undefined when there is none. Not found: no such secret, or one without versions, which may
   * be a lock (one more call, once: the name is then known to be a lock).
   */
  private async get(name: string): Promise<StoredValue | undefined> {
    try {
      const [res] = await this.client.accessSecretVersion({ name: `${this.path(name)}/versions/latest` });
      const version = versionOf(res.name);
      if (version === undefined) {
        throw new StoreError('corrupt', `${STORE}: Secret Manager named no version number for ${name}`);
      }
      return { value: payloadText(res.payload?.data), version: String(version) };
    } catch (err) {
      if (err instanceof StoreError) throw err;
      const code = statusOf(err);
      if (code === Status.NOT_FOUND) return this.getLease(name, true);
      // The newest version was disabled or destroyed (by an operator): the newest enabled one counts.
      if (code === Status.FAILED_PRECONDITION) return this.getEnabled(name);
      throw this.failure(err, 'secretmanager.versions.access', name);
    }
  }

  /**
   * A lock's lease as a value, its version the secret's etag; undefined when the lock is free (or
   * not a lock). `probing`: the name is only suspected of being a lock, and the service account
   * need not be allowed `secrets.get` on it (the proxy's other secrets): a refusal means missing.
   */
  private async getLease(name: string, probing = false): Promise<StoredValue | undefined> {
    let secret: Secret | undefined;
    try {
      secret = await this.getSecret(name);
    } catch (err) {
      if (probing && err instanceof StoreError && err.kind === 'access_denied') return undefined;
      throw err;
    }
    const lease = leaseIn(secret?.annotations ?? {});
    if (!lease) return undefined;
    this.locks.add(name);
    return { value: serializeLease(lease), version: secret?.etag ?? '' };
  }

  /** The newest enabled version's value, found by a list; undefined when there is none. */
  private async getEnabled(name: string, retried = false): Promise<StoredValue | undefined> {
    const newest = (await this.enabledVersions(name))[0];
    if (newest === undefined) return undefined;
    try {
      const [res] = await this.client.accessSecretVersion({ name: `${this.path(name)}/versions/${newest}` });
      return { value: payloadText(res.payload?.data), version: String(newest) };
    } catch (err) {
      const code = statusOf(err);
      // Destroyed or disabled since the list (a concurrent cleanup, an operator): look once more.
      if ((code === Status.FAILED_PRECONDITION || code === Status.NOT_FOUND) && !retried)
        return this.getEnabled(name, true);
      if (code === Status.NOT_FOUND) return undefined;
      throw this.failure(err, 'secretmanager.versions.access', name);
    }
  }

  /**
   * Read just before the write: the write goes out only if the lease was live and ours then. Not
   * atomic with the version add; docs/STORES.md says what that leaves.
   */
  private async checkFence(fence: { lock: string; owner: string }, name: string): Promise<void> {
    const lease: Lease | undefined = leaseIn((await this.getSecret(fence.lock))?.annotations ?? {});
    if (!(isLive(lease, this.now()) && lease.owner === fence.owner)) {
      throw new StoreError(
        'conflict',
        `${STORE}: lease ${fence.lock} lost by ${fence.owner}; ${name} not written`,
      );
    }
  }

  /** Enabled version numbers, newest first; empty when the secret does not exist. */
  private async enabledVersions(name: string): Promise<number[]> {
    try {
      const [versions] = await this.client.listSecretVersions(
        { parent: this.path(name), filter: 'state:ENABLED', pageSize: LIST_PAGE },
        { autoPaginate: false },
      );
      return versions
        .map((v) => versionOf(v.name))
        .filter((n): n is number => n !== undefined)
        .sort((a, b) => b - a);
    } catch (err) {
      if (statusOf(err) === Status.NOT_FOUND) return [];
      throw this.failure(err, 'secretmanager.versions.list', name);
    }
  }

  private async getSecret(name: string): Promise<Secret | undefined> {
    try {
      const [secret] = await this.client.getSecret({ name: this.path(name) });
      return secret;
    } catch (err) {
      if (statusOf(err) === Status.NOT_FOUND) return undefined;
      throw this.failure(err, 'secretmanager.secrets.get', name);
    }
  }

  /** Creates the secret (automatic replication); false when it already exists. */
  private async create(name: string, annotations?: Record<string, string>): Promise<boolean> {
    try {
      await this.client.createSecret({
        parent: `projects/${this.project}`,
        secretId: name,
        secret: { replication: { automatic: {} }, ...(annotations ? { annotations } : {}) },
      });
      return true;
    } catch (err) {
      if (statusOf(err) === Status.ALREADY_EXISTS) return false;
      throw this.failure(err, 'secretmanager.secrets.create', name);
    }
  }

  /** Replaces the secret's annotations if its etag is still the one read; false when it is not. */
  private async annotate(
    name: string,
    secret: Secret,
    annotations: Record<string, string>,
  ): Promise<boolean> {
    try {
      await this.client.updateSecret({
        secret: { name: this.path(name), etag: secret.etag ?? '', annotations },
        updateMask: { paths: ['annotations'] },
      });
      return true;
    } catch (err) {
      const code = statusOf(err);
      // Google documents FAILED_PRECONDITION for a stale etag; AIP-154 now says ABORTED.
      if (code === Status.FAILED_PRECONDITION || code === Status.ABORTED || code === Status.NOT_FOUND)
        return false;
      throw this.failure(err, 'secretmanager.secrets.update', name);
    }
  }

  /** Adds a version and returns its number; a missing secret is created first when `create`. */
  private async add(name: string, value: string, create: boolean): Promise<number> {
    const request = { parent: this.path(name), payload: { data: Buffer.from(value, 'utf8') } };
    let res: protos.google.cloud.secretmanager.v1.ISecretVersion;
    try {
      [res] = await this.client.addSecretVersion(request);
    } catch (err) {
      if (statusOf(err) === Status.NOT_FOUND && !create) {
        throw new StoreError('conflict', `${STORE}: ${name} was deleted while being replaced`);
      }
      if (statusOf(err) !== Status.NOT_FOUND) throw this.failure(err, 'secretmanager.versions.add', name);
      await this.create(name);
      try {
        [res] = await this.client.addSecretVersion(request);
      } catch (again) {
        throw this.failure(again, 'secretmanager.versions.add', name);
      }
    }
    const version = versionOf(res.name);
    if (version === undefined) {
      throw new StoreError('corrupt', `${STORE}: Secret Manager returned no version number for ${name}`);
    }
    return version;
  }

  /**
   * Destroys enabled versions older than the newest `keep` (the one just written counts). Uses
   * the list a compare-and-swap already made, else lists. Failures are logged, never thrown: the
   * write itself has landed.
   */
  private async cleanup(name: string, written: number, listed?: number[]): Promise<void> {
    try {
      const enabled = listed ? [written, ...listed] : await this.enabledVersions(name);
      const old = enabled
        .filter((v) => v < written)
        .sort((a, b) => b - a)
        .slice(this.keep - 1);
      const results = await Promise.allSettled(
        old.map((v) => this.client.destroySecretVersion({ name: `${this.path(name)}/versions/${v}` })),
      );
      const failed = results.flatMap((r, i) =>
        r.status === 'rejected' && statusOf(r.reason) !== Status.FAILED_PRECONDITION ? [old[i]] : [],
      );
      if (failed.length) {
        const reason = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        logger.warn('old secret versions not destroyed', {
          store: STORE,
          secret: name,
          versions: failed.join(','),
          error: this.failure(reason.reason, 'secretmanager.versions.destroy', name).message,
        });
      }
    } catch (err) {
      logger.warn('old secret versions not cleaned up', {
        store: STORE,
        secret: name,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }

  private path(name: string): string {
    return `projects/${this.project}/secrets/${name}`;
  }

  private failure(err: unknown, permission: string, name: string): StoreError {
    return gcpStoreError(err, permission, name, this.project);
  }
}
