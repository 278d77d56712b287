import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { type BuiltBundle, buildAll, bundleOptions, ROOT } from '../scripts/build';
import { startFirstAnswerWorld } from './first-answer';

/**
 * Each built bundle's zip size and cold import, beside its floor: an esbuild bundle of its store's
 * SDK client alone, built with the same settings. A cold import is the median over fresh Node
 * processes, the bundle's and its floor's runs alternating so both see the same machine load. For a
 * function bundle it lasts until its cloud's store chunk has loaded (the cold start it begins has
 * then built the store client), so it counts what the split build defers, too. The GCP probe loads
 * the Functions Framework first: on Cloud Run the framework is up before it imports the function.
 * The environment is a deployment's, with the store on a closed loopback port: no network.
 *
 * Beside them, the first answer of a cold function (bench/first-answer.ts): import, store reads
 * and one forwarded GET, against the store's loopback protocol server and the sandbox, beside its
 * own floor (the store's client alone, one read of the access token, one forward).
 */

const RUNS = 21;
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

const STORE: Record<BuiltBundle['name'], string> = {
  'aws-lambda': 'aws-ssm',
  'gcp-function': 'gcp-secret-manager',
};

/**
 * The floors of each bundle, built like it: `client` is the floor issue 18 defines (the store's
 * client alone), `clientAndRead` also starts the first read, as the cold start does. For GCP,
 * `grpcClient` is the client as the library builds it by default (gRPC), which the store no
 * longer uses (src/stores/gcp-client.ts): the figure shows what choosing REST saved.
 */
type FloorName = 'client' | 'clientAndRead' | 'grpcClient';
type PerFloor<T> = Record<'client' | 'clientAndRead', T> & { grpcClient?: T };
const FLOORS: Record<BuiltBundle['name'], PerFloor<string>> = {
  'aws-lambda': {
    client: 'bench/floors/ssm-client.ts',
    clientAndRead: 'bench/floors/ssm-client-first-read.ts',
  },
  'gcp-function': {
    client: 'bench/floors/secret-manager-client.ts',
    clientAndRead: 'bench/floors/secret-manager-client-first-read.ts',
    grpcClient: 'bench/floors/secret-manager-client-grpc.ts',
  },
};

/**
 * What Cloud Run has loaded before it imports the function: the framework's `main.js` requires its
 * server, and so Express, before it loads the user function. The package exports neither, so
 * Express is named as the framework resolves it.
 */
const FRAMEWORK_AS_LOADED = [
  '@google-cloud/functions-framework',
  pathToFileURL(
    createRequire(createRequire(import.meta.url).resolve('@google-cloud/functions-framework')).resolve(
      'express',
    ),
  ).href,
];

/** The first answer's floors: the store's client alone, one read of the access token, one forward. */
const FIRST_ANSWER_FLOOR: Record<BuiltBundle['name'], string> = {
  'aws-lambda': 'bench/floors/ssm-first-answer.ts',
  'gcp-function': 'bench/floors/secret-manager-first-answer.ts',
};

// argv: the module, then what to have loaded before the clock starts (comma-separated), then what
// to await after.
const PROBE = `
const [entry, before, after] = process.argv.slice(1);
for (const m of before ? before.split(',') : []) await import(m);
const started = performance.now();
await import(entry);
if (after) await import(after);
await new Promise((resolve) => setImmediate(resolve));
process.stdout.write(String(performance.now() - started));
// The store's failing first read (a closed port) may retry for a while; the figure is taken.
process.exit(0);
`;

async function coldImportMs(entry: string, env: Record<string, string>, before = '', after = '') {
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', PROBE, entry, before, after], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      NODE_NO_WARNINGS: '1',
      LOG_LEVEL: 'silent',
      JIRA_CLOUD_ID: '11111111-2222-4333-8444-555555555555',
      ...env,
    },
  });
  return Number(stdout);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

export interface BundleFigures {
  name: BuiltBundle['name'];
  zipBytes: number;
  coldImportMs: number;
  /** Each floor's median cold import. */
  floorMs: PerFloor<number>;
  /** The cold first answer (import, store reads, one forwarded GET) and its floor's, medians. */
  firstAnswerMs: number;
  firstAnswerFloorMs: number;
  /** Median of each round's first answer over its floor's. */
  firstAnswerRatio: number;
  /**
   * Median of each round's own ratio to a floor: a round's runs follow each other on the same
   * machine, while the machine's speed drifts between rounds.
   */
  ratio: PerFloor<number>;
}

export async function benchBundles(): Promise<BundleFigures[]> {
  const built = await buildAll();
  const floorDir = await mkdtemp(join(tmpdir(), 'jtp-floor-'));
  const world = await startFirstAnswerWorld();
  try {
    const out: BundleFigures[] = [];
    for (const bundle of built) {
      const floors = Object.entries(FLOORS[bundle.name]) as [FloorName, string][];
      const floorUrls = new Map<FloorName, string>();
      for (const [name, entry] of floors) {
        const dir = join(floorDir, `${bundle.name}-${name}`);
        await build(bundleOptions(join(ROOT, entry), dir, []));
        floorUrls.set(name, pathToFileURL(join(dir, 'index.mjs')).href);
      }
      const url = (f: string) => pathToFileURL(join(bundle.dir, f)).href;
      const storeChunk = bundle.storeChunks[STORE[bundle.name]];
      if (!storeChunk) throw new Error(`${bundle.name}: no ${STORE[bundle.name]} chunk in the build`);
      const framework = bundle.name === 'gcp-function' ? FRAMEWORK_AS_LOADED.join(',') : '';
      const ours: number[] = [];
      const theirs = new Map<FloorName, number[]>(floors.map(([name]) => [name, []]));
      for (let i = 0; i < RUNS; i++) {
        ours.push(await coldImportMs(url('index.mjs'), ENV[bundle.name], framework, url(storeChunk)));
        for (const [name, floorUrl] of floorUrls)
          theirs.get(name)?.push(await coldImportMs(floorUrl, ENV[bundle.name], framework));
      }
      const per = (f: (ms: number[]) => number) =>
        Object.fromEntries([...theirs].map(([name, ms]) => [name, f(ms)])) as PerFloor<number>;
      const floorMs = per(median);
      const ratio = per((ms) => median(ours.map((o, i) => o / (ms[i] as number))));
      const firstDir = join(floorDir, `${bundle.name}-first-answer`);
      await build(bundleOptions(join(ROOT, FIRST_ANSWER_FLOOR[bundle.name]), firstDir, []));
      const firstFloorUrl = pathToFileURL(join(firstDir, 'index.mjs')).href;
      const first = { ours: [] as number[], floor: [] as number[] };
      for (let i = 0; i < RUNS; i++) {
        first.ours.push(await world.firstAnswerMs(bundle.name, url('index.mjs')));
        first.floor.push(await world.firstAnswerMs(bundle.name, firstFloorUrl));
      }
      out.push({
        name: bundle.name,
        zipBytes: bundle.zipBytes,
        coldImportMs: median(ours),
        floorMs,
        ratio,
        firstAnswerMs: median(first.ours),
        firstAnswerFloorMs: median(first.floor),
        firstAnswerRatio: median(first.ours.map((o, i) => o / (first.floor[i] as number))),
      });
    }
    return out;
  } finally {
    await world.close();
    await rm(floorDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.table(await benchBundles());
}
