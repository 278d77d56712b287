import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/sandbox';
import { secretNames } from '../../src/secrets';
import { FileStore } from '../../src/stores/file';
import { runCli } from '../helpers/cli';
import { sandboxConfig, seedFamily } from '../helpers/proxy';
import { awsTestEnv } from '../servers/aws-json';
import { type SsmServer, startSsmServer } from '../servers/ssm-server';

/**
 * What every command shares, as a user meets it: `--version`, `--json` keeping stdout to one
 * JSON document (errors included), a reader that stops early, a bad --url, a missing AWS region.
 */

const names = secretNames('PSOXY_JIRA_CLOUD_');
let dir: string;
let sandbox: Sandbox;
let ssm: SsmServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jtp-entry-'));
  [sandbox, ssm] = await Promise.all([startSandbox(), startSsmServer()]);
});
afterAll(async () => {
  await Promise.all([sandbox.close(), ssm.close()]);
  await rm(dir, { recursive: true, force: true });
});

const emptyStore = () => ({ SECRET_FILE: join(dir, `empty-${Math.random()}.json`) });

/** A store the bootstrap filled, with the access token already expired so `refresh` refreshes. */
async function dueFamily(): Promise<Record<string, string>> {
  const secretFile = join(dir, `family-${Math.random()}.json`);
  const store = new FileStore({ path: secretFile });
  await seedFamily(sandbox, store, sandboxConfig(sandbox, secretFile));
  await store.write(
    names.ACCESS_TOKEN,
    JSON.stringify({ token: 'expired', expirationDate: Date.now() - 1000 }),
  );
  return { SECRET_FILE: secretFile, ATLASSIAN_AUTH_URL: sandbox.url, ATLASSIAN_API_URL: sandbox.url };
}

describe('the CLI entry', () => {
  it('--version prints the package version', async () => {
    const { version } = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
    const r = await runCli(['--version'], {}).done;
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${version}\n`);
  });

  it('refresh --json: stdout is the report alone, the refresh logs go to stderr', async () => {
    const r = await runCli(['refresh', '--json'], { ...(await dueFamily()), LOG_LEVEL: 'info' }).done;
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ refreshed: true });
    // The logs are there, on the other stream.
    expect(r.stderr).toMatch(/"level":"INFO"/);
  });

  it.each([
    ['refresh --json, empty store', ['refresh', '--json'], {}, 'bootstrap'],
    ['status --json, bad SECRET_STORE', ['status', '--json'], { SECRET_STORE: 'vault' }, 'SECRET_STORE'],
  ])('%s: exit 1, the error as JSON with a code and message on stdout', async (_, args, extra, says) => {
    const r = await runCli(args, { ...emptyStore(), ...extra }).done;
    expect(r.code).toBe(1);
    const body = JSON.parse(r.stdout) as { error: { code: string; message: string } };
    expect(body.error.code).toMatch(/^[a-z_]+$/);
    expect(body.error.message).toContain(says);
    expect(r.stderr).toBe('');
  });

  it('status into a reader that has gone (`status | head -1`): no EPIPE trace, status exit code', async () => {
    const run = runCli(['status'], emptyStore());
    // The reader closes its end before the first line is written.
    run.proc.stdout?.destroy();
    const r = await run.done;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
  });

  it('sandbox --port on a busy port: exit 1, one line naming it and --port', async () => {
    const busy = await new Promise<Server>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => resolve(s));
    });
    const { port } = busy.address() as { port: number };
    try {
      const r = await runCli(['sandbox', '--port', String(port)], {}).done;
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        `jira-token-proxy: cannot listen on 127.0.0.1:${port}: port ${port} is already in use by another program; choose another port with --port N\n`,
      );
    } finally {
      busy.close();
    }
  });

  it('test-calls --url without a scheme: exit 1, one line with what to type', async () => {
    const r = await runCli(['test-calls', '--url', 'localhost:8787'], {}).done;
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'jira-token-proxy: --url localhost:8787 has no http:// or https:// in front: try --url http://localhost:8787\n',
    );
  });
});

describe('an AWS store without a region', () => {
  /** AWS_REGION unset, no profile files, no instance metadata: the SDK has nowhere to find one. */
  const noRegion = (extra: Record<string, string | undefined> = {}) => ({
    ...awsTestEnv({ AWS_ENDPOINT_URL_SSM: ssm.url }),
    SECRET_STORE: 'aws-ssm',
    AWS_REGION: undefined,
    AWS_DEFAULT_REGION: undefined,
    AWS_PROFILE: undefined,
    AWS_CONFIG_FILE: join(dir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-aws-credentials'),
    ...extra,
  });

  it('is refused at start-up with one line naming AWS_REGION', async () => {
    const r = await runCli(['status'], noRegion({ AWS_DEFAULT_REGION: 'eu-west-1' })).done;
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'jira-token-proxy: configuration: AWS_REGION: required when SECRET_STORE=aws-ssm ' +
        '(the AWS SDK for JavaScript ignores AWS_DEFAULT_REGION); set it, or region in the AWS profile\n',
    );
  });

  it('a region in the AWS profile is accepted, as the SDK accepts it', async () => {
    const config = join(dir, 'aws-config');
    await writeFile(
      config,
      '[profile ops]\nregion = eu-west-1\naws_access_key_id = test\naws_secret_access_key = test\n',
    );
    const r = await runCli(
      ['status'],
      noRegion({
        AWS_CONFIG_FILE: config,
        AWS_PROFILE: 'ops',
        AWS_ACCESS_KEY_ID: undefined,
        AWS_SECRET_ACCESS_KEY: undefined,
      }),
    ).done;
    // The store was reached (an empty one): broken for missing secrets, not for the region.
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')[0]).toMatch(/^BROKEN {2}\(aws-ssm/);
    expect(r.stdout).toContain('missing PSOXY_JIRA_CLOUD_CLIENT_ID');
    expect(ssm.calls).toContain('GetParameters');
  });
});
