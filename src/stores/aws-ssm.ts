import { createHash } from 'node:crypto';
import {
  DeleteParameterCommand,
  GetParametersCommand,
  type GetParametersCommandOutput,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { awsClientConfig } from './aws-client';
import { awsErrorName, awsStoreError } from './aws-errors';
import { isLive, type LockClaim, newClaim, parseClaim } from './aws-lock';
import { isPlaceholder, type SecretStore, type StoredValue, StoreError } from './store';

const STORE = 'aws-ssm';
/** GetParameters takes at most 10 names. */
const BATCH = 10;
/** How long the right to replace one stale lock lasts; past it, its taker is presumed dead. */
const TAKEOVER_TTL_MS = 30_000;
/** Takers that may die mid-takeover before a stale lock is left for an operator. */
const TAKEOVER_LEVELS = 3;
/**
 * A holder this close to its expiry leaves the lock to expire instead of deleting it: a taker
 * may already be replacing it, and SSM's delete is unconditional.
 */
const UNLOCK_MARGIN_MS = 1_000;

/** SSM wants hierarchy names fully qualified; `psoxy/prod/X` is taken to mean `/psoxy/prod/X`. */
function wireName(name: string): string {
  return name.includes('/') && !name.startsWith('/') ? `/${name}` : name;
}

/**
 * AWS Systems Manager Parameter Store. Values are SecureStrings (the configured KMS key, else
 * `alias/aws/ssm`) with Intelligent-Tiering, so a token over the standard tier's 4 KB still fits;
 * the version is the parameter's Version. SSM keeps the last 100 versions and drops the oldest
 * unlabelled one itself. SSM has no conditional put: `expectedVersion` is a check then a put,
 * not atomic; the fleet lock is what keeps two writers apart. The lock is a String parameter
 * created with `Overwrite: false`, which SSM makes exclusive.
 */
export class SsmStore implements SecretStore {
  readonly description = STORE;
  private readonly client: SSMClient;
  private readonly kmsKeyId: string | undefined;

  constructor(opts: { kmsKeyId?: string; client?: SSMClient } = {}) {
    this.client = opts.client ?? new SSMClient(awsClientConfig());
    this.kmsKeyId = opts.kmsKeyId;
  }

  async read(names: readonly string[]): Promise<Map<string, StoredValue>> {
    const unique = [...new Set(names)];
    const batches: string[][] = [];
    for (let i = 0; i < unique.length; i += BATCH) batches.push(unique.slice(i, i + BATCH));
    const found = await Promise.all(batches.map((batch) => this.get(batch)));
    const out = new Map<string, StoredValue>();
    for (const batch of found) {
      for (const [name, stored] of batch) if (!isPlaceholder(stored.value)) out.set(name, stored);
    }
    return out;
  }

  async write(name: string, value: string, opts?: { expectedVersion?: string }): Promise<string> {
    if (opts?.expectedVersion !== undefined) {
      const current = (await this.get([name])).get(name);
      if (current?.version !== opts.expectedVersion) {
        throw new StoreError(
          'conflict',
          `${STORE}: ${name} is at version ${current?.version ?? '(none)'}, not the expected ${opts.expectedVersion}`,
        );
      }
    }
    const version = await this.put(name, value, 'SecureString', true);
    if (version === undefined)
      throw new StoreError('corrupt', `${STORE}: PutParameter on ${name} returned no version`);
    return String(version);
  }

  async tryLock(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const claim = newClaim(owner, ttlMs);
    if (await this.create(name, claim)) return true;
    const held = (await this.get([name])).get(name);
    // Released since our create: one more exclusive create decides.
    if (!held) return this.create(name, claim);
    const current = parseClaim(held.value);
    if (isLive(current)) return current.owner === owner;
    return this.takeOver(name, held, current, claim);
  }

  async unlock(name: string, owner: string): Promise<void> {
    const held = (await this.get([name])).get(name);
    const claim = held && parseClaim(held.value);
    if (claim?.owner !== owner || !isLive(claim, Date.now() + UNLOCK_MARGIN_MS)) return;
    await this.remove(name);
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  /**
   * Replaces a stale lock. Deleting it blindly could remove a lock another taker has just
   * installed, so the right to delete one stale instance is itself an exclusive create: a marker
   * parameter named after that instance. Only the marker's holder deletes, and only after
   * re-reading that the lock is still that instance; nobody else may delete it meanwhile, so the
   * check holds until the delete. The new lock is one more `Overwrite: false` create, which a
   * fresh contender may win instead. A marker past its own TTL (its taker died) passes the right
   * to the next level's marker.
   */
  private async takeOver(
    name: string,
    stale: StoredValue,
    staleClaim: LockClaim | undefined,
    claim: LockClaim,
  ): Promise<boolean> {
    // The nonce names the marker, so only a well-formed one (ours) is used as is.
    const instance = /^[a-zA-Z0-9_-]{1,36}$/.test(staleClaim?.nonce ?? '')
      ? (staleClaim?.nonce as string)
      : createHash('sha256').update(`${stale.version}:${stale.value}`).digest('hex').slice(0, 12);
    const markers: string[] = [];
    for (let level = 1; level <= TAKEOVER_LEVELS; level++) {
      const marker = `${wireName(name)}.takeover-${instance}-${level}`;
      markers.push(marker);
      const right = newClaim(claim.owner, TAKEOVER_TTL_MS);
      if (await this.create(marker, right)) {
        try {
          return await this.replace(name, stale, claim, right);
        } finally {
          // Ours and the lower levels' (their takers are dead). A marker left behind by a failed
          // delete is harmless: it names an instance that no longer exists.
          await Promise.all(markers.map((m) => this.remove(m).catch(() => undefined)));
        }
      }
      const other = (await this.get([marker])).get(marker);
      // Gone: its taker has finished. Live: someone is replacing the lock right now.
      if (!other || isLive(parseClaim(other.value))) return false;
    }
    return false;
  }

  private async replace(
    name: string,
    stale: StoredValue,
    claim: LockClaim,
    right: LockClaim,
  ): Promise<boolean> {
    const now = (await this.get([name])).get(name);
    if (now) {
      // Someone else's lock (the stale holder released it and another took it): leave it.
      if (now.version !== stale.version || now.value !== stale.value) return false;
      // Too slow: the right may have passed to the next level's taker.
      if (Date.now() >= Date.parse(right.expiresAt)) return false;
      await this.remove(name);
    }
    return this.create(name, claim);
  }

  /** One GetParameters call, placeholders included; absent names are missing from the map. */
  private async get(names: readonly string[]): Promise<Map<string, StoredValue>> {
    const wire = names.map(wireName);
    let found: GetParametersCommandOutput;
    try {
      found = await this.client.send(
        new GetParametersCommand({ Names: [...new Set(wire)], WithDecryption: true }),
      );
    } catch (err) {
      throw awsStoreError(STORE, 'ssm:GetParameters', names.join(', '), err);
    }
    const byName = new Map((found.Parameters ?? []).map((p) => [p.Name, p]));
    const out = new Map<string, StoredValue>();
    names.forEach((name, i) => {
      const p = byName.get(wire[i]);
      if (p?.Value !== undefined && p.Version !== undefined)
        out.set(name, { value: p.Value, version: String(p.Version) });
    });
    return out;
  }

  /** PutParameter; the new version, or undefined when `overwrite` is off and the name is taken. */
  private async put(
    name: string,
    value: string,
    type: 'SecureString' | 'String',
    overwrite: boolean,
  ): Promise<number | undefined> {
    try {
      const res = await this.client.send(
        new PutParameterCommand({
          Name: wireName(name),
          Value: value,
          Overwrite: overwrite,
          ...(type === 'SecureString'
            ? { Type: type, KeyId: this.kmsKeyId, Tier: 'Intelligent-Tiering' }
            : { Type: type }),
        }),
      );
      return res.Version;
    } catch (err) {
      if (!overwrite && awsErrorName(err) === 'ParameterAlreadyExists') return undefined;
      throw awsStoreError(STORE, 'ssm:PutParameter', name, err);
    }
  }

  /** Exclusive create of a lock or marker parameter (no secret in it, so a plain String). */
  private async create(name: string, claim: LockClaim): Promise<boolean> {
    return (await this.put(name, JSON.stringify(claim), 'String', false)) !== undefined;
  }

  private async remove(name: string): Promise<void> {
    try {
      await this.client.send(new DeleteParameterCommand({ Name: wireName(name) }));
    } catch (err) {
      if (awsErrorName(err) !== 'ParameterNotFound')
        throw awsStoreError(STORE, 'ssm:DeleteParameter', name, err);
    }
  }
}
