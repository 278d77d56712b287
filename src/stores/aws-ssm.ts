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
import { extendedLease, isLive, type Lease, newLease, parseLease, serializeLease } from './lease';
import { queued } from './queue';
import {
  isPlaceholder,
  type SecretStore,
  type StoreClock,
  type StoredValue,
  StoreError,
  type WriteOptions,
} from './store';

const STORE = 'aws-ssm';
/** GetParameters takes at most 10 names. */
const BATCH = 10;
/** How long the right to supersede one state of a parameter lasts; past it, its holder is presumed dead. */
const RIGHT_TTL_MS = 60_000;
/**
 * A right's holder sends its change only this soon after asking for the right: the rest of the
 * TTL covers the change's own flight (the SDK's 3 attempts of at most 2 s + 5 s each, and backoff).
 */
const ACT_WITHIN_MS = 30_000;
/** Holders that may die holding a right before that state is left for an operator. */
const RIGHT_LEVELS = 3;

/** SSM wants hierarchy names fully qualified; `psoxy/prod/X` is taken to mean `/psoxy/prod/X`. */
function wireName(name: string): string {
  return name.includes('/') && !name.startsWith('/') ? `/${name}` : name;
}

/** A parameter as read: its value and Version. */
type Seen = StoredValue;

/**
 * AWS Systems Manager Parameter Store. Values are SecureStrings (the configured KMS key, else
 * `alias/aws/ssm`) with Intelligent-Tiering, so a token over the standard tier's 4 KB still fits;
 * the version is the parameter's Version. SSM keeps the last 100 versions and drops the oldest
 * unlabelled one itself.
 *
 * SSM's only atomic primitive is the exclusive create (`Overwrite: false`). Every conditional
 * change (a compare-and-swap write, a lease's take-over, extension and release) first takes the
 * right to supersede the exact state it read: an exclusive create of a marker parameter named
 * after that state (`<name>.next-<state>-<level>`). Only the right's holder re-reads that the
 * state is unchanged and changes it, then deletes its marker; docs/STORES.md gives the argument
 * and the one window left (a holder frozen between its check and its call for over 30 s).
 */
export class SsmStore implements SecretStore {
  readonly description = STORE;
  private readonly client: SSMClient;
  private readonly kmsKeyId: string | undefined;
  private readonly now: () => number;
  /** One lock operation at a time per lock in this process: its own extensions never race each other. */
  private readonly lockQueues = new Map<string, Promise<unknown>>();

  constructor(opts: { kmsKeyId?: string; client?: SSMClient } & StoreClock = {}) {
    this.client = opts.client ?? new SSMClient(awsClientConfig());
    this.kmsKeyId = opts.kmsKeyId;
    this.now = opts.now ?? (() => Date.now());
  }

  /** One GetParameters per 10 names, in parallel; a lock's value is its lease. */
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

  /**
   * A plain put, last writer wins; with `expectedVersion` under the right to supersede that
   * version; with `fence`, after reading the lease (in the same GetParameters as the version check).
   */
  async write(name: string, value: string, opts: WriteOptions = {}): Promise<string> {
    const { expectedVersion, fence } = opts;
    if (expectedVersion === undefined) {
      if (fence) this.checkFence((await this.get([fence.lock])).get(fence.lock), opts, name);
      return this.putSecret(name, value);
    }
    const outcome = await this.withRight(
      name,
      `v${expectedVersion}`,
      fence?.owner ?? 'writer',
      async (started) => {
        const seen = await this.get(fence ? [name, fence.lock] : [name]);
        const current = seen.get(name);
        if (current?.version !== expectedVersion) {
          throw new StoreError(
            'conflict',
            `${STORE}: ${name} is at version ${current?.version ?? '(none)'}, not the expected ${expectedVersion}`,
          );
        }
        if (fence) this.checkFence(seen.get(fence.lock), opts, name);
        this.checkInTime(started, name);
        return this.putSecret(name, value);
      },
    );
    if (outcome === undefined) {
      throw new StoreError(
        'conflict',
        `${STORE}: another writer is replacing version ${expectedVersion} of ${name}`,
      );
    }
    return outcome;
  }

  tryLock(name: string, owner: string, ttlMs: number, note?: string): Promise<boolean> {
    return queued(this.lockQueues, name, async () => {
      const lease = newLease(owner, ttlMs, this.now(), note);
      if (await this.create(name, serializeLease(lease))) return true;
      const held = (await this.get([name])).get(name);
      // Released since our create: one more exclusive create decides.
      if (!held) return this.create(name, serializeLease(lease));
      const current = parseLease(held.value);
      if (isLive(current, this.now())) {
        return (
          current.owner === owner &&
          this.replaceLease(name, held, current, extendedLease(current, ttlMs, this.now(), note))
        );
      }
      // Free in all but name (a placeholder, garbage) or expired: take it over.
      return this.replaceLease(name, held, current, lease);
    });
  }

