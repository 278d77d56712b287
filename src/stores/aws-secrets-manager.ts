import { randomUUID } from 'node:crypto';
import {
  CreateSecretCommand,
  type CreateSecretCommandOutput,
  GetSecretValueCommand,
  PutSecretValueCommand,
  type PutSecretValueCommandOutput,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { awsClientConfig } from './aws-client';
import { awsErrorName, awsStoreError } from './aws-errors';
import { extendedLease, isLive, type Lease, newLease, parseLease, serializeLease } from './lease';
import { queued } from './queue';
import {
  readEach,
  type SecretStore,
  type StoreClock,
  type StoredValue,
  StoreError,
  type WriteOptions,
} from './store';

const STORE = 'aws-secrets-manager';
const CURRENT = 'AWSCURRENT';
/** Our label for a version written but not yet made current (a label sits on one version at a time). */
const PENDING = 'JTP_PENDING';
/**
 * The lock secret's one version for "free", made once with this fixed ClientRequestToken (which
 * becomes its VersionId, and makes its creation idempotent) and labelled JTP_FREE so AWS never
 * deprecates it. A release moves AWSCURRENT back onto it: no new version.
 */
const FREE_VERSION = 'jtp-lock-free-000000000000000000';
const FREE_STAGE = 'JTP_FREE';
const FREE_VALUE = '{}';

/**
 * AWS Secrets Manager. The version is the VersionId AWSCURRENT points at. A compare-and-swap
 * writes the new value as a pending version, then moves AWSCURRENT onto it with
 * `RemoveFromVersionId` = the version the writer read; Secrets Manager refuses the move when
 * AWSCURRENT has left that version, so of two writers from one version exactly one lands. Every
 * write adds a version; Secrets Manager keeps about 100 and deprecates unlabelled ones itself.
 * The lock is a secret whose AWSCURRENT version holds the lease, taken and extended with the same
 * compare-and-swap (one version each), and released by moving AWSCURRENT back onto its one FREE
 * version (none). A contender reads before it writes, so contention spends nothing unless two
 * take a free lock in the same instant. Why this bounds the versions: docs/STORES.md.
 */
export class SecretsManagerStore implements SecretStore {
  readonly description = STORE;
  private readonly client: SecretsManagerClient;
  private readonly kmsKeyId: string | undefined;
  private readonly now: () => number;
  /** One lock operation at a time per lock in this process: its own extensions never race each other. */
  private readonly lockQueues = new Map<string, Promise<unknown>>();

  constructor(opts: { kmsKeyId?: string; client?: SecretsManagerClient } & StoreClock = {}) {
    this.client = opts.client ?? new SecretsManagerClient(awsClientConfig());
    this.kmsKeyId = opts.kmsKeyId;
    this.now = opts.now ?? (() => Date.now());
  }

  /** One GetSecretValue per name, in parallel; a lock's value is its lease, absent when free. */
  async read(names: readonly string[]): Promise<Map<string, StoredValue>> {
    // BatchGetSecretValue needs its own permission (and ListSecrets-style scoping); per-name calls in parallel.
    return readEach(names, async (name) => {
      const stored = await this.get(name);
      return stored?.version === FREE_VERSION ? undefined : stored;
    });
  }

  /**
   * Without `expectedVersion`, a plain PutSecretValue: AWS moves AWSCURRENT itself, last writer
   * wins, one call. A secret that does not exist yet is created (with the configured KMS key);
   * with `expectedVersion` that is a conflict instead, since the version the caller read is gone.
   */
  async write(name: string, value: string, opts: WriteOptions = {}): Promise<string> {
    if (opts.fence) await this.checkFence(opts.fence, name);
    if (opts.expectedVersion !== undefined) return this.swap(name, value, opts.expectedVersion);
    const put = await this.put(name, value, [CURRENT]);
    if (put !== undefined) return put;
    const created = await this.create(name, value);
    // Created by someone else meanwhile: it exists now, so the plain put applies.
    return created ?? (await this.put(name, value, [CURRENT])) ?? this.missing(name);
  }

  tryLock(name: string, owner: string, ttlMs: number, note?: string): Promise<boolean> {
    return queued(this.lockQueues, name, async () => {
      const held = await this.get(name);
      const current = this.leaseOf(held);
      const now = this.now();
      if (isLive(current, now)) {
        return (
          current.owner === owner && this.swapLease(name, extendedLease(current, ttlMs, now, note), held)
        );
      }
      const lease = serializeLease(newLease(owner, ttlMs, now, note));
      // No secret yet: creating it with our lease decides.
      if (!held && (await this.create(name, lease)) !== undefined) return true;
      return this.swapLease(name, lease, held);
    });
  }

  extendLock(name: string, owner: string, ttlMs: number, note?: string): Promise<boolean> {
    return queued(this.lockQueues, name, async () => {
      const held = await this.get(name);
      const current = this.leaseOf(held);
      const now = this.now();
      if (!isLive(current, now) || current.owner !== owner) return false;
      return this.swapLease(name, extendedLease(current, ttlMs, now, note), held);
    });
  }

  async unlock(name: string, owner: string): Promise<void> {
    await queued(this.lockQueues, name, async () => {
      const held = await this.get(name);
      if (!held || this.leaseOf(held)?.owner !== owner) return;
      try {
        await this.moveCurrent(name, FREE_VERSION, held.version);
        return;
      } catch (err) {
        // Taken over since we read it: no longer ours to release.
        if (err instanceof StoreError && err.kind === 'conflict') return;
        // Refused otherwise: the FREE version may not exist yet (the lock's first release).
        if (!(err instanceof StoreError && err.kind === 'invalid')) throw err;
      }
      await this.put(name, FREE_VALUE, [FREE_STAGE], FREE_VERSION);
      await this.moveCurrent(name, FREE_VERSION, held.version).catch((err) => {
        if (!(err instanceof StoreError && err.kind === 'conflict')) throw err;
      });
    });
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  /** The lease a lock secret's current version holds; none when free. */
  private leaseOf(held: StoredValue | undefined): Lease | undefined {
    return held && held.version !== FREE_VERSION ? parseLease(held.value) : undefined;
  }

  /** The lock compare-and-swap from `held` (absent: a secret without a current version); false when beaten to it. */
  private async swapLease(
    name: string,
    next: Lease | string,
    held: StoredValue | undefined,
  ): Promise<boolean> {
    try {
      await this.swap(name, typeof next === 'string' ? next : serializeLease(next), held?.version ?? null);
      return true;
    } catch (err) {
      if (err instanceof StoreError && err.kind === 'conflict') return false;
      throw err;
    }
  }

  /**
   * Read just before the write: the write goes out only if the lease was live and ours then. Not
   * atomic with the write; docs/STORES.md says what that leaves.
   */
  private async checkFence(fence: { lock: string; owner: string }, name: string): Promise<void> {
    const lease = this.leaseOf(await this.get(fence.lock));
    if (!(isLive(lease, this.now()) && lease.owner === fence.owner)) {
      throw new StoreError(
        'conflict',
        `${STORE}: lease ${fence.lock} lost by ${fence.owner}; ${name} not written`,
      );
    }
  }

  /**
   * Compare-and-swap: a pending version, then AWSCURRENT moved onto it from `expected` (null: a
   * secret with no current version). A refused move is a conflict when AWSCURRENT is indeed
   * elsewhere, checked by one more read, since InvalidParameterException has other causes too.
   * The loser's pending version keeps our label until the next write moves it, then AWS
   * deprecates it.
   */
  private async swap(name: string, value: string, expected: string | null): Promise<string> {
    const pending = await this.put(name, value, [PENDING]);
    if (pending === undefined) {
      throw new StoreError(
        'conflict',
        `${STORE}: ${name} no longer exists, expected version ${expected ?? '(none)'}`,
      );
    }
    await this.moveCurrent(name, pending, expected);
    return pending;
  }

  /** Moves AWSCURRENT onto `to` if it is still on `expected` (null: on no version); a conflict if not. */
  private async moveCurrent(name: string, to: string, expected: string | null): Promise<void> {
    try {
      await this.client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: name,
          VersionStage: CURRENT,
          MoveToVersionId: to,
          ...(expected === null ? {} : { RemoveFromVersionId: expected }),
        }),
      );
    } catch (err) {
      if (awsErrorName(err) === 'InvalidParameterException') {
        const now = (await this.get(name))?.version ?? null;
        if (now !== expected) {
          throw new StoreError(
            'conflict',
            `${STORE}: ${name} is at version ${now ?? '(none)'}, not the expected ${expected ?? '(none)'}`,
          );
        }
      }
      throw awsStoreError(STORE, 'secretsmanager:UpdateSecretVersionStage', name, err);
    }
  }

  /** The AWSCURRENT value, placeholders included; undefined when there is no secret or no current version. */
  private async get(name: string): Promise<StoredValue | undefined> {
    try {
      const res = await this.client.send(
        new GetSecretValueCommand({ SecretId: name, VersionStage: CURRENT }),
      );
      const value =
        res.SecretString ?? (res.SecretBinary ? Buffer.from(res.SecretBinary).toString('utf8') : undefined);
      if (value === undefined || res.VersionId === undefined) return undefined;
      return { value, version: res.VersionId };
    } catch (err) {
      if (awsErrorName(err) === 'ResourceNotFoundException') return undefined;
      throw awsStoreError(STORE, 'secretsmanager:GetSecretValue', name, err);
    }
  }

  /** PutSecretValue with the given labels; the new VersionId, or undefined when the secret does not exist. */
  private async put(
    name: string,
    value: string,
    stages: string[],
    token: string = randomUUID(),
  ): Promise<string | undefined> {
    let res: PutSecretValueCommandOutput;
    try {
      res = await this.client.send(
        new PutSecretValueCommand({
          SecretId: name,
          SecretString: value,
          // Also the idempotency token: the SDK's retries of this call cannot add a second version.
          ClientRequestToken: token,
          VersionStages: stages,
        }),
      );
    } catch (err) {
      if (awsErrorName(err) === 'ResourceNotFoundException') return undefined;
      throw awsStoreError(STORE, 'secretsmanager:PutSecretValue', name, err);
    }
    return res.VersionId ?? this.missing(name);
  }

  /** CreateSecret holding `value` as AWSCURRENT; undefined when the secret already exists. */
  private async create(name: string, value: string): Promise<string | undefined> {
    let res: CreateSecretCommandOutput;
    try {
      res = await this.client.send(
        new CreateSecretCommand({
          Name: name,
          SecretString: value,
          ClientRequestToken: randomUUID(),
          ...(this.kmsKeyId ? { KmsKeyId: this.kmsKeyId } : {}),
        }),
      );
    } catch (err) {
      if (awsErrorName(err) === 'ResourceExistsException') return undefined;
      throw awsStoreError(STORE, 'secretsmanager:CreateSecret', name, err);
    }
    return res.VersionId ?? this.missing(name);
  }

  private missing(name: string): never {
    throw new StoreError('corrupt', `${STORE}: Secrets Manager returned no VersionId for ${name}`);
  }
}
