import { stringify } from 'yaml';
import pkg from '../../package.json' with { type: 'json' };
import { loadConfig } from '../config';
import type { RulesDocument } from '../rules/schema';
import { BUILT_IN_SETS } from '../rules/sets';
import { RULE_SETS, type RuleSetName } from '../rules/sets/names';

/**
 * `rules --print [SET...]`: built-in rule sets as one YAML rules file. RULES_FILE replaces every
 * built-in set, so an operator adding one endpoint starts from this output (transforms, so
 * pseudonymization, included) instead of rewriting the sets. Without a name: the configured
 * RULE_SET.
 */
export async function printRules(names: string[]): Promise<void> {
  // `a,b` as RULE_SET writes it, or `a b`.
  const given = names
    .flatMap((n) => n.split(','))
    .map((n) => n.trim())
    .filter(Boolean);
  const config = loadConfig();
  const sets = given.length ? given.map(ruleSetName) : config.ruleSets;
  // The pseudonymized sets as this deployment builds them (KEEP_PROJECT_NAMES).
  const options = { keepProjectNames: config.keepProjectNames };
  const endpoints: RulesDocument['endpoints'] = [];
  for (const name of sets) endpoints.push(...(await BUILT_IN_SETS[name](options)).endpoints);
  const header =
    `# Built-in rule set${sets.length > 1 ? 's' : ''} ${sets.join(', ')} of jira-token-proxy ${pkg.version}.\n` +
    '# Save it, edit it, and point RULES_FILE at it: a rules file replaces RULE_SET (docs/RULES.md).\n';
  // No anchors: the sets share objects (paging, version params), and a reader edits each endpoint.
  process.stdout.write(header + stringify({ endpoints }, { aliasDuplicateObjects: false, lineWidth: 0 }));
}

function ruleSetName(name: string): RuleSetName {
  if ((RULE_SETS as readonly string[]).includes(name)) return name as RuleSetName;
  throw new Error(`no built-in rule set ${name}: choose from ${RULE_SETS.join(', ')}`);
}
