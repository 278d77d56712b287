import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_SITE, type Sandbox, startSandbox } from '../../src/sandbox';
import { secretNames } from '../../src/secrets';
import { FileStore } from '../../src/stores/file';
import { runCli } from '../helpers/cli';
import { sandboxConfig, seedFamily } from '../helpers/proxy';

/**
 * Messages that name the fix, as an operator meets them on the terminal: each is one line that
 * points the right way (no usage dump, no "run bootstrap" for a wrong path, no "try again later"
 * for a server that is not there, no warning noise from the cloud libraries).
 */

const names = secretNames('PSOXY_JIRA_CLOUD_');
const OTHER_SITE = '11111111-2222-4333-8444-555555555555';
let dir: string;
let sandbox: Sandbox;
/** A loopback port nothing listens on. */
let closedPort: number;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jtp-messages-'));
  sandbox = await startSandbox();
  const s: Server = await new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => resolve(srv));
  });
  closedPort = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
});
afterAll(async () => {
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
});

/** A bootstrapped file store for `s`; `due` leaves its access token expired. */
async function familyOf(s: Sandbox, due = false): Promise<Record<string, string>> {
  const file = join(dir, `family-${Math.random()}.json`);
  const store = new FileStore({ path: file });
  await seedFamily(s, store, sandboxConfig(s, file));
  if (due) await store.write(names.ACCESS_TOKEN, JSON.stringify({ token: 'old', expirationDate: 1 }));
  return { SECRET_FILE: file, ATLASSIAN_AUTH_URL: s.url, ATLASSIAN_API_URL: s.url };
}

describe('usage errors', () => {
  it('an unknown flag is the documented one line, no usage dump', async () => {
    const r = await runCli(['status', '--bogus'], {}).done;
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      "jira-token-proxy: unknown option '--bogus': see `jira-token-proxy status --help`\n",
    );
  });

  it('with --json, stdout holds only the JSON error', async () => {
    const r = await runCli(['refresh', '--json', '--bogus'], {}).done;
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({
      error: { code: 'usage', message: "unknown option '--bogus': see `jira-token-proxy refresh --help`" },
    });
  });
});

describe('a store file that is not there', () => {
  it.each([
    ['missing', async (file: string) => file, 'does not exist'],
    ['empty', async (file: string) => writeFile(file, '').then(() => file), 'is empty'],
  ])('%s: status, status --live and refresh say so and name SECRET_FILE', async (_, make, what) => {
    const file = await make(join(dir, `store-${Math.random()}.json`));
    const line =
      `the store file ${file} ${what}: check SECRET_FILE (a sandbox removes its own sandbox-<port>-secrets.json ` +
      'when it stops), or run `npx jira-token-proxy bootstrap` to fill it';
    const env = { SECRET_FILE: file };
    const status = await runCli(['status', '--live', '--json'], env).done;
    expect(status.code).toBe(1);
    const report = JSON.parse(status.stdout) as { problems: string[]; warnings: string[] };
    expect(report.problems).toEqual([line]);
    expect(report.warnings).toEqual([]);
    const refresh = await runCli(['refresh'], env).done;
    expect(refresh.code).toBe(1);
    expect(refresh.stderr).toBe(`jira-token-proxy: ${line}\n`);
  });
});

