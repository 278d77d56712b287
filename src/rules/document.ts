import { type CompiledEndpoint, compileEndpoint, type TransformCompiler } from './compile';
import { RuleProblem } from './errors';
import type { RulesDocument } from './schema';

/**
 * A checked rules document to endpoints. Nothing here loads zod or the YAML parser: the built-in
 * sets are typed constants and compile straight from here; custom rules are parsed and checked
 * first (load.ts, schema.ts), in their own chunk of the function bundles.
 */

export type At = (string | number)[];

/** Compiles a checked document; a problem carries the document path to it. */
export function compileDocument(
  doc: RulesDocument,
  seenIds = new Set<string>(),
  transforms?: TransformCompiler,
): CompiledEndpoint[] {
  return doc.endpoints.map((rule, i) => {
    if (seenIds.has(rule.id))
      throw new RuleProblem(['endpoints', i, 'id'], `endpoint id ${rule.id} is used twice`);
    seenIds.add(rule.id);
    return compileEndpoint(rule, ['endpoints', i], transforms);
  });
}

/** `endpoints[2].params.version: ` */
export function where(at: At): string {
  if (at.length === 0) return '';
  return `${at.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('')}: `;
}
