import { randomUUID } from 'node:crypto';
import type { protos, SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { Status } from 'google-gax';
import { logger } from '../log';
import { secretManagerClient } from './gcp-client';
import { gcpStoreError, STORE, statusOf } from './gcp-errors';
import { casClaim, claimedBy, claimId, liveHolder, lockClaim, releaseLock } from './gcp-lock';
import { readEach, type SecretStore, type StoredValue, StoreError } from './store';

type Secret = protos.google.cloud.secretmanager.v1.ISecret;

/** One page of enabled versions: the newest is on it (Google lists newest first), and so are the old ones cleanup destroys. */
const LIST_PAGE = 50;

const versionOf = (name: string | null | undefined): number | undefined => {
  const n = Number(name?.slice(name.lastIndexOf('/') + 1));
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
};

/**
 * GCP Secret Manager. One secret per name, each write a new numbered version; the version is
 * that number. Reads resolve the newest ENABLED version with a list and access that number (the
 * `latest` alias is not strongly consistent). After a write, enabled versions beyond the newest
 * `keepVersions` are destroyed (disabled versions are still billed). The lock is etag-guarded
 * annotations (`lock-owner`, `lock-expires`) on the lock's own secret, which holds no versions.
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

  constructor(opts: { project: string; emulatorHost?: string; keepVersions?: number }) {
    this.project = opts.project;
    this.keep = Math.max(1, Math.floor(opts.keepVersions ?? 3));
    this.client = secretManagerClient(
      opts.emulatorHost ? { host: opts.emulatorHost } : { adcProject: opts.project },
    );
    this.description = opts.emulatorHost
      ? `${STORE}:${opts.project}@http://${opts.emulatorHost}`
      : `${STORE}:${opts.project}`;
  }

  /** One list and one access per name, every name in parallel. */
  async read(names: readonly string[]): Promise<Map<string, StoredValue>> {
    return readEach(names, (name) => this.get(name));
  }

  /**
   * Without `expectedVersion`: add a version (creating the secret first if needed), last writer
   * wins. With it, a compare-and-swap (see `swap`). Then old versions are destroyed.
   */
  async write(name: string, value: string, opts?: { expectedVersion?: string }): Promise<string> {
    if (opts?.expectedVersion !== undefined) return this.swap(name, value, opts.expectedVersion);
    const version = await this.add(name, value, true);
    await this.cleanup(name, version);
    return String(version);
  }

  async tryLock(name: string, owner: string, ttlMs: number): Promise<boolean> {
    let secret = await this.getSecret(name);
    const claim = lockClaim(owner, ttlMs);
    if (!secret) {
      // Creating the secret with our claim is the atomic take; whoever creates it first holds it.
      if (await this.create(name, claim)) return true;
      secret = await this.getSecret(name);
      if (!secret) return false;
    }
    const annotations = secret.annotations ?? {};
    const holder = liveHolder(annotations);
    if (holder) return holder === owner;
    return this.annotate(name, secret, { ...annotations, ...claim });
  }

  async unlock(name: string, owner: string): Promise<void> {
    const secret = await this.getSecret(name);
    const { holder, rest } = releaseLock(secret?.annotations ?? {});
    // A refused update means it was taken over since we looked: no longer ours to release.
    if (secret && holder === owner) await this.annotate(name, secret, rest);
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
    if (claimedBy(annotations, base, this.abandoned)) {
      throw new StoreError(
        'conflict',
        `${STORE}: another writer is replacing version ${expected} of ${name}`,
      );
    }
    const id = randomUUID();
    if (!(await this.annotate(name, secret, casClaim(annotations, base, id)))) {
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

  /** The newest enabled version's value, placeholders included; undefined when there is none. */
  private async get(name: string, retried = false): Promise<StoredValue | undefined> {
    const newest = (await this.enabledVersions(name))[0];
    if (newest === undefined) return undefined;
    try {
      const [res] = await this.client.accessSecretVersion({ name: `${this.path(name)}/versions/${newest}` });
      const data = res.payload?.data;
      const bytes = typeof data === 'string' ? Buffer.from(data, 'base64') : Buffer.from(data ?? []);
      return { value: bytes.toString('utf8'), version: String(newest) };
    } catch (err) {
      const code = statusOf(err);
      // Destroyed or disabled since the list (a concurrent cleanup, an operator): look once more.
      if ((code === Status.FAILED_PRECONDITION || code === Status.NOT_FOUND) && !retried)
        return this.get(name, true);
      if (code === Status.NOT_FOUND) return undefined;
      throw this.failure(err, 'secretmanager.versions.access', name);
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
