import { describe, expect, it } from 'vitest';
import { loadRules } from '../../src/rules';
import { english, rulesDocument } from '../../src/rules/schema';
import { BUILT_IN_SETS } from '../../src/rules/sets';
import { RULE_SETS } from '../../src/rules/sets/names';
import { pseudonymizedTwin } from '../../src/rules/sets/pseudonymized';

/** The cold start compiles the built-in sets without the schema check (src/rules/document.ts): this is it. */
describe('built-in rule sets', () => {
  const cases = RULE_SETS.flatMap((name) => [
    [name, false],
    [name, true],
  ]) as [(typeof RULE_SETS)[number], boolean][];
  it.each(cases)('%s (keepProjectNames %s) passes the rules schema unchanged', async (name, keep) => {
    const doc = await BUILT_IN_SETS[name]({ keepProjectNames: keep });
    const parsed = rulesDocument.safeParse(doc, { error: english });
    expect(parsed.error?.issues).toBeUndefined();
    // Nothing stripped or defaulted: the compiled document is the one the schema would have passed on.
    expect(parsed.data).toEqual(doc);
  });
});

describe('loadRules loads what the source needs', () => {
  const site = '11111111-2222-4333-8444-555555555555';

  it('compiles the transforms of a pseudonymized set, loading them on demand', async () => {
    const rules = await loadRules({ ruleSets: ['jira-cloud-pseudonymized'] }, site);
    expect(rules.endpoints.some((e) => e.transformed)).toBe(true);
    expect(rules.endpoints.map((e) => e.id)).toEqual(
      (await loadRules({ ruleSets: ['jira-cloud'] }, site)).endpoints.map((e) => e.id),
    );
  });

  it('compiles a plain set without them, and custom rules through the YAML loader', async () => {
    const plain = await loadRules({ ruleSets: ['jira-cloud'] }, site);
    expect(plain.endpoints.length).toBeGreaterThan(0);
    expect(plain.endpoints.every((e) => !e.transformed)).toBe(true);
    const custom = await loadRules(
      { ruleSets: ['jira-cloud'], rulesInline: 'endpoints:\n  - id: me\n    path: /rest/api/3/myself\n' },
      site,
    );
    expect(custom.endpoints.map((e) => e.id)).toEqual(['me']);
  });
});

describe('pseudonymizedTwin', () => {
  it('refuses an endpoint without a transform rather than passing its answer through', () => {
    const doc = { endpoints: [{ id: 'new-endpoint', path: '/rest/api/3/new' }] };
    expect(() => pseudonymizedTwin(doc, {}, 'Jira Cloud')).toThrow(
      'no Jira Cloud transform for endpoint new-endpoint',
    );
    expect(pseudonymizedTwin(doc, { 'new-endpoint': { redact: ['$.x'] } }, 'Jira Cloud').endpoints).toEqual([
      { id: 'new-endpoint', path: '/rest/api/3/new', transforms: { redact: ['$.x'] } },
    ]);
  });
});
