import { describe, expect, it } from 'vitest';
import { RulesError } from '../../src/rules';
import { compileRulesText } from '../../src/rules/load';

// zod/mini ships no locale; these pin the English messages for problems the schemas give no text.
describe('messages zod writes itself', () => {
  it.each([
    ['description: 3', 'RULES:3: endpoints[0].description: Invalid input: expected string, received number'],
    ['methods: []', 'RULES:3: endpoints[0].methods: Too small: expected array to have >=1 items'],
    ['params: { v: 1 }', 'RULES:3: endpoints[0].params.v: Invalid input: expected string, received number'],
  ])('%s', (field, message) => {
    const text = `endpoints:\n  - id: a\n    ${field}\n    path: /rest/a\n`;
    expect(() => compileRulesText(text, 'RULES')).toThrow(new RulesError(message));
  });
});
