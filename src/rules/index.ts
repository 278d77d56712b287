import { compileTransform } from '../transforms';
import { compileCustomRules } from './load';
import { compileBuiltIns, createRules, type RuleSetSource, type Rules } from './rules';

export type { Decision } from './decide';
export { RulesError } from './errors';
export {
  createRules,
  type EndpointInfo,
  loadConfiguredRules,
  type RuleSetSource,
  type Rules,
} from './rules';
export type { RulesDocument } from './schema';

/**
 * Compiles the rules once per cold start: `RULES_FILE` or `RULES` (inline text) when set, which
 * replace the built-in sets; otherwise the `RULE_SET` list. Throws RulesError naming the source and line.
 */
export function loadRules(src: RuleSetSource, cloudId: string): Rules {
  const endpoints =
    src.rulesFile || src.rulesInline
      ? compileCustomRules(src)
      : compileBuiltIns(src.ruleSets, compileTransform);
  return createRules(endpoints, cloudId);
}
