import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BuildOptions, build } from 'esbuild';
import { ZipFile } from 'yazl';

/**
 * `npm run build`: one minified ESM bundle per cloud (Node 22), split into chunks, with source maps
 * next to them, and a zip that is byte-for-byte the same for the same input (fixed entry order,
 * times, modes).
 *
 * Code splitting: every dynamic import() becomes a chunk that Node loads only when that code runs.
 * The store SDKs (src/stores/{aws,gcp}.ts), `yaml` (custom rules only) and the AWS credential
 * providers a Lambda never uses (the SDK imports them lazily) stay out of the cold import. Each
 * entry point lists only its own cloud's stores, so the other cloud's SDK is not in its zip at all.
 *
 * - dist/aws-lambda/index.mjs (exports `handler`) + chunks + dist/aws-lambda.zip. The AWS SDK
 *   clients are bundled: the function runs the SDK version we pinned and tested, not the runtime's.
 * - dist/gcp-function/{index.mjs, package.json} + dist/gcp-function.zip. The Functions Framework
 *   is the one package left out: Google's Node.js buildpack installs the zip's package.json
 *   dependencies, and the framework must be the instance that loads our module.
 */

export const ROOT = join(import.meta.dirname, '..');

interface Target {
  name: 'aws-lambda' | 'gcp-function';
  entry: string;
  external: string[];
}

const TARGETS: Target[] = [
  {
    name: 'aws-lambda',
    entry: 'functions/aws-lambda.ts',
    external: [],
  },
  {
    name: 'gcp-function',
    entry: 'functions/gcp-function.ts',
    external: ['@google-cloud/functions-framework'],
  },
];

/** Code that must never ship in a function: the sandbox and the operator CLI. */
const FORBIDDEN = /^(src\/sandbox|src\/cli)\//;

// ESM output: bundled CommonJS dependencies still call require() and read __dirname (google-gax
// finds its protos by it). Every chunk gets this line, so it is kept short; no chunk reads __filename.
const BANNER =
  "import{createRequire as __jtpRequire}from'node:module';const require=__jtpRequire(import.meta.url),__dirname=import.meta.dirname;";

// Zip entries get this time: built from local fields, so the DOS timestamp is the same in every
// time zone (yazl converts with local getters; the UTC extra field is turned off).
const ZIP_TIME = new Date(2000, 0, 1, 0, 0, 0);
const ZIP_MODE = 0o100644;

/** The esbuild settings of every function bundle; bench/ builds its floor bundles with them too. */
export function bundleOptions(entry: string, outdir: string, external: string[]) {
  return {
    absWorkingDir: ROOT,
    entryPoints: { index: entry },
    outdir,
    outExtension: { '.js': '.mjs' },
    // Flat, beside index.mjs: bundled CommonJS reads __dirname, which must be the same in every chunk.
    chunkNames: '[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    // ESM builds of dependencies first: the AWS SDK tree-shakes much better from dist-es.
    mainFields: ['module', 'main'],
    minify: true,
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    external,
    banner: { js: BANNER },
    metafile: true,
    logLevel: 'warning',
  } satisfies BuildOptions;
}

export interface BuiltBundle {
  name: Target['name'];
  /** Directory holding index.mjs, its chunks (and package.json for GCP): the zip's layout. */
  dir: string;
  zip: string;
  /** The zip's file names, in zip order. */
  files: string[];
  /** The chunk of each store module (`aws-ssm` -> `aws-ssm-XXXX.mjs`): what a cold start loads next. */
  storeChunks: Record<string, string>;
  /** index.mjs alone: what a cold start compiles before anything runs. */
  entryBytes: number;
  /** index.mjs and every chunk. */
  bundleBytes: number;
  zipBytes: number;
  zipSha256: string;
  /** Bundle inputs by size, largest first (what to look at when the zip grows). */
  largestInputs: { path: string; bytes: number }[];
}

