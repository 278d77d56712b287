import { type CompiledEndpoint, compileEndpoint, RuleProblem, type TransformCompiler } from './compile';
import { english, type RulesDocument, rulesDocument } from './schema';

/** A parsed rules document to endpoints, without the YAML parser (only custom rules files need it). */

export type At = (string | number)[];

/**
 * Compiles a parsed document; a problem carries the document path to it. `trusted` skips the schema
 * check, for the built-in sets only: they are typed constants, checked against the schema by
 * test/rules/built-in-sets.test.ts, and the check was a third of the cold start's own work.
 */
export function compileDocument(
  input: RulesDocument,
  seenIds = new Set<string>(),
  trusted = false,
  transforms?: TransformCompiler,
): CompiledEndpoint[] {
  if (trusted) return compileEndpoints(input, seenIds, transforms);
  // one parse per document: compiling zod's JIT parser for it would cost more than it saves
  const parsed = rulesDocument.safeParse(input, { error: english, jitless: true });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = (issue?.path ?? []) as At;
    if (issue?.code === 'unrecognized_keys') {
      const key = issue.keys[0] ?? '';
      throw new RuleProblem(at, `unknown key ${JSON.stringify(key)}`, key);
    }
    throw new RuleProblem(at, issue?.message ?? 'invalid');
  }
  return compileEndpoints(parsed.data, seenIds, transforms);
}

function compileEndpoints(
  doc: RulesDocument,
  seenIds: Set<string>,
  transforms: TransformCompiler | undefined,
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