describe('the token endpoint and the proxy unreachable', () => {
  it('a stopped sandbox: refresh names the token endpoint URL and the cause', async () => {
    const stopped = await startSandbox();
    const env = await familyOf(stopped, true);
    await stopped.close();
    const r = await runCli(['refresh'], env).done;
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `jira-token-proxy: Atlassian's token endpoint is unavailable (token endpoint ${stopped.url}/oauth/token ` +
        'connection failed: ECONNREFUSED; check ATLASSIAN_AUTH_URL)\n',
    );
  });

  it('status --live names the cause when the API gateway cannot be reached', async () => {
    const env = { ...(await familyOf(sandbox)), ATLASSIAN_API_URL: `http://127.0.0.1:${closedPort}` };
    const r = await runCli(['status', '--live', '--json'], env).done;
    expect((JSON.parse(r.stdout) as { warnings: string[] }).warnings).toEqual([
      `live check failed: could not reach http://127.0.0.1:${closedPort} (ECONNREFUSED); check ATLASSIAN_API_URL`,
    ]);
  });

  it('test-calls shows the cause of "fetch failed" and does not count the skipped row', async () => {
    const r = await runCli(['test-calls', '--url', `http://127.0.0.1:${closedPort}`], {}).done;
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("'fetch failed (ECONNREFUSED)'");
    expect(r.stdout).toContain("'skipped: no issue found'");
    expect(r.stderr).toBe(
      'jira-token-proxy: 12 of 12 calls failed (health, server info, users, groups, fields, statuses, ' +
        'search/jql, search/jql POST, approximate count, worklogs updated, projects, boards)\n',
    );
  });
});

describe('JIRA_CLOUD_ID', () => {
  const mismatch =
    `JIRA_CLOUD_ID mismatch: JIRA_CLOUD_ID is ${OTHER_SITE} but the stored token family is for site ` +
    `${SANDBOX_SITE.id}, so every call would answer 404: set JIRA_CLOUD_ID to ${SANDBOX_SITE.id}, or run ` +
    `\`npx jira-token-proxy bootstrap --cloud-id ${OTHER_SITE}\``;

  it('not the family’s site: a mismatch in status --live and in refresh, and the live check checks the family’s site', async () => {
    const env = { ...(await familyOf(sandbox)), JIRA_CLOUD_ID: OTHER_SITE };
    const status = await runCli(['status', '--live', '--json'], env).done;
    const report = JSON.parse(status.stdout) as { problems: string[]; live: { myself: number } };
    expect(report.problems).toEqual([mismatch]);
    expect(report.live.myself).toBe(200);
    const refresh = await runCli(['refresh'], env).done;
    expect(refresh.code).toBe(2);
    expect(refresh.stdout).toMatch(/^not due: /);
    expect(refresh.stderr).toBe(`jira-token-proxy: ${mismatch}\n`);
  });

  it('a site URL instead of the cloud id gets the tenant_info hint', async () => {
    const r = await runCli(['status'], { JIRA_CLOUD_ID: 'https://acme.atlassian.net/jira/your-work' }).done;
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'jira-token-proxy: configuration: JIRA_CLOUD_ID: must be the site cloud id (a UUID), not its address: ' +
        'open https://acme.atlassian.net/_edge/tenant_info and use its cloudId, or the cloud id `bootstrap` prints\n',
    );
  });
});

describe('cloud credentials missing altogether', () => {
  const noAws = () => ({
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: undefined,
    AWS_SECRET_ACCESS_KEY: undefined,
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    AWS_CONFIG_FILE: join(dir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
    AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
    AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
  });
  const NO_AWS =
    'no AWS credentials found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where a role provides them';

  it('AWS store: says there are none, not that AWS rejected them', async () => {
    const r = await runCli(['status', '--json'], {
      ...noAws(),
      SECRET_STORE: 'aws-ssm',
      AWS_ENDPOINT_URL_SSM: `http://127.0.0.1:${closedPort}`,
    }).done;
    const { problems } = JSON.parse(r.stdout) as { problems: string[] };
    expect(problems).toEqual([`cannot read the store: aws-ssm: ${NO_AWS}`]);
  });

  it('test-calls against a Lambda function URL says it once, before any call', async () => {
    const r = await runCli(
      ['test-calls', '--url', 'https://abcdefghij0123456789.lambda-url.us-east-1.on.aws'],
      noAws(),
    ).done;
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`jira-token-proxy: SigV4 signing for the Lambda function URL: ${NO_AWS}\n`);
  });
});
