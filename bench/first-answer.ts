import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SSMClient } from '@aws-sdk/client-ssm';
import { ROOT } from '../scripts/build';
import { PSOXY_SCOPES, SANDBOX_CLIENT, SANDBOX_SITE, type Sandbox, startSandbox } from '../src/sandbox';
import { secretNames } from '../src/secrets';
import { SsmStore } from '../src/stores/aws-ssm';
import { GcpSecretManagerStore } from '../src/stores/gcp-secret-manager';
import type { SecretStore } from '../src/stores/store';
import { TokenClient } from '../src/tokens/atlassian';
import { installFamily } from '../src/tokens/bootstrap';
import { startGcpSecretManagerServer } from '../test/servers/gcp-secret-manager-server';
import { startSsmServer } from '../test/servers/ssm-server';

/**
 * A cold function's first answer, measured from outside: a fresh Node process imports the entry
 * and serves one forwarded GET, store reads included (the store is its loopback protocol server,
 * the upstream the Atlassian sandbox, both seeded with one token family). The floor does the same
 * job with nothing but its store's client: one read of the access token, one forward.
 */

const run = promisify(execFile);
const PROJECT = 'jtp-bench';
const PREFIX = 'PSOXY_JIRA_CLOUD_';
const TARGET = '/rest/api/3/myself';
const PLACEHOLDER = 'fill me: run npx jira-token-proxy bootstrap';

export type FunctionName = 'aws-lambda' | 'gcp-function';

// argv: the function, its module, the request target, the Lambda event (JSON). The Functions
// Framework is loaded before the clock starts: on Cloud Run it is up before it imports the function.
const PROBE = `
const [kind, entry, target, event] = process.argv.slice(1);
let status;
let started;
if (kind === 'aws-lambda') {
  const context = { awsRequestId: 'bench', functionName: 'bench', getRemainingTimeInMillis: () => 30000 };
  started = performance.now();
  const mod = await import(entry);
  status = (await mod.handler(JSON.parse(event), context)).statusCode;
} else {
  const functions = await import('@google-cloud/functions-framework');
  const { getTestServer } = await import('@google-cloud/functions-framework/testing');
  started = performance.now();
  const mod = await import(entry);
  // The floor leaves registering to us; the function registers itself as it loads.
  if (mod.floor) functions.http('floor', mod.floor);
  const server = getTestServer(mod.floor ? 'floor' : 'jiraTokenProxy');
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const res = await fetch('http://127.0.0.1:' + server.address().port + target);
  await res.text();
  status = res.status;
  server.close();
}
const ms = performance.now() - started;
if (status !== 200) throw new Error('first answer was ' + status);
process.stdout.write(String(ms));
process.exit(0);
`;

export interface FirstAnswerWorld {
  env: Record<FunctionName, Record<string, string>>;
  /** One cold first answer of `entry` (the function's index.mjs or its floor), in ms. */
  firstAnswerMs(kind: FunctionName, entry: string): Promise<number>;
  close(): Promise<void>;
}

/** The sandbox and both stores' protocol servers, each holding a live token family. */
export async function startFirstAnswerWorld(): Promise<FirstAnswerWorld> {
  const sandbox = await startSandbox();
  const ssm = await startSsmServer();
  const gcp = await startGcpSecretManagerServer();
  const common = {
    ATLASSIAN_AUTH_URL: sandbox.url,
    ATLASSIAN_API_URL: sandbox.url,
    JIRA_CLOUD_ID: SANDBOX_SITE.id,
  };
  const env: Record<FunctionName, Record<string, string>> = {
    'aws-lambda': { ...common, ...ssm.env, SECRET_STORE: 'aws-ssm', AWS_REGION: 'us-east-1' },
    'gcp-function': { ...common, ...gcp.env(PROJECT), SECRET_STORE: 'gcp-secret-manager' },
  };
  await seed(
    sandbox,
    new SsmStore({
      client: new SSMClient({
        region: 'us-east-1',
        endpoint: ssm.url,
        credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
      }),
    }),
  );
  await seed(sandbox, new GcpSecretManagerStore({ project: PROJECT, emulatorHost: gcp.host }));
  const event = JSON.parse(await readFile(join(ROOT, 'test/fixtures/events/function-url-v2.json'), 'utf8'));
  Object.assign(event, { rawPath: TARGET, rawQueryString: '' });
  event.requestContext.http.path = TARGET;
  return {
    env,
    async firstAnswerMs(kind, entry) {
      const { stdout } = await run(
        process.execPath,
        ['--input-type=module', '-e', PROBE, kind, entry, TARGET, JSON.stringify(event)],
        {
          cwd: ROOT,
          env: { PATH: process.env.PATH, NODE_NO_WARNINGS: '1', LOG_LEVEL: 'silent', ...env[kind] },
        },
      );
      return Number(stdout);
    },
    async close() {
      await Promise.all([ssm.close(), gcp.close(), sandbox.close()]);
    },
  };
}

async function seed(sandbox: Sandbox, store: SecretStore & { close(): Promise<void> }): Promise<void> {
  const redirectUri = 'http://localhost:8080/callback';
  try {
    await installFamily({
      store,
      names: secretNames(PREFIX),
      tokenClient: new TokenClient(sandbox.url),
      apiUrl: sandbox.url,
      credentials: { clientId: SANDBOX_CLIENT.clientId, clientSecret: SANDBOX_CLIENT.clientSecret },
      code: sandbox.mintCode({ scopes: PSOXY_SCOPES, redirectUri }),
      redirectUri,
    });
    // As the infra creates it: a placeholder until the first refresh outcome.
    await store.write(`${PREFIX}REFRESH_OUTCOME`, PLACEHOLDER);
  } finally {
    await store.close();
  }
}
