import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProxyError } from '../../src/errors';
import { scrub } from '../../src/log';
import { saltLoader } from '../../src/salt';
import { FileStore } from '../../src/stores/file';
import { InstrumentedStore } from '../helpers/instrumented-store';

const SALT = 'PSOXY_SALT';

describe('saltLoader', () => {
  let dir: string;
  let path: string;
  let store: InstrumentedStore;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jtp-salt-'));
    path = join(dir, 'secrets.json');
    store = new InstrumentedStore(new FileStore({ path }));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('reads the salt once, however many calls, and redacts it from logs', async () => {
    const value = 'salt-value-for-the-loader-test-7f3a';
    await store.write(SALT, value);
    const load = saltLoader(store, SALT);
    const before = store.calls.read;
    expect(await Promise.all([load(), load()])).toEqual([value, value]);
    expect(await load()).toBe(value);
    expect(store.calls.read - before).toBe(1);
    expect(scrub(`salt is ${value}`)).not.toContain(value);
  });

  it('a missing salt is not_configured, naming the secret, and the next call reads again', async () => {
    const load = saltLoader(store, SALT);
    const err = await load().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProxyError);
    expect((err as ProxyError).code).toBe('not_configured');
    expect((err as ProxyError).message).toContain(SALT);
    await store.write(SALT, 'salt-written-after-the-first-failure');
    expect(await load()).toBe('salt-written-after-the-first-failure');
  });

  it('an unreadable store is store_unavailable, and is not cached', async () => {
    // A directory where the secrets file should be: the file store cannot read it.
    await mkdir(path);
    const load = saltLoader(store, SALT);
    const err = await load().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProxyError);
    expect((err as ProxyError).code).toBe('store_unavailable');
    await rm(path, { recursive: true });
    await writeFile(path, '');
    await store.write(SALT, 'salt-after-the-store-came-back');
    expect(await load()).toBe('salt-after-the-store-came-back');
  });
});
