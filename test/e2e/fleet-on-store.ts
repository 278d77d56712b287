import { describe, it } from 'vitest';
import { SANDBOX_SITE } from '../../src/sandbox';
import { secretNames } from '../../src/secrets';
import { sandboxConfig, seedFamily } from '../helpers/proxy';
import { type CloudStore, strictWorld, tally } from './backends';
import { expectFleetHeld, liveOwner, runFleetLoad, startServe } from './fleet-helper';

/**
 * The fleet test of test/tokens/fleet.test.ts against each cloud store's loopback server: three
 * `serve` processes share the store, against a strict sandbox (no reuse leeway, an old access
 * token dies as soon as a newer one is issued), with short-lived tokens, under load; one is
 * SIGKILLed just after a refresh. The fleet lock and compare-and-swap are the store's own.
 */

const LIFETIME_S = 3;
const MARGIN_S = 1;
const RUN_MS = 6000;

/** The suite for one store; each store has a test file of its own, so the two workers share them out. */
export function describeFleetOnStore(kind: CloudStore): void {
  describe(`${kind}: a fleet of serve processes on one store`, () => {
    const world = strictWorld(kind, LIFETIME_S);

    it('never reuses a refresh token and answers every request to a live instance', async () => {
      const store = world.backend.openStore();
      try {
        await seedFamily(world.sandbox, store, sandboxConfig(world.sandbox, 'unused-secret-file'));
      } finally {
        await store.close?.();
      }
      const env = {
        ...world.backend.env,
        ATLASSIAN_AUTH_URL: world.sandbox.url,
        ATLASSIAN_API_URL: world.sandbox.url,
        JIRA_CLOUD_ID: SANDBOX_SITE.id,
        REFRESH_MARGIN_SECONDS: String(MARGIN_S),
        LOCK_TTL_SECONDS: '5',
      };
      world.processes.push(...(await Promise.all([startServe(env), startServe(env), startServe(env)])));

      const opsBefore = world.backend.ops().length;
      const out = await runFleetLoad({
        sandbox: world.sandbox,
        instances: world.processes,
        runMs: RUN_MS,
        lifetimeSeconds: LIFETIME_S,
        marginSeconds: MARGIN_S,
        leaseOwner: async () => liveOwner(world.backend.value(secretNames('PSOXY_JIRA_CLOUD_').LOCK)),
      });
      const ops = world.backend.ops().slice(opsBefore);
      process.stdout.write(
        `[e2e] ${kind} fleet: ${out.ok} ok in ${out.elapsedMs} ms, ${out.refreshes} refreshes ` +
          `(${out.windows} windows), ${ops.length} store calls (${(ops.length / Math.max(1, out.refreshes)).toFixed(1)} per refresh): ${JSON.stringify(tally(ops))}\n`,
      );

      expectFleetHeld(out);
    }, 40_000);
  });
}
