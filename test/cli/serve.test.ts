import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CliRun, runCli } from '../helpers/cli';

/**
 * `serve` in sandbox mode (`npm start` with nothing configured) as a new operator meets it: a
 * second start on the same port, and the CLI in another terminal talking to the running sandbox.
 */

let dir: string;
let env: Record<string, string | undefined>;
const running: CliRun[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jtp-serve-'));
  // Nothing configured, as on a fresh checkout: sandbox mode.
  env = {
    SECRET_FILE: join(dir, 'secrets.json'),
    JIRA_CLOUD_ID: undefined,
    SECRET_STORE: undefined,
    ATLASSIAN_AUTH_URL: undefined,
    ATLASSIAN_API_URL: undefined,
  };
});
afterEach(async () => {
  for (const run of running.splice(0)) {
    run.proc.kill('SIGTERM');
    await run.done;
  }
  await rm(dir, { recursive: true, force: true });
});

async function startSandboxServe(): Promise<{ run: CliRun; url: string; port: string; banner: string }> {
  const run = runCli(['serve', '--port', '0'], env);
  running.push(run);
  const [banner, url, port] = await run.waitFor(
    /SANDBOX MODE[\s\S]*try: curl (http:\/\/127\.0\.0\.1:(\d+))\/rest\/api\/3\/myself[\s\S]*export [^\n]+\n/,
  );
  return { run, url: url as string, port: port as string, banner };
}

// Each test starts two or three CLI processes (tsx compiles each): more than the default 20 s
// on a busy machine.
describe('serve in sandbox mode', { timeout: 60_000 }, () => {
  it('a second start on the same port: exit 1, one line naming the port and --port/PORT; the first keeps working', async () => {
    const first = await startSandboxServe();
    const sandboxFile = /token family in (\S+)/.exec(first.banner)?.[1] as string;
    const before = await readFile(sandboxFile, 'utf8');

    const second = await runCli(['serve', '--port', first.port], env).done;
    expect(second.code).toBe(1);
    expect(second.stdout).toBe('');
    const lines = second.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`port ${first.port} is already in use`);
    expect(lines[0]).toMatch(/--port N or PORT=N/);

    // The first instance's token family is untouched and it still answers through it.
    expect(await readFile(sandboxFile, 'utf8')).toBe(before);
    const res = await fetch(`${first.url}/rest/api/3/myself`);
    expect(res.status).toBe(200);
  });

  it('the banner prints the exports that let `status` in another terminal read the running sandbox', async () => {
    const { banner } = await startSandboxServe();
    const exported = /export (.+)/.exec(banner)?.[1] as string;
    const vars = Object.fromEntries(exported.split(' ').map((kv) => kv.split('=', 2) as [string, string]));
    expect(Object.keys(vars).sort()).toEqual(['ATLASSIAN_API_URL', 'ATLASSIAN_AUTH_URL', 'SECRET_FILE']);

    const status = await runCli(['status'], { ...env, ...vars }).done;
    expect(status.code).toBe(0);
    expect(status.stdout.split('\n')[0]).toBe(`HEALTHY  (file:${vars.SECRET_FILE})`);
    // And refresh reaches the sandbox's token endpoint through the same exports.
    const refresh = await runCli(['refresh', '--json'], { ...env, ...vars }).done;
    expect(refresh.code).toBe(0);
    expect(JSON.parse(refresh.stdout)).toMatchObject({ refreshed: expect.any(Boolean) });
  });
});
