// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Terraform expressions.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { synthGcp } from './synth';

/**
 * Terraform evaluates the GCP stack's residency and CMEK expressions and its variable validations
 * (test/infra/terraform/gcp-expressions.tftest.hcl). The google provider is not in the local
 * mirror, so the module holds the stack's variables and the expressions taken verbatim from its
 * synthesized resources, as outputs, and no resource; the project number the keys' grants name
 * is fixed.
 */
const TERRAFORM = process.env.TERRAFORM ?? '/usr/local/bin/terraform';
const run = promisify(execFile);
const reason = existsSync(TERRAFORM) ? undefined : `no terraform at ${TERRAFORM} (set TERRAFORM)`;
if (reason) console.log(`GCP expression checks skipped: ${reason}`);

/** `${expr}` -> `expr`, for an expression used inside another. */
const inner = (interpolation: string) => {
  expect(interpolation).toMatch(/^\$\{.*\}$/s);
  return interpolation.slice(2, -1);
};

describe.skipIf(reason !== undefined)('terraform on the GCP stack expressions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jtp-gcp-expr-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('evaluates replication, keys and grants as intended, and refuses bad input', async () => {
    const tf = synthGcp();
    const replication = tf.resource.google_secret_manager_secret.secret_salt.replication.dynamic;
    const replicas = replication.user_managed.content.dynamic.replicas;
    const replicaKey = inner(replicas.content.dynamic.customer_managed_encryption.for_each).replaceAll(
      'replicas.value',
      'r',
    );
    const module = {
      variable: tf.variable,
      locals: {
        project_number: '123456789012',
        region_key: tf.locals.region_key,
        kms_grants: tf.locals.kms_grants,
      },
      output: {
        auto_blocks: { value: replication.auto.for_each },
        auto_keys: { value: replication.auto.content.dynamic.customer_managed_encryption.for_each },
        user_managed_blocks: { value: replication.user_managed.for_each },
        replica_locations: { value: replicas.for_each },
        replica_keys: { value: `\${{ for r in ${inner(replicas.for_each)} : r => ${replicaKey} }}` },
        bucket_keys: { value: tf.resource.google_storage_bucket.source.dynamic.encryption.for_each },
        region_key: { value: '${local.region_key}' },
        grants: { value: '${local.kms_grants}' },
      },
    };
    writeFileSync(join(dir, 'main.tf.json'), JSON.stringify(module, null, 2));
    mkdirSync(join(dir, 'tests'));
    copyFileSync(
      new URL('./terraform/gcp-expressions.tftest.hcl', import.meta.url),
      join(dir, 'tests', 'gcp-expressions.tftest.hcl'),
    );
    // No provider to install, and nothing may be downloaded.
    const rc = join(dir, 'terraform.rc');
    writeFileSync(rc, 'provider_installation {\n  direct {\n    exclude = ["*/*"]\n  }\n}\n');
    const env = { ...process.env, TF_CLI_CONFIG_FILE: rc, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' };
    const terraform = (...args: string[]) =>
      run(TERRAFORM, args, { cwd: dir, env }).catch((e: { stdout?: string; stderr?: string }) => ({
        stdout: e.stdout ?? '',
        stderr: e.stderr ?? String(e),
      }));
    const init = await terraform('init', '-backend=false', '-input=false', '-no-color');
    expect(init.stderr, init.stdout).toBe('');
    const test = await terraform('test', '-no-color');
    expect(test.stderr, test.stdout).toBe('');
    expect(test.stdout).toMatch(/Success! 6 passed, 0 failed\./);
  }, 120_000);
});
