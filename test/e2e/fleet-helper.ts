import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import type { Sandbox, SandboxStats } from '../../src/sandbox';
import { parseLease } from '../../src/stores/lease';
import { type CliRun, runCli } from '../helpers/cli';

/**
 * `serve` child processes and the fleet load of test/tokens/fleet.test.ts, for any store: every
 * instance gets steady traffic, one is SIGKILLed just after a refresh, and the outcome is what
 * the fleet test asserts (failures to live instances, refreshes per window, reuse).
 */

export interface ServeProcess {
  run: CliRun;
  url: string;
  alive: boolean;
}

/** Starts `serve --port 0` and resolves once it prints the URL it listens on. */
export async function startServe(env: Record<string, string>): Promise<ServeProcess> {
  const run = runCli(['serve', '--port', '0'], env);
  const m = await run.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
  return { run, url: m[1] as string, alive: true };
}

export function kill(p: ServeProcess): void {
  p.alive = false;
  p.run.proc.kill('SIGKILL');
}

export interface FleetOutcome {
  ok: number;
  failures: string[];
  refreshes: number;
  /**
   * Refresh windows of (lifetime - margin), one refresh due in each: `fullWindows` the run
   * covered entirely (each must hold one), `windows` it touched (none may hold two).
   */
  fullWindows: number;
  windows: number;
  stats: SandboxStats;
  elapsedMs: number;
}

export async function runFleetLoad(o: {
  sandbox: Sandbox;
  instances: ServeProcess[];
  runMs: number;
  lifetimeSeconds: number;
  marginSeconds: number;
  workersPerInstance?: number;
  /**
   * The owner of the fleet lease if one is live (the store's LOCK as read now). The kill waits
   * until the victim does not hold it: a holder killed inside its lease is the crash tests' case
   * (test/tokens/crash-points.ts), finished through its intent; here it would only make every
   * other instance wait out the lease.
   */
  leaseOwner: () => Promise<string | undefined>;
  /**
   * Pause of each worker between requests. Twelve workers keep requests in flight on every
   * instance across each refresh, which is what the test is about; an unpaced loop only burned
   * both cores (a third of the suite's CPU) for no more overlap.
   */
  paceMs?: number;
}): Promise<FleetOutcome> {
  const { sandbox, instances, runMs } = o;
  const failures: string[] = [];
  let ok = 0;
  const refreshesBefore = sandbox.stats().refreshes;
  const started = Date.now();
  const pace = o.paceMs ?? 50;
  const worker = async (inst: ServeProcess) => {
    while (Date.now() - started < runMs && inst.alive) {
      try {
        const res = await fetch(`${inst.url}/rest/api/3/myself`);
        const body = await res.text();
        if (!inst.alive) return;
        if (res.status === 200) ok++;
        else failures.push(`${inst.url}: ${res.status} ${body.slice(0, 200)}`);
      } catch (err) {
        if (inst.alive) failures.push(`${inst.url}: ${(err as Error).message}`);
      }
      await sleep(pace);
    }
  };
  const killer = (async () => {
    await sleep(runMs / 2);
    // Kill just after a refresh, once its new access token is in use and the victim holds no
    // lease: the lifecycle hands a new access token out only after the rotated refresh token is
    // stored, so no instance then holds the only copy. (A kill before that loses the family against a sandbox without leeway, as
    // docs/ARCHITECTURE.md says; a fixed delay raced the store's write on a loaded machine.)
    const seen = sandbox.stats().refreshes;
    const known = new Set<string>();
    let scanned = 0;
    const newTokenInUse = () => {
      let found = false;
      for (; scanned < sandbox.requests.length; scanned++) {
        const auth = sandbox.requests[scanned]?.headers.authorization;
        if (typeof auth !== 'string' || !auth.startsWith('Bearer ')) continue;
        if (sandbox.stats().refreshes > seen && !known.has(auth)) found = true;
        known.add(auth);
      }
      return found;
    };
    const victim = instances[0] as ServeProcess;
    const holds = async () => (await o.leaseOwner())?.includes(`:${victim.run.proc.pid}:`) ?? false;
    while ((!newTokenInUse() || (await holds())) && Date.now() - started < runMs) await sleep(20);
    kill(victim);
  })();
  const perInstance = o.workersPerInstance ?? 4;
  await Promise.all([
    ...instances.flatMap((i) => Array.from({ length: perInstance }, () => worker(i))),
    killer,
  ]);
  const elapsedMs = Date.now() - started;
  const stats = sandbox.stats();
  return {
    ok,
    failures,
    refreshes: stats.refreshes - refreshesBefore,
    fullWindows: Math.floor(elapsedMs / ((o.lifetimeSeconds - o.marginSeconds) * 1000)),
    windows: Math.ceil(elapsedMs / ((o.lifetimeSeconds - o.marginSeconds) * 1000)),
    stats,
    elapsedMs,
  };
}

/**
 * What a fleet run must show on any store: every request to a live instance answered, no refresh
 * token ever sent twice, no family revoked, and one refresh per token lifetime (give or take one).
 */
export function expectFleetHeld(out: FleetOutcome): void {
  expect(out.failures, 'every request to a live instance succeeds').toEqual([]);
  expect(out.ok).toBeGreaterThan(100);
  expect(out.stats.reuseAfterLeeway, 'a spent refresh token was sent again').toBe(0);
  expect(out.stats.reuseWithinLeeway, 'a spent refresh token was sent again').toBe(0);
  expect(out.stats.familiesRevoked).toBe(0);
  // A token is refreshed once it has less than the margin left: one refresh per window.
  expect(out.refreshes).toBeGreaterThanOrEqual(out.fullWindows - 1);
  expect(out.refreshes).toBeLessThanOrEqual(out.windows + 1);
}

/** The live lease's owner in a stored LOCK value (undefined when free or expired). */
export function liveOwner(value: string | undefined): string | undefined {
  const lease = value ? parseLease(value) : undefined;
  return lease && lease.expiresAt > Date.now() ? lease.owner : undefined;
}
