import { afterEach, describe, expect, it, vi } from 'vitest';
import { type AppStart, coldStart } from '../../src/adapters/cold-start';
import type { App } from '../../src/app';
import { createRuntime } from '../../src/runtime';
import { startProxy, type TestProxy } from '../helpers/proxy';

/** The shared cold start of both function adapters, over the real runtime and a seeded file store. */
describe('coldStart', () => {
  let p: TestProxy | undefined;
  let app: App | undefined;
  afterEach(async () => {
    await app?.close();
    await p?.close();
    app = p = undefined;
  });

  it('reads the token family before the first invocation, and that invocation reads nothing more', async () => {
    p = await startProxy();
    const proxy = p;
    proxy.store.calls = { read: 0, write: 0, tryLock: 0, unlock: 0 };
    const start: AppStart = coldStart({}, () => createRuntime({}, proxy.config, proxy.store));
    app = await start();
    await vi.waitFor(() => expect(proxy.store.calls.read).toBe(1));
    const res = await app.fetch(new Request('http://proxy/'), { rawTarget: '/rest/api/3/myself' });
    expect(res.status).toBe(200);
    expect(proxy.store.total).toBe(1);
    // Every invocation awaits the same start.
    expect(await start()).toBe(app);
  });
});
