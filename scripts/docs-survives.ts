import { readFileSync, writeFileSync } from 'node:fs';
import { DOC_END, DOC_START, renderSurvives } from './survives';

/** Rewrites the generated "what survives" section of docs/RULES.md from the transforms. */
const file = new URL('../docs/RULES.md', import.meta.url);
const text = readFileSync(file, 'utf8');
const start = text.indexOf(DOC_START);
const end = text.indexOf(DOC_END);
if (start < 0 || end < start) throw new Error(`docs/RULES.md has no ${DOC_START} ... ${DOC_END} section`);
writeFileSync(file, text.slice(0, start) + renderSurvives() + text.slice(end + DOC_END.length));
console.log('docs/RULES.md: the survives section is up to date');
