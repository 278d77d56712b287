import { type App, createApp } from './app';
import { type Config, loadConfig } from './config';
import { setLogLevel } from './log';
import { loadRules } from './rules';
import { createStore } from './stores';
import type { SecretStore } from './stores/store';

/**
 * Cold-start work, done once per process: configuration, store client, compiled rules, the
 * app with its agents. Every entry point (serve, Lambda, Cloud Function, CLI) starts here.
 */
export interface Runtime {
  config: Config;
  store: SecretStore;
  app: App;
}

export async function createRuntime(config: Config = loadConfig(), store?: SecretStore): Promise<Runtime> {
  setLogLevel(config.logLevel);
  const s = store ?? (await createStore(config));
  const rules = config.jiraCloudId
    ? loadRules(
        { rulesFile: config.rulesFile, rulesInline: config.rulesInline, ruleSets: config.ruleSets },
        config.jiraCloudId,
      )
    : undefined;
  return { config, store: s, app: createApp({ config, store: s, rules }) };
}
