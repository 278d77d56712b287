import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadRules } from '../../src/rules';
import { BUILT_IN_SETS } from '../../src/rules/sets';
import { RULE_SETS } from '../../src/rules/sets/names';
import { DEFAULT_PSEUDONYMIZATION } from '../../src/transforms/options';
import { captureAll, GOLDEN_SALT, readGolden, startPseudonymizingProxy } from '../golden/capture';
import { runCli } from '../helpers/cli';

/**
 * `rules --print [SET...]`: a built-in set as a YAML rules file an operator starts a RULES_FILE
 * from. Loaded as RULES_FILE, the printed file is the built-in set: the same document, the same
 * compiled endpoints, and (pseudonymization included) the same answers through the proxy.
 */

const SITE = '11111111-2222-4333-8444-555555555555';
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jtp-rules-print-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function printed(args: string[], env: Record<string, string | undefined> = {}): Promise<string> {
  const r = await runCli(['rules', '--print', ...args], env).done;
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const file = join(dir, `${args.join('+') || 'default'}.yaml`);
  await writeFile(file, r.stdout);
  return file;
}

describe('rules --print', () => {
  it.each(RULE_SETS.map((name) => [name]))('%s, loaded as RULES_FILE, is the built-in set', async (name) => {
    const file = await printed([name]);
    const text = await readFile(file, 'utf8');
    expect(text).toMatch(new RegExp(`^# Built-in rule set ${name} of jira-token-proxy`));
    const builtIn = JSON.parse(JSON.stringify(await BUILT_IN_SETS[name](DEFAULT_PSEUDONYMIZATION)));
    expect(parse(text)).toEqual(builtIn);
    const fromFile = await loadRules({ rulesFile: file, ruleSets: [] }, SITE);
    const fromSet = await loadRules({ ruleSets: [name] }, SITE);
    expect(fromFile.endpoints).toEqual(fromSet.endpoints);
  });

  it('without a name prints the configured RULE_SET, every set in one file', async () => {
    const file = await printed([], { RULE_SET: 'jira-cloud,jira-service-management' });
    const fromFile = await loadRules({ rulesFile: file, ruleSets: [] }, SITE);
    const fromSets = await loadRules({ ruleSets: ['jira-cloud', 'jira-service-management'] }, SITE);
    expect(fromFile.endpoints).toEqual(fromSets.endpoints);
  });

  it('takes names comma separated, as RULE_SET writes them', async () => {
    const file = await printed(['jira-cloud,jira-service-management']);
    const fromFile = await loadRules({ rulesFile: file, ruleSets: [] }, SITE);
    const fromSets = await loadRules({ ruleSets: ['jira-cloud', 'jira-service-management'] }, SITE);
    expect(fromFile.endpoints).toEqual(fromSets.endpoints);
  });

  it('an unknown set is one line naming the choices', async () => {
    const r = await runCli(['rules', '--print', 'jira'], {}).done;
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `jira-token-proxy: no built-in rule set jira: choose from ${RULE_SETS.join(', ')}\n`,
    );
  });

  it('the printed pseudonymized set, as RULES_FILE, answers as the golden files say', async () => {
    const file = await printed(['jira-cloud-pseudonymized']);
    const proxy = await startPseudonymizingProxy(GOLDEN_SALT, { env: { RULES_FILE: file } });
    try {
      for (const c of await captureAll(proxy))
        expect(c.pseudonymized).toEqual(readGolden(c.endpoint).pseudonymized);
    } finally {
      await proxy.close();
    }
  });
});
