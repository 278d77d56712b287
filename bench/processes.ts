import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { secretNames } from '../src/secrets';
import { FileStore } from '../src/stores/file';
import { TokenClient } from '../src/tokens/atlassian';
import { installFamily } from '../src/tokens/bootstrap';
import { parseAccessToken } from '../src/tokens/values';

/**
 * The comparison as deployed: the sandbox, `serve` and the floor proxy (bench/floor-proxy.mjs) each
 * in their own process, the load generator in this one. Floor = load -> floor proxy -> sandbox;
 * proxied = load -> serve -> sandbox, same upstream, same token.
 */

const ROOT = join(import.meta.dirname, '..');
const SITE = '6f1c2b7e-4d3a-4e58-9b0f-3a7d51c8e296';

function start(
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
  argv = ['--import', 'tsx', 'src/cli/main.ts', ...args],
): Promise<{ proc: ChildProcess; match: RegExpExecArray }> {
  const proc = spawn(process.execPath, argv, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d;
      const match = ready.exec(out);
      if (!match) return;
      resolve({ proc, match });
      // From here on the output (an audit line per request) is drained unread.
      proc.stdout?.off('data', onData);
      proc.stdout?.resume();
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', (d: Buffer) => {
      out += d;
    });
    proc.once('exit', (code) => reject(new Error(`${args[0]} exited ${code}: ${out}`)));
  });
}

export interface ProcessPair {
  directUrl: string;
  proxyUrl: string;
  proxyPid: number;
  floorUrl: string;
  floorPid: number;
  accessToken: string;
  close(): Promise<void>;
}

export async function startProcesses(): Promise<ProcessPair> {
  const sandbox = await start(
    ['sandbox', '--port', '0'],
    { LOG_LEVEL: 'silent' },
    /sandbox on (http:\/\/127\.0\.0\.1:\d+)/,
  );
  const sandboxUrl = sandbox.match[1] as string;
  const dir = await mkdtemp(join(tmpdir(), 'jtp-bench-proc-'));
  const secretFile = join(dir, 'secrets.json');
  const store = new FileStore({ path: secretFile });
  const names = secretNames('PSOXY_JIRA_CLOUD_');
  const redirectUri = 'http://localhost:8080/callback';
  const { code } = (await (
    await fetch(`${sandboxUrl}/_sandbox/code`, { method: 'POST', body: JSON.stringify({ redirectUri }) })
  ).json()) as { code: string };
  await installFamily({
    store,
    names,
    tokenClient: new TokenClient(sandboxUrl),
    apiUrl: sandboxUrl,
    credentials: { clientId: 'sandbox-client-id', clientSecret: 'sandbox-client-secret' },
    code,
    redirectUri,
  });
  const raw = (await store.read([names.ACCESS_TOKEN])).get(names.ACCESS_TOKEN)?.value ?? '';
  const serve = await start(
    ['serve', '--port', '0'],
    {
      SECRET_FILE: secretFile,
      ATLASSIAN_AUTH_URL: sandboxUrl,
      ATLASSIAN_API_URL: sandboxUrl,
      JIRA_CLOUD_ID: SITE,
      LOG_LEVEL: 'info',
    },
    /listening on (http:\/\/127\.0\.0\.1:\d+)/,
  );
  const accessToken = parseAccessToken(raw)?.token ?? '';
  const floor = await start(
    ['floor'],
    { UPSTREAM: `${sandboxUrl}/ex/jira/${SITE}`, TOKEN: accessToken },
    /floor proxy on (http:\/\/127\.0\.0\.1:\d+)/,
    [join(ROOT, 'bench', 'floor-proxy.mjs')],
  );
  return {
    directUrl: `${sandboxUrl}/ex/jira/${SITE}`,
    proxyUrl: serve.match[1] as string,
    proxyPid: serve.proc.pid as number,
    floorUrl: floor.match[1] as string,
    floorPid: floor.proc.pid as number,
    accessToken,
    async close() {
      floor.proc.kill('SIGTERM');
      serve.proc.kill('SIGTERM');
      sandbox.proc.kill('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
