import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SSMClient } from '@aws-sdk/client-ssm';
import { afterEach, beforeEach, expect } from 'vitest';
import { lambdaHandler } from '../../src/adapters/lambda';
import type { Config } from '../../src/config';
import type { RuntimeParts } from '../../src/runtime';
import { type Sandbox, type SandboxOptions, startSandbox } from '../../src/sandbox';
import { secretNames } from '../../src/secrets';
import { SsmStore } from '../../src/stores/aws-ssm';
import { FileStore } from '../../src/stores/file';
import { type Lease, parseLease } from '../../src/stores/lease';
import type { SecretStore } from '../../src/stores/store';
import type { RefreshReport } from '../../src/tokens/lifecycle';
import { lambdaContext } from '../functions/events';
import { closedAfterEach, type Instance, startInstance, TokenGate } from '../helpers/interleave';
import { sandboxConfig, seedFamily, testClock } from '../helpers/proxy';
import { startSsmServer } from '../servers/ssm-server';

/**
 * The world of an interleaving test: one token family in one store (the file store, or SSM's
 * loopback protocol server), a sandbox with Atlassian's 10-minute leeway and linked access-token
 * grace, one clock for all of them that the test moves, and instances started on that store.
 */

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export type StoreKind = 'file' | 'aws-ssm';

export interface World {
  sandbox: Sandbox;
  clock: ReturnType<typeof testClock>;
  config: Config;
  names: ReturnType<typeof secretNames>;
  /** A new client of the shared store, on the shared clock. */
  openStore(): SecretStore;
  /** An instance as `serve` runs it, on a store of its own (wrapped as given). */
  instance(o?: {
    store?: SecretStore;
    authUrl?: string;
    tokenTimings?: RuntimeParts['tokenTimings'];
    /** Settings of this instance that differ from the world's (e.g. `lockTtlMs`). */
    config?: Partial<Config>;
  }): Promise<Instance>;
  gate(): Promise<TokenGate>;
  /** The scheduled run, through the Lambda handler of a fresh instance (EventBridge's event). */
  scheduledRun(remainingMs?: number): Promise<RefreshReport>;
  get(i: Instance, path?: string): Promise<Response>;
  /** What the stored REFRESH_TOKEN is now. */
  storedRefresh(): Promise<string | undefined>;
  /** The fleet lease as stored now (expired or not), undefined when the lock is free. */
  storedLease(): Promise<Lease | undefined>;
}

export function interleavingWorld(kind: StoreKind, sandboxOpts: SandboxOptions = {}): World {
  const track = closedAfterEach();
  const w = {} as World;
  let dir = '';
  let ssm: Awaited<ReturnType<typeof startSsmServer>> | undefined;
  beforeEach(async () => {
    const clock = testClock();
    const sandbox = track(await startSandbox({ now: clock.now, ...sandboxOpts }));
    dir = await mkdtemp(join(tmpdir(), 'jtp-interleave-'));
    const secretFile = join(dir, 'secrets.json');
    if (kind === 'aws-ssm') ssm = track(await startSsmServer());
    const openStore = (): SecretStore =>
      ssm
        ? new SsmStore({
            client: new SSMClient({
              region: 'us-east-1',
              endpoint: ssm.url,
              credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
            }),
            now: clock.now,
          })
        : new FileStore({ path: secretFile, now: clock.now });
    // The instances are given their store; the configuration only names the sandbox and the secrets.
    const config = sandboxConfig(sandbox, secretFile);
    const names = secretNames(config.secretPrefix);
    // The test's own view of the store (seeding, what is stored now), closed after the test.
    const observer = openStore();
    track({ close: async () => observer.close?.() });
    await seedFamily(sandbox, observer, config);
    await forgetIssuer(observer, names.TOKEN_FAMILY);
    Object.assign(w, {
      sandbox,
      clock,
      config,
      names,
      openStore,
      instance: async (o = {}) =>
        track(
          await startInstance({
            sandbox,
            config: { ...config, ...o.config },
            store: o.store ?? openStore(),
            now: clock.now,
            authUrl: o.authUrl,
            tokenTimings: o.tokenTimings,
          }),
        ),
      gate: async () => track(await new TokenGate(sandbox.url).start()),
      scheduledRun: async (remainingMs = 30_000) => {
        const i = await w.instance();
        const handler = lambdaHandler(async () => i.app);
        return (await handler({ action: 'refresh' }, lambdaContext(remainingMs))) as RefreshReport;
      },
      get: (i: Instance, path = '/rest/api/3/myself') => fetch(`${i.url}${path}`),
      storedRefresh: async () => (await observer.read([names.REFRESH_TOKEN])).get(names.REFRESH_TOKEN)?.value,
      storedLease: async () => {
        const lock = (await observer.read([names.LOCK])).get(names.LOCK)?.value;
        return lock ? parseLease(lock) : undefined;
      },
    } satisfies World);
  });
  afterEach(async () => {
    ssm = undefined;
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  return w;
}

/**
 * The family survives: two hours later (far past the leeway, so any spent token stored would now
 * revoke it) a fresh instance refreshes and answers, and Atlassian never saw a reuse after the leeway.
 */
export async function expectFamilyAlive(w: World): Promise<void> {
  w.clock.advance(2 * HOUR);
  const fresh = await w.instance();
  const res = await w.get(fresh);
  expect(res.status, await res.clone().text()).toBe(200);
  const s = w.sandbox.stats();
  expect(s.reuseAfterLeeway, 'a spent refresh token was sent after the leeway').toBe(0);
  expect(s.familiesRevoked).toBe(0);
}

/**
 * The token gates relay the sandbox's own token endpoint under another URL, so the family is
 * recorded without its issuer (as one bootstrapped before 0.2): the issuer check
 * (test/tokens/family-issuer.test.ts) would otherwise refuse every gated instance.
 */
async function forgetIssuer(store: SecretStore, name: string): Promise<void> {
  const stored = (await store.read([name])).get(name);
  if (!stored) throw new Error(`${name} was not seeded`);
  const { authUrl: _, ...family } = JSON.parse(stored.value) as Record<string, unknown>;
  await store.write(name, JSON.stringify(family));
}
