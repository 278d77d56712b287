import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthGcp } from './synth';

/**
 * The GCP `test_commands` output for each kind of invoker: test-calls impersonates the first
 * `serviceAccount:` member; with only `user:` or `group:` members (which cannot be impersonated)
 * it is the operator's own ID token on /_health. The synthesized expressions are evaluated by
 * `terraform console` (no provider needed), with the function URL as a variable.
 */

const TERRAFORM = process.env.TERRAFORM ?? '/usr/local/bin/terraform';
const run = promisify(execFile);
const URL = 'https://jira-token-proxy-prod-abc.a.run.app';
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jtp-test-commands-'));
  const { locals, resource } = synthGcp();
  const fn = Object.keys(resource.google_cloudfunctions2_function)[0];
  const urlRef = `google_cloudfunctions2_function.${fn}.url`;
  const config = {
    variable: { invoker_members: { type: 'list(string)' }, function_url: { type: 'string', default: URL } },
    locals: Object.fromEntries(
      ['test_calls_account', 'test_calls_step'].map((name) => [
        name,
        (locals[name] as string).replaceAll(urlRef, 'var.function_url'),
      ]),
    ),
  };
  await writeFile(join(dir, 'main.tf.json'), JSON.stringify(config));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function step(members: string[]): Promise<string> {
  const proc = run(TERRAFORM, ['console', '-var', `invoker_members=${JSON.stringify(members)}`], {
    cwd: dir,
    env: { ...process.env, CHECKPOINT_DISABLE: '1', TF_CLI_CONFIG_FILE: join(dir, 'none.rc') },
  });
  proc.child.stdin?.end('local.test_calls_step\n');
  const { stdout } = await proc;
  return stdout.replace(/^<<EOT\n/, '').replace(/\nEOT\n$/, '');
}

describe.skipIf(!existsSync(TERRAFORM))(
  `GCP test_commands (skipped without terraform at ${TERRAFORM})`,
  () => {
    it('impersonates the first serviceAccount: member, wherever it is in the list', async () => {
      const out = await step([
        'user:alice@example.com',
        'serviceAccount:pipeline@acme.iam.gserviceaccount.com',
      ]);
      expect(out.split('\n')[1]).toBe(
        `npx jira-token-proxy test-calls --url ${URL} --impersonate pipeline@acme.iam.gserviceaccount.com`,
      );
    });

    it('with only user: and group: members, calls /_health with the operator’s own ID token', async () => {
      const out = await step(['user:alice@example.com', 'group:analytics@example.com']);
      expect(out.split('\n')).toEqual([
        '# 2. Health, with your own ID token (invoker_members names no serviceAccount: for test-calls to impersonate; you need roles/run.invoker):',
        `curl -H "Authorization: Bearer $(gcloud auth print-identity-token)" ${URL}/_health`,
      ]);
    });
  },
);
