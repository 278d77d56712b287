import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BuiltBundle, buildAll, ROOT } from '../../scripts/build';
import { loadConfig } from '../../src/config';
import { SANDBOX_SITE, type Sandbox, startSandbox } from '../../src/sandbox';
import { SsmStore } from '../../src/stores/aws-ssm';
import { GcpSecretManagerStore } from '../../src/stores/gcp-secret-manager';
import { seedFamily } from '../helpers/proxy';
import { setEnv } from '../servers/aws-json';
import {
  type GcpSecretManagerServer,
  startGcpSecretManagerServer,
} from '../servers/gcp-secret-manager-server';
import { type SsmServer, startSsmServer } from '../servers/ssm-server';
import { functionUrlEvent, httpApiEvent, refreshEvent, restApiEvent } from './events';
import { unzip } from './unzip';

/**
 * `npm run build`'s output itself: each bundle imported in a fresh Node process and invoked like
 * the cloud would, each with its own cloud's secret store (the SDK bundled) on a loopback server.
 */

const run = promisify(execFile);
// Inside the repository, so the GCP bundle resolves the Functions Framework as it would once installed.
const OUT = join(ROOT, 'dist', `.test-${process.pid}`);
const PROJECT = 'jtp-test';

let built: BuiltBundle[];
let sandbox: Sandbox;
let ssm: SsmServer;
let gcp: GcpSecretManagerServer;

const bundle = (name: BuiltBundle['name']) => built.find((b) => b.name === name) as BuiltBundle;
/** index.mjs and every chunk: the code splitting spreads the bundle over several files. */
async function code(name: BuiltBundle['name']): Promise<string> {
  const dir = bundle(name).dir;
  const files = (await readdir(dir)).filter((f) => f.endsWith('.mjs')).sort();
  return (await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')))).join('\n');
}
const base = () => ({
  ATLASSIAN_AUTH_URL: sandbox.url,
  ATLASSIAN_API_URL: sandbox.url,
  JIRA_CLOUD_ID: SANDBOX_SITE.id,
  LOG_LEVEL: 'silent',
});

async function child(script: string, args: string[], env: Record<string, string>) {
  const { stdout } = await run(process.execPath, [join(import.meta.dirname, 'fixtures', script), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, NODE_NO_WARNINGS: '1', ...env },
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) as string);
}

beforeAll(async () => {
  [built, sandbox, ssm, gcp] = await Promise.all([
    buildAll(OUT),
    startSandbox(),
    startSsmServer(),
    startGcpSecretManagerServer(),
  ]);
  const restore = setEnv(ssm.env);
  try {
    const store = new SsmStore({ kmsKeyId: undefined });
    await seedFamily(sandbox, store, loadConfig(base()));
    await store.close?.();
  } finally {
    restore();
  }
  const store = new GcpSecretManagerStore({ project: PROJECT, emulatorHost: gcp.host });
  await seedFamily(sandbox, store, loadConfig(base()));
  await store.close?.();
});

afterAll(async () => {
  await Promise.all([sandbox?.close(), ssm?.close(), gcp?.close()]);
  await rm(OUT, { recursive: true, force: true });
});