async function buildTarget(target: Target, outDir: string): Promise<BuiltBundle> {
  const dir = join(outDir, target.name);
  await rm(dir, { recursive: true, force: true });
  const result = await build(bundleOptions(join(ROOT, target.entry), dir, target.external));

  const inputs = Object.values(result.metafile.outputs).flatMap((o) => Object.entries(o.inputs));
  const forbidden = [...new Set(inputs.map(([path]) => path).filter((path) => FORBIDDEN.test(path)))];
  if (forbidden.length)
    throw new Error(`${target.name}: the bundle must not include ${forbidden.join(', ')}`);

  // The source map stays in dist/ and out of the zip: it would double the zip, Node only reads
  // it with --enable-source-maps (slower cold starts), and the reproducible build recreates the
  // exact map of any deployed zip from its commit, for reading a stack trace offline.
  const modules = (await readdir(dir)).filter((f) => f.endsWith('.mjs'));
  const files: [string, Buffer][] = [];
  for (const name of modules) files.push([name, await readFile(join(dir, name))]);
  if (target.name === 'gcp-function') {
    const manifest = Buffer.from(`${JSON.stringify(await functionManifest(), null, 2)}\n`);
    await writeFile(join(dir, 'package.json'), manifest);
    files.push(['package.json', manifest]);
  }
  const zip = join(outDir, `${target.name}.zip`);
  files.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const bytes = await zipFiles(files);
  await writeFile(zip, bytes);
  return {
    name: target.name,
    dir,
    zip,
    files: files.map(([name]) => name),
    storeChunks: Object.fromEntries(
      Object.entries(result.metafile.outputs).flatMap(([out, o]) => {
        const store = /^src\/stores\/([\w-]+)\.ts$/.exec(o.entryPoint ?? '')?.[1];
        return store ? [[store, relative(dir, join(ROOT, out))]] : [];
      }),
    ),
    entryBytes: files.find(([name]) => name === 'index.mjs')?.[1].length ?? 0,
    bundleBytes: files.reduce((n, [, data]) => n + data.length, 0),
    zipBytes: bytes.length,
    zipSha256: createHash('sha256').update(bytes).digest('hex'),
    largestInputs: inputs
      .map(([path, info]) => ({ path, bytes: info.bytesInOutput }))
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, 8),
  };
}

/** The GCP function's package.json: the buildpack installs only the Functions Framework. */
async function functionManifest() {
  const root = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
    version: string;
    devDependencies: Record<string, string>;
  };
  const framework = root.devDependencies['@google-cloud/functions-framework'];
  if (!framework) throw new Error('package.json: @google-cloud/functions-framework is not pinned');
  return {
    name: 'jira-token-proxy-function',
    version: root.version,
    private: true,
    type: 'module',
    main: 'index.mjs',
    engines: { node: '22' },
    dependencies: { '@google-cloud/functions-framework': framework },
  };
}

function zipFiles(files: [string, Buffer][]): Promise<Buffer> {
  const zip = new ZipFile();
  for (const [name, data] of files) {
    zip.addBuffer(data, name, {
      mtime: ZIP_TIME,
      mode: ZIP_MODE,
      forceDosTimestamp: true,
      // Best compression: each chunk is compressed on its own, so a split bundle would otherwise zip larger.
      compressionLevel: 9,
    });
  }
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('error', reject);
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

/** Builds both bundles into `outDir` (default dist/). */
export async function buildAll(outDir = join(ROOT, 'dist')): Promise<BuiltBundle[]> {
  await mkdir(outDir, { recursive: true });
  const built: BuiltBundle[] = [];
  for (const target of TARGETS) built.push(await buildTarget(target, outDir));
  return built;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const started = performance.now();
  const built = await buildAll();
  for (const b of built) {
    const kb = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
    console.log(
      `${relative(ROOT, b.zip)}: ${kb(b.zipBytes)} zipped, index.mjs ${kb(b.entryBytes)}, ${b.files.length} files ${kb(b.bundleBytes)}`,
    );
  }
  console.log(`built in ${Math.round(performance.now() - started)} ms`);
}
