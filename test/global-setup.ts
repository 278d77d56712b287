import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { TestProject } from 'vitest/node';

/**
 * Compiles the programs the tests run as child processes (the CLI, the file store's worker, the
 * sandbox command) once per `vitest run`, with the same esbuild that tsx uses per process.
 * Started through `node --import tsx`, each of the ~90 child processes spent about half a second
 * compiling and resolving some hundred source files before doing anything; from the bundle it
 * starts in a fraction of that. Packages stay external (loaded from node_modules as in
 * production), so the output lives under node_modules/.cache, one directory per run.
 */

declare module 'vitest' {
  export interface ProvidedContext {
    /** Directory holding `cli.js`, `file-worker.js` and `sandbox-cli.js`. */
    childBundles: string;
  }
}

const ROOT = join(import.meta.dirname, '..');

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cache = join(ROOT, 'node_modules', '.cache');
  await mkdir(cache, { recursive: true });
  const outdir = await mkdtemp(join(cache, 'jtp-test-'));
  // mkdtemp makes it 0700: a test that runs the CLI as another user must still read it.
  await chmod(outdir, 0o755);
  const compile = () =>
    build({
      entryPoints: {
        cli: join(ROOT, 'src/cli/main.ts'),
        'file-worker': join(ROOT, 'test/stores/fixtures/file-worker.ts'),
        'sandbox-cli': join(ROOT, 'src/sandbox/cli.ts'),
      },
      outdir,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      logLevel: 'warning',
    });
  await compile();
  // In watch mode the sources change between runs: the child processes must run the new code.
  project.onTestsRerun(async () => {
    await compile();
  });
  project.provide('childBundles', outdir);
  return () => rm(outdir, { recursive: true, force: true });
}
