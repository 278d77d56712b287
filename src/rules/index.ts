export type { Decision } from './decide';
export { RulesError } from './errors';
export { createRules, type EndpointInfo, loadRules, type RuleSetSource, type Rules } from './rules';
export type { RulesDocument } from './schema';
