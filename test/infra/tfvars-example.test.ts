import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AWS_SCHEDULE_RE } from '../../infra/aws/variables';
import { GCP_SCHEDULE_RE } from '../../infra/gcp/variables';
import { EXAMPLE_CLOUD_ID } from '../../infra/variables';
import { synthAws, synthGcp } from './synth';

const read = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
// Commented-out alternatives (`# name = ...`) do not count as documented twice.
const names = (text: string) => [...text.matchAll(/^([a-z_]+)\s*=/gm)].map((m) => m[1]);
const value = (text: string, name: string) => new RegExp(`^${name}\\s*=\\s*"([^"]*)"`, 'm').exec(text)?.[1];

describe('tfvars examples', () => {
  const aws = Object.keys(synthAws().variable);
  const gcp = Object.keys(synthGcp().variable);

  it('aws.tfvars.example and gcp.tfvars.example hold exactly their stack variables, jira_cloud_id first', () => {
    for (const [file, declared] of [
      ['aws.tfvars.example', aws],
      ['gcp.tfvars.example', gcp],
    ] as const) {
      const listed = names(read(file));
      expect(listed[0], file).toBe('jira_cloud_id');
      expect(new Set(listed), file).toEqual(new Set(declared));
      expect(listed, file).toHaveLength(declared.length);
    }
  });

  it('terraform.tfvars.example documents every variable of both stacks once, jira_cloud_id first', () => {
    const listed = names(read('terraform.tfvars.example'));
    expect(listed[0]).toBe('jira_cloud_id');
    expect(new Set(listed)).toEqual(new Set([...aws, ...gcp]));
    expect(listed).toHaveLength(new Set([...aws, ...gcp]).size);
  });

  it('gives schedules each cloud accepts, and each cloud refuses the other one', () => {
    const awsRe = new RegExp(AWS_SCHEDULE_RE);
    const gcpRe = new RegExp(GCP_SCHEDULE_RE);
    const awsSchedule = value(read('aws.tfvars.example'), 'aws_refresh_schedule') as string;
    const gcpSchedule = value(read('gcp.tfvars.example'), 'gcp_refresh_schedule') as string;
    expect(awsRe.test(awsSchedule)).toBe(true);
    expect(gcpRe.test(gcpSchedule)).toBe(true);
    expect(awsRe.test(gcpSchedule)).toBe(false);
    expect(gcpRe.test(awsSchedule)).toBe(false);
    for (const ok of ['rate(1 day)', 'rate(12 hours)', 'rate(30 minutes)', 'cron(17 3 * * ? *)'])
      expect(awsRe.test(ok), ok).toBe(true);
    for (const bad of ['rate(1 days)', 'rate(2 day)', 'rate(0 hours)', 'cron(17 3 * * *)', '17 3 * * *'])
      expect(awsRe.test(bad), bad).toBe(false);
    for (const bad of ['rate(1 day)', '17 3 * *', '17 3 * * * *']) expect(gcpRe.test(bad), bad).toBe(false);
  });

  // terraform.test.ts plans with them (aws.tftest.hcl, run rejects_the_example_placeholders).
  it('gives placeholders the stack refuses until the operator replaces them', () => {
    for (const file of ['aws.tfvars.example', 'gcp.tfvars.example', 'terraform.tfvars.example'])
      expect(value(read(file), 'jira_cloud_id'), file).toBe(EXAMPLE_CLOUD_ID);
    const id = synthAws().variable.jira_cloud_id.validation[0];
    expect(id.condition).toContain(`lower(var.jira_cloud_id) != "${EXAMPLE_CLOUD_ID}"`);
    expect(id.error_message).toContain('_edge/tenant_info');
    expect(read('aws.tfvars.example')).toContain('caller_aws_arns = ["arn:aws:iam::123456789012:');
    expect(synthAws().variable.caller_aws_arns.validation[0].condition).toContain(
      '!strcontains(a, "::123456789012:")',
    );
  });
});
