import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileTransform, pseudonymize } from '../../src/transforms';
import { type EndpointKey, JIRA_CLOUD_TRANSFORMS } from '../../src/transforms/jira-cloud';

// Psoxy's own published Jira Cloud examples live beside the repository (CI has them); they are read
// in place, never copied into the project.
const examples = path.resolve(__dirname, '../../../shared/psoxy-examples');
const present = existsSync(path.join(examples, 'vectors.json'));

interface Vectors {
  salt: string;
  vectors: { input: string; expected: string; kind: string }[];
}

function read(name: string): unknown {
  return JSON.parse(readFileSync(path.join(examples, name), 'utf8'));
}

describe.skipIf(!present)('Psoxy conformance (skipped: ../shared/psoxy-examples is not present)', () => {
  const { salt, vectors } = (present ? read('vectors.json') : { salt: '', vectors: [] }) as Vectors;

  it('has all 13 vectors', () => {
    expect(vectors).toHaveLength(13);
  });

  it.each(vectors.map((v) => [v.kind, v.input, v.expected] as const))(
    'pseudonymizes %s %s as Psoxy does',
    (_kind, input, expected) => {
      expect(pseudonymize(input, salt)).toBe(expected);
    },
  );

  const pairs: [string, EndpointKey][] = [
    ['users', 'users'],
    ['issue_changelog', 'issue-changelog'],
    ['issues_by_jql', 'search-jql'],
  ];

  it.each(pairs)('sanitizes %s like Psoxy, key order included (%s)', (name, key) => {
    const original = read(`${name}.original.json`);
    const sanitized = read(`${name}.sanitized.json`);

    const output = compileTransform(JIRA_CLOUD_TRANSFORMS[key]).apply(original, salt);

    expect(output).toStrictEqual(sanitized);
    // same keys in the same order, so the serialized bytes match modulo whitespace
    expect(JSON.stringify(output)).toBe(JSON.stringify(sanitized));
  });
});
