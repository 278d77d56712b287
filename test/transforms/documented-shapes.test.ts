import { describe, expect, it } from 'vitest';
import { allSurvivors, type Survivor } from '../../scripts/survives';
import { compileTransform, pseudonymize, type TransformSpec } from '../../src/transforms';
import { jiraCloudTransforms } from '../../src/transforms/jira-cloud';
import { jiraServiceManagementTransforms } from '../../src/transforms/jira-service-management';
import { jiraSoftwareTransforms } from '../../src/transforms/jira-software';
import type { PseudonymizationOptions } from '../../src/transforms/options';
import { JIRA_CLOUD_BODIES } from './documented/jira';
import { PEOPLE } from './documented/probes';
import { JIRA_SERVICE_MANAGEMENT_BODIES } from './documented/service-management';
import { JIRA_SOFTWARE_BODIES } from './documented/software';

// Golden tests on Atlassian's documented response shapes: each pseudonymized endpoint is fed a
// body with a probe in every documented field (and in the extras real sites produce), and what
// comes out is held to docs/RULES.md's list of what survives (rendered from the same survivors):
// no field outside the list, every listed field that was sent, free text, names, URLs and file
// names nowhere, and every account id and address as that person's pseudonym.

const SALT = 'documented-shapes-salt';
const TOKEN = /^t~[A-Za-z0-9_-]{43}/;
const tok = (value: string) => pseudonymize(value, SALT) as string;
/** Psoxy's `subtasks` spelled `sub-tasks` (kept for parity): Jira never sends that key. */
const NEVER_SENT = /(^|\.)sub-tasks\[\]/;

type Build = (options: PseudonymizationOptions) => Record<string, TransformSpec>;
const SETS: [string, Build, Record<string, unknown>][] = [
  ['jira-cloud-pseudonymized', jiraCloudTransforms, JIRA_CLOUD_BODIES],
  ['jira-software-pseudonymized', jiraSoftwareTransforms, JIRA_SOFTWARE_BODIES],
  ['jira-service-management-pseudonymized', jiraServiceManagementTransforms, JIRA_SERVICE_MANAGEMENT_BODIES],
];
const SURVIVORS = allSurvivors();
const PERSON_VALUES = new Set(Object.values(PEOPLE).flatMap((p) => [p.accountId, p.emailAddress]));
const NEVER = ['SECRET', ...Object.values(PEOPLE).flatMap((p) => [p.accountId, p.emailAddress, p.name])];

interface Leaf {
  path: (string | number)[];
  /** The path with every array index as `[]`, as docs/RULES.md writes it. */
  normalized: string;
  value: unknown;
}

/** Leaves of `value`; a subtree at a rich-text path is one leaf (its whole body). */
function leaves(
  value: unknown,
  richText: Set<string>,
  path: (string | number)[] = [],
  normalized = '',
): Leaf[] {
  if (richText.has(normalized) && value !== null && typeof value === 'object')
    return [{ path, normalized, value }];
  if (Array.isArray(value))
    return value.flatMap((v, i) => leaves(v, richText, [...path, i], `${normalized}[]`));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, v]) =>
      leaves(v, richText, [...path, key], normalized === '' ? key : `${normalized}.${key}`),
    );
  }
  return [{ path, normalized, value }];
}

const at = (value: unknown, path: (string | number)[]) =>
  path.reduce<unknown>((node, step) => (node as Record<string | number, unknown> | undefined)?.[step], value);

/** What an ADF body may hold after the allow-list: node types, children, mentions as tokens. */
function checkRichText(node: unknown, where: string): void {
  expect(node, where).toBeTypeOf('object');
  const { type, content, attrs, ...rest } = node as Record<string, unknown>;
  expect(rest, where).toStrictEqual({});
  expect(type, where).toBeTypeOf('string');
  if (attrs !== undefined) {
    expect(type, where).toBe('mention');
    const { id, ...other } = attrs as Record<string, unknown>;
    expect(other, where).toStrictEqual({});
    expect([...PERSON_VALUES].map(tok), where).toContain(id);
  }
  for (const child of (content as unknown[] | undefined) ?? []) checkRichText(child, where);
}

