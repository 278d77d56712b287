import { execFile } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { App } from 'cdktf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsProxyStack } from '../../infra/aws-stack';

/**
 * Terraform itself on the synthesized AWS stack: `init -backend=false`, `validate` (the real
 * hashicorp/aws provider checks every argument, the write-only ones included) and the
 * `terraform test` file beside this one (plans against a mock provider). Providers come only from
 * a local filesystem mirror: nothing is downloaded. Where terraform or the mirror is absent the
 * suite is skipped with the reason printed; the GCP stack stays on synth assertions (no google
 * provider in the mirror).
 */
const TERRAFORM = process.env.TERRAFORM ?? '/usr/local/bin/terraform';
const MIRROR = process.env.TF_PLUGIN_MIRROR ?? '/opt/tf-plugins';
const AWS_MIRROR = join(MIRROR, 'registry.terraform.io/hashicorp/aws');
const run = promisify(execFile);

function unavailable(): string | undefined {
  if (!existsSync(TERRAFORM)) return `no terraform at ${TERRAFORM} (set TERRAFORM)`;
  if (!existsSync(AWS_MIRROR) || readdirSync(AWS_MIRROR).length === 0)
    return `no hashicorp/aws in the provider mirror ${MIRROR} (set TF_PLUGIN_MIRROR)`;
  return undefined;
}

const reason = unavailable();
if (reason) console.log(`terraform validation skipped: ${reason}`);

describe.skipIf(reason !== undefined)('terraform on the AWS stack', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jtp-terraform-'));
  const stack = join(dir, 'stacks', 'aws');
  let env: NodeJS.ProcessEnv;
  const terraform = (...args: string[]) =>
    run(TERRAFORM, args, { cwd: stack, env, maxBuffer: 16 * 1024 * 1024 }).catch(
      (e: { stdout?: string; stderr?: string }) => ({
        stdout: e.stdout ?? '',
        stderr: e.stderr ?? String(e),
        failed: true,
      }),
    );
  let providerVersion = '';

  beforeAll(async () => {
    const app = new App({ outdir: dir });
    new AwsProxyStack(app, 'aws');
    app.synth();
    const rc = join(dir, 'terraform.rc');
    writeFileSync(
      rc,
      `provider_installation {\n  filesystem_mirror {\n    path    = ${JSON.stringify(MIRROR)}\n    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n  direct {\n    exclude = ["*/*"]\n  }\n}\n`,
    );
    env = { ...process.env, TF_CLI_CONFIG_FILE: rc, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' };
    mkdirSync(join(stack, 'tests'));
    copyFileSync(
      new URL('./terraform/aws.tftest.hcl', import.meta.url),
      join(stack, 'tests', 'aws.tftest.hcl'),
    );
    writeFileSync(join(dir, 'empty.zip'), '');
    const init = await terraform('init', '-backend=false', '-input=false', '-no-color');
    expect(init.stderr, init.stdout).toBe('');
    const lock = readFileSync(join(stack, '.terraform.lock.hcl'), 'utf8');
    providerVersion =
      /provider "registry.terraform.io\/hashicorp\/aws" \{\s*version\s*=\s*"([^"]+)"/.exec(lock)?.[1] ?? '';
    console.log(`terraform validation against hashicorp/aws ${providerVersion} from ${MIRROR}`);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('installs the provider from the mirror within the stack constraint', () => {
    expect(providerVersion).toMatch(/^[5-6]\.\d+\.\d+$/);
  });

  it('passes terraform validate and the terraform test files', async () => {
    // The AWS example as an operator fills it in: its two placeholders (which the stack refuses,
    // see the last run) replaced, and the zip (no build here).
    const example = fileURLToPath(new URL('../../aws.tfvars.example', import.meta.url));
    const vars = [
      `-var-file=${example}`,
      '-var',
      `lambda_zip=${join(dir, 'empty.zip')}`,
      '-var',
      'jira_cloud_id=6f1c2b7e-4d3a-4e58-9b0f-3a7d51c8e296',
      '-var',
      'caller_aws_arns=["arn:aws:iam::210987654321:role/analytics-pipeline"]',
    ];
    const [validate, test] = await Promise.all([
      terraform('validate', '-json', '-no-color'),
      terraform('test', '-no-color', ...vars),
    ]);
    const result = JSON.parse(validate.stdout) as {
      valid: boolean;
      diagnostics: { summary: string; detail: string }[];
    };
    expect(result.diagnostics, validate.stderr).toEqual([]);
    expect(result.valid).toBe(true);
    expect(test.stderr, test.stdout).toBe('');
    expect(test.stdout).toMatch(/Success! 5 passed, 0 failed\./);
  }, 180_000);
});
