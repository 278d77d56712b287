import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DOC_END, DOC_START, renderSurvives } from '../../scripts/survives';

describe('docs/RULES.md, what survives pseudonymization', () => {
  it('is what the transforms produce (run `npm run docs:survives` after changing one)', () => {
    const doc = readFileSync(new URL('../../docs/RULES.md', import.meta.url), 'utf8');
    const start = doc.indexOf(DOC_START);
    const end = doc.indexOf(DOC_END);
    expect(start).toBeGreaterThan(0);
    expect(doc.slice(start, end + DOC_END.length)).toBe(renderSurvives());
  });
});