describe.each(SETS)('%s on documented response shapes', (set, build, bodies) => {
  it('has a documented body for every endpoint', () => {
    expect(Object.keys(bodies).sort()).toStrictEqual(Object.keys(build({ keepProjectNames: false })).sort());
  });

  const cases = Object.keys(bodies).flatMap((id) => [
    [id, false],
    [id, true],
  ]) as [string, boolean][];

  it.each(cases)(
    '%s (KEEP_PROJECT_NAMES=%s): exactly the listed fields survive, people as tokens',
    (id, keep) => {
      const spec = build({ keepProjectNames: keep })[id] as TransformSpec;
      const listed = new Map<string, Survivor>(
        (SURVIVORS[set]?.[id] ?? []).filter((s) => keep || !s.projectName).map((s) => [s.path, s]),
      );
      const richText = new Set([...listed.values()].filter((s) => s.richText).map((s) => s.path));
      const input = bodies[id];
      const output = compileTransform(spec).apply(structuredClone(input), SALT);

      const out = leaves(output, richText);
      for (const leaf of out) {
        const where = `${id}: ${leaf.normalized}`;
        const survivor = listed.get(leaf.normalized);
        // an empty list or object, or a null (a value of the wrong type), says nothing
        if (leaf.value === null || (typeof leaf.value === 'object' && Object.keys(leaf.value).length === 0)) {
          expect(
            survivor ?? [...listed.keys()].find((p) => p.startsWith(leaf.normalized)),
            where,
          ).toBeDefined();
          continue;
        }
        expect(survivor, `${where} is not in docs/RULES.md's list`).toBeDefined();
        const sent = at(input, leaf.path);
        if (survivor?.richText) checkRichText(leaf.value, where);
        else if (survivor?.pseudonym) expect(leaf.value, where).toBe(tok(sent as string));
        else expect(leaf.value, where).toStrictEqual(sent);
      }

      // every listed field that was sent comes out, so the list is exact, and was probed
      const sentPaths = new Set(leaves(input, richText).map((leaf) => leaf.normalized));
      const outPaths = new Set(out.map((leaf) => leaf.normalized));
      for (const path of listed.keys()) {
        if (NEVER_SENT.test(path)) continue;
        expect(sentPaths.has(path), `${id}: the documented body has no ${path}`).toBe(true);
        expect(outPaths.has(path), `${id}: ${path} was sent but did not come out`).toBe(true);
      }

      const text = JSON.stringify(output).replace(/t~[A-Za-z0-9_-]{43}/g, '<token>');
      const leaks = [...NEVER, ...(keep ? [] : ['PROJECTNAME'])].filter((probe) => text.includes(probe));
      expect(leaks, `${id}: ${text}`).toStrictEqual([]);
      // the tokens are the people's: each account id and address sent where one survives
      for (const leaf of leaves(input, richText)) {
        if (PERSON_VALUES.has(leaf.value as string) && listed.get(leaf.normalized)?.pseudonym) {
          expect(at(output, leaf.path), `${id}: ${leaf.normalized}`).toBe(tok(leaf.value as string));
        }
      }
      if (keep) {
        const named = [...listed.values()].filter((s) => s.projectName);
        for (const s of named) expect(text, `${id}: ${s.path}`).toContain('PROJECTNAME');
      }
    },
  );
});

it('the tokens are Psoxy-shaped, the address domain kept as written', () => {
  expect(tok(PEOPLE.ana.accountId)).toMatch(TOKEN);
  expect(tok(PEOPLE.ana.emailAddress)).toMatch(/^t~[A-Za-z0-9_-]{43}@Acme\.Example$/);
});
