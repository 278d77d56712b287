import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { synthAws, synthGcp } from './synth';

describe('terraform.tfvars.example', () => {
  const text = readFileSync(new URL('../../terraform.tfvars.example', import.meta.url), 'utf8');
  // Commented-out alternatives (`# name = ...`) do not count as documented twice.
  const names = [...text.matchAll(/^([a-z_]+)\s*=/gm)].map((m) => m[1]);

  it('documents every variable of both stacks once, jira_cloud_id first', () => {
    const declared = new Set([...Object.keys(synthAws().variable), ...Object.keys(synthGcp().variable)]);
    expect(names[0]).toBe('jira_cloud_id');
    expect(new Set(names)).toEqual(declared);
    expect(names).toHaveLength(declared.size);
  });

  it('gives a jira_cloud_id that passes the stack validation', () => {
    const value = /^jira_cloud_id\s*=\s*"([^"]+)"/m.exec(text)?.[1] as string;
    const condition: string = synthAws().variable.jira_cloud_id.validation[0].condition;
    const regex = /regex\("([^"]+)"/.exec(condition)?.[1] as string;
    expect(new RegExp(regex).test(value)).toBe(true);
  });
});
