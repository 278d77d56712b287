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
import { isLive, newClaim, parseClaim } from './aws-lock';
import { readEach, type SecretStore, type StoredValue, StoreError } from './store';

const STORE = 'aws-secrets-manager';
const CURRENT = 'AWSCURRENT';
/** Our label for a version written but not yet made current (a label sits on one version at a time). */
const PENDING = 'JTP_PENDING';
/** The lock secret's value when nobody holds it. */
const FREE = '{}';

/**
 * AWS Secrets Manager. The version is the VersionId AWSCURRENT points at. A compare-and-swap
 * writes the new value as a pending version, then moves AWSCURRENT onto it with
 * `RemoveFromVersionId` = the version the writer read; Secrets Manager refuses the move when
 * AWSCURRENT has left that version, so of two writers from one version exactly one lands. Every
 * write adds a version; Secrets Manager keeps about 100 and deprecates unlabelled ones itself.
 * The lock is a secret holding `{owner, expiresAt}` (or `{}` when free), taken and released with
 * the same compare-and-swap.
 */
export class SecretsManagerStore implements SecretStore {
  readonly description = STORE;
  private readonly client: SecretsManagerClient;
  private readonly kmsKeyId: string | undefined;

  constructor(opts: { kmsKeyId?: string; client?: SecretsManagerClient } = {}) {
    this.client = opts.client ?? new SecretsManagerClient(awsClientConfig());
    this.kmsKeyId = opts.kmsKeyId;
  }

  async read(names: readonly string[]): Promise<Map<string, StoredValue>> {
    // BatchGetSecretValue needs its own permission (and ListSecrets-style scoping); per-name calls in parallel.
    return readEach(names, (name) => this.get(name));
  }

  /**
   * Without `expectedVersion`, a plain PutSecretValue: AWS moves AWSCURRENT itself, last writer
   * wins, one call. A secret that does not exist yet is created (with the configured KMS key);
   * with `expectedVersion` that is a conflict instead, since the version the caller read is gone.
   */
  async write(name: string, value: string, opts?: { expectedVersion?: string }): Promise<string> {
    if (opts?.expectedVersion !== undefined) return this.swap(name, value, opts.expectedVersion);
    const put = await this.put(name, value, [CURRENT]);
    if (put !== undefined) return put;
    const created = await this.create(name, value);
    // Created by someone else meanwhile: it exists now, so the plain put applies.
    return created ?? (await this.put(name, value, [CURRENT])) ?? this.missing(name);
  }

  async tryLock(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const held = await this.get(name);
    const current = held && parseClaim(held.value);
    if (isLive(current)) return current.owner === owner;
    const claim = JSON.stringify(newClaim(owner, ttlMs));
    try {
      if (held) await this.swap(name, claim, held.version);
      // No secret yet (create decides), or a secret with no current value (the move decides).
      else if ((await this.create(name, claim)) === undefined) await this.swap(name, claim, null);
      return true;
    } catch (err) {
      if (err instanceof StoreError && err.kind === 'conflict') return false;
      throw err;
    }
  }

  async unlock(name: string, owner: string): Promise<void> {
    const held = await this.get(name);
    if (!held || parseClaim(held.value)?.owner !== owner) return;
    try {
      await this.swap(name, FREE, held.version);
    } catch (err) {
      // Taken over since we read it: it is no longer ours to release.
      if (!(err instanceof StoreError && err.kind === 'conflict')) throw err;
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
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
    try {
      await this.client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: name,
          VersionStage: CURRENT,
          MoveToVersionId: pending,
          ...(expected === null ? {} : { RemoveFromVersionId: expected }),
        }),
      );
      return pending;
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
  private async put(name: string, value: string, stages: string[]): Promise<string | undefined> {
    let res: PutSecretValueCommandOutput;
    try {
      res = await this.client.send(
        new PutSecretValueCommand({
          SecretId: name,
          SecretString: value,
          // Also the idempotency token: the SDK's retries of this call cannot add a second version.
          ClientRequestToken: randomUUID(),
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
