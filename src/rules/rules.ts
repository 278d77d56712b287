import type { PseudonymizationOptions } from '../transforms/options';
import type { CompiledEndpoint, TransformCompiler } from './compile';
import { type Decision, decide } from './decide';
import { compileDocument, where } from './document';
import { RuleProblem, RulesError } from './errors';
import type { RulesDocument } from './schema';
import { BUILT_IN_SETS } from './sets';
import type { RuleSetName } from './sets/names';

export interface RuleSetSource {
  rulesFile?: string;
  rulesInline?: string;
  ruleSets: RuleSetName[];
  /** KEEP_PROJECT_NAMES, for the pseudonymized sets; default false. */
  keepProjectNames?: boolean;
}

export interface EndpointInfo {
  id: string;
  methods: readonly string[];
  /** The path template, or the regular expression for a `pathRegex` rule. */
  path: string;
  query: readonly string[];
  /** The JSON body keys a POST may send; empty when POST takes no body. */
  bodyKeys: readonly string[];
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
      bodyKeys: e.body ? [...e.body.rule.keys.keys()] : [],
      scopes: e.scopes,
      transformed: e.transform !== undefined,
    })),
  };
}

/**
 * Compiles the rules once per cold start: `RULES_FILE` or `RULES` (inline text) when set, which
 * replace the built-in sets; otherwise the `RULE_SET` list. What a source does not need is not
 * loaded: the YAML parser and the schema check only for custom rules, a built-in set only when
 * named, the transforms only for a set that has them (each is a chunk of the function bundles).
 * Throws RulesError naming the source and line.
 */
export async function loadRules(src: RuleSetSource, cloudId: string): Promise<Rules> {
  if (src.rulesFile || src.rulesInline)
    return createRules((await import('./load')).compileCustomRules(src), cloudId);
  const sets = await builtInSets(src.ruleSets, { keepProjectNames: src.keepProjectNames ?? false });
  const transformed = sets.some(([, doc]) => doc.endpoints.some((e) => e.transforms));
  const transforms = transformed ? (await import('../transforms')).compileTransform : undefined;
  return createRules(compileBuiltIns(sets, transforms), cloudId);
}

async function builtInSets(
  names: readonly RuleSetName[],
  options: PseudonymizationOptions,
): Promise<[RuleSetName, RulesDocument][]> {
  if (names.length === 0) throw new RulesError('RULE_SET: name at least one rule set');
  return Promise.all(
    names.map(async (name): Promise<[RuleSetName, RulesDocument]> => {
      const load = Object.hasOwn(BUILT_IN_SETS, name) ? BUILT_IN_SETS[name] : undefined;
      if (!load) throw new RulesError(`RULE_SET: the rule set ${name} is not built into this version`);
      return [name, await load(options)];
    }),
  );
}

/** The built-in sets' endpoints; the sets are typed constants, checked by a test, not at run time. */
function compileBuiltIns(
  sets: readonly [RuleSetName, RulesDocument][],
  transforms: TransformCompiler | undefined,
): CompiledEndpoint[] {
  const owner = new Map<string, RuleSetName>();
  const endpoints: CompiledEndpoint[] = [];
  for (const [name, doc] of sets) {
    for (const { id } of doc.endpoints) {
      const other = owner.get(id);
      if (other) {
        throw new RulesError(`RULE_SET: ${other} and ${name} both define the endpoint ${id}; choose one`);
      }
      owner.set(id, name);
    }
    try {
      endpoints.push(...compileDocument(doc, new Set(), transforms));
    } catch (err) {
      if (!(err instanceof RuleProblem)) throw err;
      throw new RulesError(`RULE_SET ${name}: ${where(err.at)}${err.message}`);
    }
  }
  return endpoints;
}
