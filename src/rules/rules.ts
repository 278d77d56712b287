import { type CompiledEndpoint, RuleProblem, type TransformCompiler } from './compile';
import { type Decision, decide } from './decide';
import { compileDocument, where } from './document';
import { RulesError } from './errors';
import { BUILT_IN_SETS } from './sets';
import type { RuleSetName } from './sets/names';

export interface RuleSetSource {
  rulesFile?: string;
  rulesInline?: string;
  ruleSets: RuleSetName[];
}

export interface EndpointInfo {
  id: string;
  methods: readonly string[];
  /** The path template, or the regular expression for a `pathRegex` rule. */
  path: string;
  query: readonly string[];
  /** Alternatives: any one fully granted will do; empty = no scope needed. */
  scopes: readonly (readonly string[])[];
  /** true when the endpoint's responses are redacted or pseudonymized. */
  transformed: boolean;
}

export interface Rules {
  /** Canonicalises and matches one caller request. Pure and fast: no I/O, no allocation-heavy work. */
  decide(method: string, rawTarget: string, grantedScopes: ReadonlySet<string> | undefined): Decision;
  readonly endpoints: readonly EndpointInfo[];
}

export function createRules(endpoints: readonly CompiledEndpoint[], cloudId: string): Rules {
  const id = cloudId.toLowerCase();
  return {
    decide: (method, rawTarget, grantedScopes) => decide(endpoints, id, method, rawTarget, grantedScopes),
    endpoints: endpoints.map((e) => ({
      id: e.id,
      methods: [...e.methods],
      path: e.path,
      query: [...e.query.keys()],
      scopes: e.scopes,
      transformed: e.transform !== undefined,
    })),
  };
}

export function compileBuiltIns(
  names: readonly RuleSetName[],
  transforms?: TransformCompiler,
): CompiledEndpoint[] {
  if (names.length === 0) throw new RulesError('RULE_SET: name at least one rule set');
  const owner = new Map<string, RuleSetName>();
  const endpoints: CompiledEndpoint[] = [];
  for (const name of names) {
    const doc = BUILT_IN_SETS[name];
    if (!doc) throw new RulesError(`RULE_SET: the rule set ${name} is not built into this version`);
    for (const { id } of doc.endpoints) {
      const other = owner.get(id);
      if (other) {
        throw new RulesError(`RULE_SET: ${other} and ${name} both define the endpoint ${id}; choose one`);
      }
      owner.set(id, name);
    }
    try {
      endpoints.push(...compileDocument(doc, new Set(), true, transforms));
    } catch (err) {
      if (!(err instanceof RuleProblem)) throw err;
      throw new RulesError(`RULE_SET ${name}: ${where(err.at)}${err.message}`);
    }
  }
  return endpoints;
}

/**
 * `loadRules` for a cold start: the built-in sets without the YAML parser, which is loaded (its own
 * chunk in the function bundles) only when RULES_FILE or RULES replace them.
 */
export async function loadConfiguredRules(src: RuleSetSource, cloudId: string): Promise<Rules> {
  if (src.rulesFile || src.rulesInline)
    return createRules((await import('./load')).compileCustomRules(src), cloudId);
  const transformed = src.ruleSets.some((name) => BUILT_IN_SETS[name]?.endpoints.some((e) => e.transforms));
  const transforms = transformed ? (await import('../transforms')).compileTransform : undefined;
  return createRules(compileBuiltIns(src.ruleSets, transforms), cloudId);
}
