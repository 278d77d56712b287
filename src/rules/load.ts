import { readFileSync } from 'node:fs';
import { type Document, isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import { compileTransform } from '../transforms';
import type { CompiledEndpoint } from './compile';
import { type At, compileDocument, where } from './document';
import { RuleProblem, RulesError } from './errors';
import { checkRulesDocument } from './schema';

/** The endpoints of `RULES_FILE` or `RULES` (inline text), which replace the built-in sets. */
export function compileCustomRules(src: { rulesFile?: string; rulesInline?: string }): CompiledEndpoint[] {
  if (src.rulesFile) return compileRulesFile(src.rulesFile);
  return compileRulesText(src.rulesInline ?? '', 'RULES');
}

/**
 * Reads a rules file (YAML or JSON; JSON is read as YAML, so both get line numbers) and compiles
 * it. Every error names the source and the line at fault.
 */
export function compileRulesFile(file: string): CompiledEndpoint[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new RulesError(
      `RULES_FILE ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  return compileRulesText(text, file);
}

export function compileRulesText(text: string, source: string): CompiledEndpoint[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const fail = (offset: number | undefined, message: string): never => {
    const line = offset === undefined ? '' : `:${lines.linePos(offset).line}`;
    throw new RulesError(`${source}${line}: ${message}`);
  };
  const syntax = doc.errors[0];
  if (syntax) fail(syntax.pos[0], `not valid YAML or JSON: ${syntax.message.split('\n')[0]}`);

  try {
    return compileDocument(checkRulesDocument(doc.toJS({ maxAliasCount: 100 })), new Set(), compileTransform);
  } catch (err) {
    if (!(err instanceof RuleProblem)) throw err;
    const offset = err.key === undefined ? nodeOffset(doc, err.at) : keyOffset(doc, err.at, err.key);
    return fail(offset, `${where(err.at)}${err.message}`);
  }
}

/** The start of the deepest node that exists along `at`. */
function nodeOffset(doc: Document, at: At): number | undefined {
  for (let n = at.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(at.slice(0, n), true);
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (range) return range[0];
  }
  return undefined;
}

function keyOffset(doc: Document, at: At, key: string): number | undefined {
  const map = at.length === 0 ? doc.contents : doc.getIn(at, true);
  if (isMap(map)) {
    const pair = map.items.find((p) => isScalar(p.key) && p.key.value === key);
    const range = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
    if (range) return range[0];
  }
  return nodeOffset(doc, at);
}
