import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';
import { SANDBOX_CLIENT } from '../../src/sandbox';
import { childBundle } from '../helpers/cli';

const ROOT = join(import.meta.dirname, '../..');

it('runSandboxCommand prints one line (URL, client, authorize URL), serves, and stops on SIGTERM', async () => {
  // src/sandbox/cli.ts, compiled once per run by test/global-setup.ts.
  const entry = JSON.stringify(pathToFileURL(childBundle('sandbox-cli')).href);
  const script = `import(${entry}).then((m) => m.runSandboxCommand({ port: 0 }))`;
  const proc = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stderr.on('data', (d: Buffer) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  try {
    const line = await new Promise<string>((resolve, reject) => {
      proc.stdout.on('data', (d: Buffer) => {
        out += d;
        if (out.includes('\n')) resolve(out);
      });
      proc.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    expect(line.trim().split('\n')).toHaveLength(1);
    expect(line).toContain(SANDBOX_CLIENT.clientId);
    expect(line).toContain(SANDBOX_CLIENT.clientSecret);
    const url = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(line)?.[1] as string;
    const authorize = /(http:\/\/127\.0\.0\.1:\d+\/authorize\?\S+)/.exec(line)?.[1] as string;
    expect(authorize.startsWith(`${url}/authorize?`)).toBe(true);
    const consent = await fetch(authorize, { redirect: 'manual' });
    expect(consent.status).toBe(302);
    expect(new URL(consent.headers.get('location') as string).searchParams.get('code')).toBeTruthy();
  } finally {
    proc.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
});
