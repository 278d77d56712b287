import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_CLIENT, startSandbox } from '../../src/sandbox';
import { secretNames } from '../../src/secrets';
import { FileStore } from '../../src/stores/file';
import { TokenClient } from '../../src/tokens/atlassian';
import { installFamily } from '../../src/tokens/bootstrap';
import { withFleetLock } from '../../src/tokens/fleet-lock';
import { InstrumentedStore } from '../helpers/instrumented-store';
import { sandboxConfig, seedFamily } from '../helpers/proxy';

/** The one fleet lock of the lifecycle and the bootstrap, over a real file store. */

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jtp-lock-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const store = (name: string) => new InstrumentedStore(new FileStore({ path: join(dir, `${name}.json`) }));
const busy = () => new Error('busy');

describe('withFleetLock', () => {
  it('runs the work under the lock and releases it, unless the work keeps it', async () => {
    const s = store('keep');
    expect(await withFleetLock(s, 'L', { ttlMs: 60_000, waitMs: 0, owner: 'a', busy }, async () => 1)).toBe(
      1,
    );
    expect(await s.tryLock('L', 'b', 60_000)).toBe(true);
    await s.unlock('L', 'b');
    await withFleetLock(s, 'L', { ttlMs: 60_000, waitMs: 0, owner: 'a', busy }, async (lock) => lock.keep());
    expect(await s.tryLock('L', 'b', 60_000)).toBe(false);
  });

  it('while another holds it: takes what `meanwhile` offers, or gives up with `busy` after the wait', async () => {
    const s = store('wait');
    expect(await s.tryLock('L', 'other', 60_000)).toBe(true);
    let polls = 0;
    const got = await withFleetLock(
      s,
      'L',
      {
        ttlMs: 60_000,
        waitMs: 5_000,
        pollMs: 5,
        owner: 'me',
        busy,
        meanwhile: async () => (++polls === 3 ? { result: 'theirs' } : { held: false }),
      },
      async () => 'mine',
    );
    expect(got).toBe('theirs');
    await expect(
      withFleetLock(s, 'L', { ttlMs: 60_000, waitMs: 20, pollMs: 5, owner: 'me', busy }, async () => 'mine'),
    ).rejects.toThrow('busy');
  });

  it("while the holder's lease is live a waiter only looks: its next take comes once the lease is gone", async () => {
    const s = store('live');
    expect(await s.tryLock('L', 'other', 60_000)).toBe(true);
    let looks = 0;
    const got = await withFleetLock(
      s,
      'L',
      {
        ttlMs: 60_000,
        waitMs: 5_000,
        pollMs: 5,
        owner: 'me',
        busy,
        meanwhile: async () => {
          // Four looks at a live lease (no take between them), then the holder releases it.
          if (++looks <= 4) return { held: true };
          await s.unlock('L', 'other');
          return { held: false };
        },
      },
      async () => 'mine',
    );
    expect(got).toBe('mine');
    // The holder's take, our refused one, then only our take once it was released.
    expect(s.calls.tryLock).toBe(3);
  });

  it('the bootstrap takes it with LOCK_TTL_SECONDS, not a fixed 60 s', async () => {
    const sandbox = await startSandbox();
    try {
      const s = store('bootstrap');
      const ttls: number[] = [];
      const tryLock = s.tryLock.bind(s);
      s.tryLock = (name, owner, ttlMs) => {
        ttls.push(ttlMs);
        return tryLock(name, owner, ttlMs);
      };
      const config = sandboxConfig(sandbox, join(dir, 'bootstrap.json'), { LOCK_TTL_SECONDS: '17' });
      const redirectUri = 'http://localhost:8080/callback';
      await installFamily({
        store: s,
        names: secretNames(config.secretPrefix),
        tokenClient: new TokenClient(sandbox.url),
        apiUrl: sandbox.url,
        credentials: { clientId: SANDBOX_CLIENT.clientId, clientSecret: SANDBOX_CLIENT.clientSecret },
        code: sandbox.mintCode({ redirectUri }),
        redirectUri,
        lockTtlMs: config.lockTtlMs,
      });
      expect(ttls).toEqual([17_000]);
      // The default (no setting) is the proxies' default.
      await seedFamily(sandbox, s, config);
      expect(ttls.at(-1)).toBe(60_000);
    } finally {
      await sandbox.close();
    }
  });
});
