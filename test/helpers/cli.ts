import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { inject } from 'vitest';
import { SANDBOX_CLIENT } from '../../src/sandbox';

export const ROOT = join(import.meta.dirname, '../..');

/** A program test/global-setup.ts compiled for this run: `cli`, `file-worker` or `sandbox-cli`. */
export const childBundle = (name: 'cli' | 'file-worker' | 'sandbox-cli') =>
  join(inject('childBundles'), `${name}.js`);

/** `bootstrap` for the sandbox's client, non-interactive: the code and the redirect URI it was issued for. */
export const bootstrapFlags = (code: string, redirectUri: string, extra: string[] = []) => [
  'bootstrap',
  '--client-id',
  SANDBOX_CLIENT.clientId,
  '--client-secret',
  SANDBOX_CLIENT.clientSecret,
  '--code',
  code,
  '--redirect-uri',
  redirectUri,
  ...extra,
];

export interface CliRun {
  proc: ChildProcess;
  /** Resolves when stderr+stdout so far match `pattern`. */
  waitFor(pattern: RegExp): Promise<RegExpExecArray>;
  write(line: string): void;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/**
 * Runs `jira-token-proxy <args>` as a real process: src/cli/main.ts, the entry the bin runs
 * through tsx, compiled once per test run by test/global-setup.ts.
 * An `undefined` in `env` unsets that variable; `as` runs it as another user (the tests run as root).
 */
export function runCli(
  args: string[],
  env: Record<string, string | undefined>,
  stdin?: string,
  as?: { uid: number; gid: number },
): CliRun {
  const proc = spawn(process.execPath, [childBundle('cli'), ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'silent', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
    ...as,
  });
  let stdout = '';
  let stderr = '';
  const watchers: { pattern: RegExp; resolve: (m: RegExpExecArray) => void }[] = [];
  const check = () => {
    for (const w of [...watchers]) {
      const m = w.pattern.exec(stdout + stderr);
      if (m) {
        watchers.splice(watchers.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  proc.stdout?.on('data', (d: Buffer) => {
    stdout += d;
    check();
  });
  proc.stderr?.on('data', (d: Buffer) => {
    stderr += d;
    check();
  });
  if (stdin !== undefined) proc.stdin?.end(stdin);
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    proc.once('exit', (code) => resolve({ code, stdout, stderr })),
  );
  return {
    proc,
    done,
    write: (line) => proc.stdin?.write(`${line}\n`),
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        watchers.push({ pattern, resolve });
        check();
        void done.then(() => reject(new Error(`process ended before ${pattern}: ${stdout}${stderr}`)));
      }),
  };
}
