import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli';

/**
 * `npm run synth` as an operator meets it: a bad or incomplete JTP_STATE_BACKEND is one line, a
 * success says what it wrote and warns when the zips are not built. Run from a scratch directory
 * (as `npm run synth` runs from infra/), so the repository's own output is left alone.
 */

const run = promisify(execFile);
let cwd: string;
beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'jtp-synth-'));
});
afterAll(() => rm(cwd, { recursive: true, force: true }));

async function synth(env: Record<string, string>) {
  // tsx by path: the scratch directory has no node_modules to resolve it from.
  const tsx = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
  return run(process.execPath, ['--import', tsx, join(ROOT, 'infra/main.ts')], {
    cwd,
    env: { ...process.env, JTP_STATE_BACKEND: '', JTP_STATE_BUCKET: '', ...env },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number; stdout: string; stderr: string }) => err,
  );
}

describe('npm run synth', () => {
  it.each([
    [
      'an unknown backend',
      { JTP_STATE_BACKEND: 'S3 ' },
      'JTP_STATE_BACKEND must be local, s3 or gcs, not "S3 "',
    ],
    [
      's3 without a bucket',
      { JTP_STATE_BACKEND: 's3' },
      'JTP_STATE_BACKEND=s3 needs JTP_STATE_BUCKET (or context stateBucket)',
    ],
  ])('%s: exit 1 and one line, no stack trace', async (_, env, line) => {
    const r = await synth(env);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`npm run synth: ${line}\n`);
  });

  it('a success names what it wrote and warns about the missing zips', async () => {
    const r = await synth({});
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      'wrote infra/cdktf.out/stacks/aws/cdk.tf.json (state backend: local)\n' +
        'wrote infra/cdktf.out/stacks/gcp/cdk.tf.json (state backend: local)\n',
    );
    for (const stack of ['aws', 'gcp'])
      expect(existsSync(join(cwd, 'cdktf.out/stacks', stack, 'cdk.tf.json'))).toBe(true);
    // The scratch directory has no ../dist: both zips are missing.
    expect(r.stderr).toBe(
      'warning: dist/aws-lambda.zip is missing: run `npm run build` before terraform plan, or set lambda_zip\n' +
        'warning: dist/gcp-function.zip is missing: run `npm run build` before terraform plan, or set function_zip\n',
    );
  });
});