  extendLock(name: string, owner: string, ttlMs: number, note?: string): Promise<boolean> {
    return queued(this.lockQueues, name, async () => {
      const held = (await this.get([name])).get(name);
      const current = held && parseLease(held.value);
      if (!held || !isLive(current, this.now()) || current.owner !== owner) return false;
      return this.replaceLease(name, held, current, extendedLease(current, ttlMs, this.now(), note));
    });
  }

  async unlock(name: string, owner: string): Promise<void> {
    await queued(this.lockQueues, name, async () => {
      const held = (await this.get([name])).get(name);
      const current = held && parseLease(held.value);
      if (!held || current?.owner !== owner) return;
      // Under the right, so a take-over that read the same lease cannot be deleted by us.
      await this.withRight(name, this.stateId(held, current), owner, async (started) => {
        if (!this.same((await this.get([name])).get(name), held)) return;
        this.checkInTime(started, name);
        await this.remove(name);
      });
    });
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  /**
   * Replaces the lock state `held` (lease `current`) by `next`: an extension (the same lease,
   * still live) or a take-over (expired, or garbage). False when someone else holds the right
   * or changed the lock since we read it.
   */
  private async replaceLease(
    name: string,
    held: Seen,
    current: Lease | undefined,
    next: Lease,
  ): Promise<boolean> {
    const done = await this.withRight(name, this.stateId(held, current), next.owner, async (started) => {
      if (!this.same((await this.get([name])).get(name), held)) return false;
      // An extension must still be live: a take-over of the expired lease may be under way.
      if (current?.owner === next.owner && current.nonce === next.nonce && !isLive(current, this.now()))
        return false;
      if (this.now() - started >= ACT_WITHIN_MS) return false;
      await this.put(name, serializeLease(next), 'String', true);
      return true;
    });
    return done ?? false;
  }

  /**
   * Runs `change` holding the exclusive right to supersede `state` of `name`; undefined when
   * someone else holds it (or holders died at every level). `change` gets the time the right was
   * asked for: it must not act once ACT_WITHIN_MS have passed. The markers (ours, and those of
   * lower levels, whose holders are dead) are deleted afterwards; one left behind by a failed
   * delete names a state that no longer exists (or expires like a dead holder's).
   */
  private async withRight<T>(
    name: string,
    state: string,
    owner: string,
    change: (started: number) => Promise<T>,
  ): Promise<T | undefined> {
    const markers = new Set<string>();
    let released = 0;
    for (let level = 1; level <= RIGHT_LEVELS; ) {
      const marker = `${wireName(name)}.next-${state}-${level}`;
      markers.add(marker);
      const started = this.now();
      if (await this.create(marker, serializeLease(newLease(owner, RIGHT_TTL_MS, started)))) {
        try {
          return await change(started);
        } finally {
          await Promise.all([...markers].map((m) => this.remove(m).catch(() => undefined)));
        }
      }
      const other = (await this.get([marker])).get(marker);
      // Live: someone holds the right now.
      if (other && isLive(parseLease(other.value), this.now())) return undefined;
      // Past its TTL: its holder died, and the next level grants the right.
      if (other) level++;
      // Gone: its holder is done (if it changed the state, our own re-read will see it); ask again.
      else if (++released > RIGHT_LEVELS) return undefined;
    }
    return undefined;
  }

  /** Names one state of a parameter for its marker: a lock by its lease's nonce (versions restart after a delete). */
  private stateId(held: Seen, lease: Lease | undefined): string {
    const nonce = lease?.nonce ?? '';
    const id = /^[a-zA-Z0-9_-]{1,36}$/.test(nonce)
      ? nonce
      : createHash('sha256').update(held.value).digest('hex').slice(0, 12);
    return `${id}-${held.version}`;
  }

  private same(now: Seen | undefined, seen: Seen): boolean {
    return now !== undefined && now.version === seen.version && now.value === seen.value;
  }

  private checkFence(lock: Seen | undefined, opts: WriteOptions, name: string): void {
    const fence = opts.fence;
    const lease = lock && parseLease(lock.value);
    if (fence && !(isLive(lease, this.now()) && lease.owner === fence.owner)) {
      throw new StoreError(
        'conflict',
        `${STORE}: lease ${fence.lock} lost by ${fence.owner}; ${name} not written`,
      );
    }
  }

  private checkInTime(started: number, name: string): void {
    if (this.now() - started >= ACT_WITHIN_MS) {
      throw new StoreError(
        'conflict',
        `${STORE}: too slow to replace ${name} safely (another writer may now hold the right); not written`,
      );
    }
  }

  private async putSecret(name: string, value: string): Promise<string> {
    const version = await this.put(name, value, 'SecureString', true);
    if (version === undefined)
      throw new StoreError('corrupt', `${STORE}: PutParameter on ${name} returned no version`);
    return String(version);
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
  private async create(name: string, value: string): Promise<boolean> {
    return (await this.put(name, value, 'String', false)) !== undefined;
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
