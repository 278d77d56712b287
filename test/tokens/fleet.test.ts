import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { SANDBOX_SITE, type Sandbox, startSandbox } from '../../src/sandbox';
import { FileStore } from '../../src/stores/file';
import { sandboxConfig, seedFamily } from '../helpers/proxy';

/**
 * Three `serve` processes share one file store against a strict sandbox (no reuse leeway, old
 * access tokens revoked at once), under load, with short-lived tokens; one is SIGKILLed midway.
 */

const LIFETIME_S = 3;
const MARGIN_S = 1;
const RUN_MS = 8000;
const ROOT = join(import.meta.dirname, '../..');

interface Instance {
  proc: ChildProcess;
  url: string;
  alive: boolean;
}

function startServe(env: Record<string, string>): Promise<Instance> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', '0'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout?.on('data', (d: Buffer) => {
      out += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve({ proc, url: m[1] as string, alive: true });
    });
    proc.stderr?.on('data', (d: Buffer) => {
      out += d;
    });
    proc.once('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
}

let sandbox: Sandbox | undefined;
let dir = '';
const instances: Instance[] = [];
afterAll(async () => {
  for (const i of instances) i.proc.kill('SIGKILL');
  await sandbox?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a fleet of serve processes on one store', () => {
  it('never reuses a refresh token and answers every request to a live instance', async () => {
    sandbox = await startSandbox({
      leewaySeconds: 0,
      accessTokenGraceSeconds: 0,
      accessTokenLifetimeSeconds: LIFETIME_S,
    });
    dir = await mkdtemp(join(tmpdir(), 'jtp-fleet-'));
    const secretFile = join(dir, 'secrets.json');
    const config = sandboxConfig(sandbox, secretFile);
    const store = new FileStore({ path: secretFile });
    await seedFamily(sandbox, store, config);
    const env = {
      SECRET_FILE: secretFile,
      ATLASSIAN_AUTH_URL: sandbox.url,
      ATLASSIAN_API_URL: sandbox.url,
      JIRA_CLOUD_ID: SANDBOX_SITE.id,
      REFRESH_MARGIN_SECONDS: String(MARGIN_S),
      LOCK_TTL_SECONDS: '5',
      LOG_LEVEL: 'silent',
    };
    instances.push(...(await Promise.all([startServe(env), startServe(env), startServe(env)])));

    const failures: string[] = [];
    let ok = 0;
    const refreshesBefore = sandbox.stats().refreshes;
    const started = Date.now();
    const worker = async (inst: Instance) => {
      while (Date.now() - started < RUN_MS && inst.alive) {
        try {
          const res = await fetch(`${inst.url}/rest/api/3/myself`);
          await res.arrayBuffer();
          if (!inst.alive) return;
          if (res.status === 200) ok++;
          else failures.push(`${inst.url}: ${res.status}`);
        } catch (err) {
          if (inst.alive) failures.push(`${inst.url}: ${(err as Error).message}`);
        }
      }
    };
    const killer = (async () => {
      await sleep(RUN_MS / 2);
      // Kill just after a refresh, so the victim is not the one holding the only new token.
      const refreshes = sandbox?.stats().refreshes ?? 0;
      while ((sandbox?.stats().refreshes ?? 0) === refreshes) await sleep(20);
      await sleep(300);
      const victim = instances[0] as Instance;
      victim.alive = false;
      victim.proc.kill('SIGKILL');
    })();
    await Promise.all([...instances.flatMap((i) => [worker(i), worker(i), worker(i), worker(i)]), killer]);

    const stats = sandbox.stats();
    // A token is refreshed once it has less than the margin left: one refresh per window.
    const windows = Math.ceil((Date.now() - started) / ((LIFETIME_S - MARGIN_S) * 1000));
    const refreshes = stats.refreshes - refreshesBefore;
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(100);
    expect(stats.reuseAfterLeeway).toBe(0);
    expect(stats.reuseWithinLeeway).toBe(0);
    expect(stats.familiesRevoked).toBe(0);
    expect(refreshes).toBeGreaterThanOrEqual(windows - 1);
    expect(refreshes).toBeLessThanOrEqual(windows + 1);
  }, 40_000);
});