describe('bundles', () => {
  it('keep the Lambda zip under 1 MB and each cloud out of the other one, the sandbox out of both', async () => {
    const lambda = await code('aws-lambda');
    const gcf = await code('gcp-function');
    expect(bundle('aws-lambda').zipBytes).toBeLessThan(1_000_000);
    // Booleans, not the bundles: a failure would print megabytes of minified code.
    const has = (text: string, marker: string) => text.includes(marker);
    expect(has(lambda, 'AmazonSSM'), 'SSM in the Lambda bundle').toBe(true);
    expect(has(lambda, 'google.cloud.secretmanager.v1'), 'Secret Manager in the Lambda bundle').toBe(false);
    expect(has(gcf, 'google.cloud.secretmanager.v1'), 'Secret Manager in the GCP bundle').toBe(true);
    expect(has(gcf, 'AmazonSSM'), 'SSM in the GCP bundle').toBe(false);
    for (const text of [lambda, gcf])
      expect(has(text, 'sandbox-client-secret'), 'the sandbox in a bundle').toBe(false);
    const manifest = JSON.parse(await readFile(join(bundle('gcp-function').dir, 'package.json'), 'utf8'));
    expect(manifest).toMatchObject({
      type: 'module',
      main: 'index.mjs',
      engines: { node: '22' },
      dependencies: { '@google-cloud/functions-framework': expect.stringMatching(/^\d+\.\d+\.\d+$/) },
    });
  });

  it('keep the store SDK and yaml out of the cold import: chunks index.mjs loads only on demand', async () => {
    for (const name of ['aws-lambda', 'gcp-function'] as const) {
      const index = await readFile(join(bundle(name).dir, 'index.mjs'), 'utf8');
      const store = name === 'aws-lambda' ? 'aws-ssm' : 'gcp-secret-manager';
      const chunk = bundle(name).storeChunks[store] as string;
      expect(chunk).toMatch(/\.mjs$/);
      expect(index).toContain(`import("./${chunk}")`);
      // Everything index.mjs imports statically, transitively: none of it is the store's chunk or its SDK.
      const statics = new Set<string>();
      const queue = [index];
      for (let text = queue.pop(); text !== undefined; text = queue.pop()) {
        for (const [, file] of text.matchAll(/\bfrom\s*"\.\/([^"]+)"/g)) {
          if (!file || statics.has(file)) continue;
          statics.add(file);
          queue.push(await readFile(join(bundle(name).dir, file), 'utf8'));
        }
      }
      expect(statics.size).toBeGreaterThan(0);
      expect([...statics]).not.toContain(chunk);
      for (const file of statics) {
        const text = await readFile(join(bundle(name).dir, file), 'utf8');
        expect(text, file).not.toMatch(/AmazonSSM|google\.cloud\.secretmanager\.v1|yaml/i);
      }
    }
  });

  it('zip index.mjs, every chunk (and package.json for GCP) and nothing else, as in dist/', async () => {
    for (const name of ['aws-lambda', 'gcp-function'] as const) {
      const entries = unzip(await readFile(bundle(name).zip));
      const onDisk = (await readdir(bundle(name).dir)).filter((f) => !f.endsWith('.map')).sort();
      expect([...entries.keys()]).toEqual(onDisk);
      expect([...entries.keys()]).toEqual(bundle(name).files);
      expect(entries.get('index.mjs')).toEqual(await readFile(join(bundle(name).dir, 'index.mjs')));
    }
  });

  it('build byte-for-byte the same zips from the same input', async () => {
    const again = await buildAll(OUT);
    expect(again.map((b) => b.zipSha256)).toEqual(built.map((b) => b.zipSha256));
  });

  it('Lambda: the built handler serves Function URL, HTTP API and REST events and the scheduled refresh', async () => {
    const events = [
      functionUrlEvent(),
      functionUrlEvent({ target: '/rest/api/3/users/../myself' }),
      restApiEvent({ path: '/rest/api/3/search/jql', query: { jql: ['project = SBX'], maxResults: ['1'] } }),
      httpApiEvent({ target: '/_health' }),
      refreshEvent(),
    ];
    const out = await child(
      'invoke-lambda-bundle.mjs',
      [join(bundle('aws-lambda').dir, 'index.mjs'), JSON.stringify(events)],
      {
        ...ssm.env,
        ...base(),
        SECRET_STORE: 'aws-ssm',
      },
    );
    expect(out.exports).toContain('handler');
    const [myself, hostile, search, health, refresh] = out.results;
    expect(myself.ok.statusCode).toBe(200);
    expect(JSON.parse(myself.ok.body)).toHaveProperty('accountId');
    expect(hostile.ok.statusCode).toBe(403);
    expect(search.ok.statusCode).toBe(200);
    expect(JSON.parse(search.ok.body)).toHaveProperty('issues');
    expect(health.ok.statusCode).toBe(200);
    expect(JSON.parse(health.ok.body).configured.store).toMatch(/ssm/);
    expect(refresh.ok).toMatchObject({ refreshed: false, accessTokenExpiresAt: expect.any(Number) });
  });

  it('Lambda: the handler loads and serves from the unpacked zip alone', async () => {
    const dir = join(OUT, 'unzipped-aws-lambda');
    await mkdir(dir, { recursive: true });
    for (const [file, bytes] of unzip(await readFile(bundle('aws-lambda').zip)))
      await writeFile(join(dir, file), bytes);
    const out = await child(
      'invoke-lambda-bundle.mjs',
      [join(dir, 'index.mjs'), JSON.stringify([functionUrlEvent()])],
      { ...ssm.env, ...base(), SECRET_STORE: 'aws-ssm' },
    );
    expect(out.exports).toContain('handler');
    expect(out.results[0].ok.statusCode).toBe(200);
    expect(JSON.parse(out.results[0].ok.body)).toHaveProperty('accountId');
  });

  it('GCP: the built function serves requests, health and /_refresh under the Functions Framework', async () => {
    const requests = [
      ['GET', '/rest/api/3/myself'],
      ['GET', '/rest/api/3/%2e%2e/users'],
      ['GET', '/_health'],
      ['POST', '/_refresh'],
      // a body the framework's parser refuses: the contract's JSON error from the built bundle too
      ['POST', '/rest/api/3/search/jql', { 'content-type': 'application/json' }, '{"a":bad}'],
    ];
    const out = await child(
      'serve-gcp-bundle.mjs',
      [join(bundle('gcp-function').dir, 'index.mjs'), JSON.stringify(requests)],
      {
        ...gcp.env(PROJECT),
        ...base(),
        SECRET_STORE: 'gcp-secret-manager',
      },
    );
    expect(out.exports).toContain('jiraTokenProxy');
    const [myself, hostile, health, refresh, malformed] = out.results;
    expect(myself.status).toBe(200);
    expect(JSON.parse(myself.body)).toHaveProperty('accountId');
    expect(hostile.status).toBe(403);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body).configured.store).toMatch(/gcp/);
    expect(refresh.status).toBe(200);
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.body).error.code).toBe('bad_request');
  });
});
