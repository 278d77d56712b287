import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { synthAws, synthGcp } from './synth';

/**
 * docs/OPERATORS.md against the synthesized stacks: the secret counts of "What gets created" and
 * the teardown's import list name every secret the stacks create (REFRESH_OUTCOME included), so a
 * teardown and redeploy works as written.
 */

const doc = readFileSync(new URL('../../docs/OPERATORS.md', import.meta.url), 'utf8');

describe('docs/OPERATORS.md', () => {
  const aws = synthAws().resource;
  const gcp = synthGcp().resource;
  const ssm = Object.values(aws.aws_ssm_parameter as Record<string, { name: string }>).map((p) =>
    p.name.replace(/^\$\{local\.ssm_prefix\}/, ''),
  );

  it('counts the secrets each stack creates', () => {
    const row =
      /^\| secrets +\| (\d+) SSM SecureString parameters .*, or (\d+) Secrets Manager secrets +\| (\d+) Secret Manager secrets/m.exec(
        doc,
      );
    expect(row?.slice(1).map(Number)).toEqual([
      ssm.length,
      Object.keys(aws.aws_secretsmanager_secret).length,
      Object.keys(gcp.google_secret_manager_secret).length,
    ]);
  });

  it('lists every SSM suffix for import, and counts the Secrets Manager and GCP secrets', () => {
    const suffixes = /^# AWS SSM, for each suffix ([A-Z_ ]+)$/m.exec(doc)?.[1]?.split(' ') ?? [];
    expect(new Set(suffixes)).toEqual(new Set(ssm));
    expect(ssm).toContain('REFRESH_OUTCOME');
    expect(doc).toContain(
      `# AWS Secrets Manager, each of the ${Object.keys(aws.aws_secretsmanager_secret).length} secrets`,
    );
    expect(doc).toContain(
      `# GCP, each of the ${Object.keys(gcp.google_secret_manager_secret).length} secrets`,
    );
  });
});
