import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
import { inject } from 'vitest';
import { SANDBOX_CLIENT } from '../../src/sandbox';

export const ROOT = join(import.meta.dirname, '../..');

/** A program test/global-setup.ts compiled for this run: `cli`, `file-worker` or `sandbox-cli`. */
export const childBundle = (name: 'cli' | 'file-worker' | 'sandbox-cli') =>
  join(inject('childBundles'), `${name}.js`);

/**
 * The CLI bundled with its packages into a world-readable temporary directory, for a run as
 * another user: that user may not enter the clone (a checkout in root's 0700 home), so it can load
 * neither the run's bundle nor node_modules from there. The cloud SDKs stay out: only the cloud
 * stores load them.
 */
export async function standaloneCli(): Promise<{ path: string; remove(): Promise<void> }> {
  const outdir = await mkdtemp(join(tmpdir(), 'jtp-cli-'));
  await chmod(outdir, 0o755);
  await build({
    entryPoints: { cli: join(ROOT, 'src/cli/main.ts') },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: [
      '@aws-sdk/*',
      '@aws-crypto/*',
      '@smithy/*',
      '@google-cloud/*',
      'google-auth-library',
      'google-gax',
    ],
    // Bundled CommonJS packages call require(): give the ES module one.
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
  return { path: join(outdir, 'cli.js'), remove: () => rm(outdir, { recursive: true, force: true }) };
}

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
 * An `undefined` in `env` unsets that variable; `as` runs `as.cli` (from `standaloneCli`) as
 * another user, in that file's directory.
 */
export function runCli(
  args: string[],
  env: Record<string, string | undefined>,
  stdin?: string,
  as?: { uid: number; gid: number; cli: string },
): CliRun {
  const proc = spawn(process.execPath, [as?.cli ?? childBundle('cli'), ...args], {
    cwd: as ? dirname(as.cli) : ROOT,
    env: { ...process.env, LOG_LEVEL: 'silent', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(as && { uid: as.uid, gid: as.gid }),
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
