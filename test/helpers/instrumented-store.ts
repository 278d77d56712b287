import type { SecretStore, StoredValue, WriteOptions } from '../../src/stores/store';
import { StoreError } from '../../src/stores/store';

/**
 * Wraps a real store to count calls and inject store faults (the lifecycle is what is under
 * test; the store underneath is the real file store).
 */
export class InstrumentedStore implements SecretStore {
  /** `tryLock` counts extensions too: both are one lock call. */
  calls = { read: 0, write: 0, tryLock: 0, unlock: 0 };
  /** Names whose next writes fail (a count per name), as a store outage would. */
  failWrites = new Map<string, number>();
  readonly description: string;

  constructor(private readonly inner: SecretStore) {
    this.description = `instrumented ${inner.description}`;
  }

  get total(): number {
    return this.calls.read + this.calls.write + this.calls.tryLock + this.calls.unlock;
  }

  read(names: readonly string[]): Promise<Map<string, StoredValue>> {
    this.calls.read++;
    return this.inner.read(names);
  }

  async write(name: string, value: string, opts?: WriteOptions): Promise<string> {
    this.calls.write++;
    const failures = this.failWrites.get(name) ?? 0;
    if (failures > 0) {
      this.failWrites.set(name, failures - 1);
      throw new StoreError('unavailable', `injected outage writing ${name}`);
    }
    return this.inner.write(name, value, opts);
  }

  tryLock(name: string, owner: string, ttlMs: number, note?: string): Promise<boolean> {
    this.calls.tryLock++;
    return this.inner.tryLock(name, owner, ttlMs, note);
  }

  extendLock(name: string, owner: string, ttlMs: number, note?: string): Promise<boolean> {
    this.calls.tryLock++;
    return this.inner.extendLock(name, owner, ttlMs, note);
  }

  unlock(name: string, owner: string): Promise<void> {
    this.calls.unlock++;
    return this.inner.unlock(name, owner);
  }
}
