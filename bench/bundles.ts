import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { type BuiltBundle, buildAll } from '../scripts/build';

/**
 * Each built bundle's zip size and cold import time: the median over fresh Node processes of
 * `import()` of index.mjs plus one event-loop turn, so the cold start it begins (config, rules,
 * store client) has run too. The environment is a deployment's: its cloud's store, a cloud id.
 * No request is made, so no network is touched.
 */

const RUNS = 7;
const run = promisify(execFile);

const ENV: Record<BuiltBundle['name'], Record<string, string>> = {
  'aws-lambda': {
    SECRET_STORE: 'aws-ssm',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    // The cold start reads the store: a closed loopback port keeps it off the network.
    AWS_ENDPOINT_URL_SSM: 'http://127.0.0.1:9',
  },
  'gcp-function': {
    SECRET_STORE: 'gcp-secret-manager',
    GCP_PROJECT: 'jtp-bench',
    SECRET_MANAGER_EMULATOR_HOST: '127.0.0.1:9',
  },
};

const PROBE = `
const started = performance.now();
await import(process.argv[1]);
await new Promise((resolve) => setImmediate(resolve));
process.stdout.write(String(performance.now() - started));
`;

async function coldImportMs(bundle: BuiltBundle): Promise<number> {
  const { stdout } = await run(
    process.execPath,
    ['--input-type=module', '-e', PROBE, pathToFileURL(join(bundle.dir, 'index.mjs')).href],
    {
      env: {
        PATH: process.env.PATH,
        NODE_NO_WARNINGS: '1',
        LOG_LEVEL: 'silent',
        JIRA_CLOUD_ID: '11111111-2222-4333-8444-555555555555',
        ...ENV[bundle.name],
      },
    },
  );
  return Number(stdout);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

export async function benchBundles(): Promise<
  { name: string; zipBytes: number; coldImportMsMedian: number }[]
> {
  const built = await buildAll();
  const out = [];
  for (const bundle of built) {
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) times.push(await coldImportMs(bundle));
    out.push({
      name: bundle.name,
      zipBytes: bundle.zipBytes,
      coldImportMsMedian: Math.round(median(times) * 10) / 10,
    });
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.table(await benchBundles());
}
