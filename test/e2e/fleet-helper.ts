import { setTimeout as sleep } from 'node:timers/promises';
import type { Sandbox, SandboxStats } from '../../src/sandbox';
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
}): Promise<FleetOutcome> {
  const { sandbox, instances, runMs } = o;
  const failures: string[] = [];
  let ok = 0;
  const refreshesBefore = sandbox.stats().refreshes;
  const started = Date.now();
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
    }
  };
  const killer = (async () => {
    await sleep(runMs / 2);
    // Kill just after a refresh, so the victim is not the one holding the only new token.
    const seen = sandbox.stats().refreshes;
    while (sandbox.stats().refreshes === seen && Date.now() - started < runMs) await sleep(20);
    await sleep(300);
    kill(instances[0] as ServeProcess);
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
