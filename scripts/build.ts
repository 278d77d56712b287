import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { ZipFile } from 'yazl';

/**
 * `npm run build`: one minified ESM bundle per cloud (Node 22) with its source map next to it, and
 * a zip that is byte-for-byte the same for the same input (fixed entry order, times, modes).
 *
 * - dist/aws-lambda/index.mjs (exports `handler`) + dist/aws-lambda.zip. The AWS SDK clients are
 *   bundled: the function runs the SDK version we pinned and tested, not the runtime's.
 * - dist/gcp-function/{index.mjs, package.json} + dist/gcp-function.zip. The Functions Framework
 *   is the one package left out: Google's Node.js buildpack installs the zip's package.json
 *   dependencies, and the framework must be the instance that loads our module.
 */

export const ROOT = join(import.meta.dirname, '..');

/** The store modules of the other cloud, replaced by a stub that names the mistake. */
const STORE_CLASSES = {
  'aws-ssm': 'SsmStore',
  'aws-secrets-manager': 'SecretsManagerStore',
  'gcp-secret-manager': 'GcpSecretManagerStore',
} as const;
type StoreModule = keyof typeof STORE_CLASSES;

interface Target {
  name: 'aws-lambda' | 'gcp-function';
  entry: string;
  external: string[];
  omitStores: StoreModule[];
}

const TARGETS: Target[] = [
  {
    name: 'aws-lambda',
    entry: 'functions/aws-lambda.ts',
    external: [],
    omitStores: ['gcp-secret-manager'],
  },
  {
    name: 'gcp-function',
    entry: 'functions/gcp-function.ts',
    external: ['@google-cloud/functions-framework'],
    omitStores: ['aws-ssm', 'aws-secrets-manager'],
  },
];

/** Code that must never ship in a function: the sandbox and the operator CLI. */
const FORBIDDEN = /^(src\/sandbox|src\/cli)\//;

// ESM output: bundled CommonJS dependencies still call require() and read __dirname.
const BANNER = [
  "import { createRequire as __jtpCreateRequire } from 'node:module';",
  "import { fileURLToPath as __jtpFileURLToPath } from 'node:url';",
  'const require = __jtpCreateRequire(import.meta.url);',
  'const __filename = __jtpFileURLToPath(import.meta.url);',
  "const __dirname = __jtpFileURLToPath(new URL('.', import.meta.url));",
].join('\n');

// Zip entries get this time: built from local fields, so the DOS timestamp is the same in every
// time zone (yazl converts with local getters; the UTC extra field is turned off).
const ZIP_TIME = new Date(2000, 0, 1, 0, 0, 0);
const ZIP_MODE = 0o100644;

/**
 * esbuild inlines every dynamic `import('./x')` of src/stores/index.ts; replacing the other
 * cloud's store keeps its SDK out of the bundle. Selecting it still fails clearly, at cold start.
 */
function omitStores(target: Target): Plugin {
  const filter = new RegExp(`^\\./(${target.omitStores.join('|')})$`);
  return {
    name: 'omit-stores',
    setup(b) {
      b.onResolve({ filter }, (args) =>
        args.importer.endsWith(join('src', 'stores', 'index.ts'))
          ? { path: args.path.slice(2), namespace: 'omitted-store' }
          : undefined,
      );
      b.onLoad({ filter: /.*/, namespace: 'omitted-store' }, (args) => {
        const store = args.path as StoreModule;
        return {
          resolveDir: join(ROOT, 'src', 'stores'),
          loader: 'js',
          contents: [
            "import { ConfigError } from '../config';",
            `export class ${STORE_CLASSES[store]} {`,
            '  constructor() {',
            `    throw new ConfigError('SECRET_STORE: ${store} is not in the ${target.name} bundle; deploy the bundle for its cloud or use another store');`,
            '  }',
            '}',
          ].join('\n'),
        };
      });
    },
  };
}

export interface BuiltBundle {
  name: Target['name'];
  /** Directory holding index.mjs (and package.json for GCP). */
  dir: string;
  zip: string;
  bundleBytes: number;
  zipBytes: number;
  zipSha256: string;
  /** Bundle inputs by size, largest first (what to look at when the zip grows). */
  largestInputs: { path: string; bytes: number }[];
}

async function buildTarget(target: Target, outDir: string): Promise<BuiltBundle> {
  const dir = join(outDir, target.name);
  await rm(dir, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [join(ROOT, target.entry)],
    outfile: join(dir, 'index.mjs'),
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    // ESM builds of dependencies first: the AWS SDK tree-shakes much better from dist-es.
    mainFields: ['module', 'main'],
    minify: true,
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    external: target.external,
    banner: { js: BANNER },
    plugins: [omitStores(target)],
    metafile: true,
    logLevel: 'warning',
  });

  const inputs = Object.entries(
    result.metafile.outputs[relative(ROOT, join(dir, 'index.mjs'))]?.inputs ?? {},
  );
  const forbidden = inputs.map(([path]) => path).filter((path) => FORBIDDEN.test(path));
  if (forbidden.length)
    throw new Error(`${target.name}: the bundle must not include ${forbidden.join(', ')}`);

  // The source map stays in dist/ and out of the zip: it would double the zip, Node only reads
  // it with --enable-source-maps (slower cold starts), and the reproducible build recreates the
  // exact map of any deployed zip from its commit, for reading a stack trace offline.
  const files: [string, Buffer][] = [['index.mjs', await readFile(join(dir, 'index.mjs'))]];
  if (target.name === 'gcp-function') {
    const manifest = Buffer.from(`${JSON.stringify(await functionManifest(), null, 2)}\n`);
    await writeFile(join(dir, 'package.json'), manifest);
    files.push(['package.json', manifest]);
  }
  const zip = join(outDir, `${target.name}.zip`);
  const bytes = await zipFiles(files);
  await writeFile(zip, bytes);
  return {
    name: target.name,
    dir,
    zip,
    bundleBytes: (files[0] as [string, Buffer])[1].length,
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
  for (const [name, data] of [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    zip.addBuffer(data, name, { mtime: ZIP_TIME, mode: ZIP_MODE, forceDosTimestamp: true, compress: true });
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
    console.log(`${relative(ROOT, b.zip)}: ${kb(b.zipBytes)} zipped, index.mjs ${kb(b.bundleBytes)}`);
  }
  console.log(`built in ${Math.round(performance.now() - started)} ms`);
}
