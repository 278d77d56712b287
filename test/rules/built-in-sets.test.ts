import { describe, expect, it } from 'vitest';
import { RULE_SETS } from '../../src/config';
import { english, rulesDocument } from '../../src/rules/schema';
import { BUILT_IN_SETS } from '../../src/rules/sets';

/** The cold start compiles the built-in sets without the schema check (src/rules/document.ts): this is it. */
describe('built-in rule sets', () => {
  it.each(RULE_SETS.map((name) => [name]))('%s passes the rules schema unchanged', (name) => {
    const doc = BUILT_IN_SETS[name];
    expect(doc).toBeDefined();
    const parsed = rulesDocument.safeParse(doc, { error: english });
    expect(parsed.error?.issues).toBeUndefined();
    // Nothing stripped or defaulted: the compiled document is the one the schema would have passed on.
    expect(parsed.data).toEqual(doc);
  });
});
