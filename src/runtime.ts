import { type App, createApp } from './app';
import { type Config, loadConfig } from './config';
import { setLogLevel } from './log';
import { loadConfiguredRules } from './rules/rules';
import { openStore, type StoreLoaders } from './stores/open';
import type { SecretStore } from './stores/store';

/**
 * Cold-start work, done once per process: configuration, store client, compiled rules, the
 * app with its agents. Every entry point (serve, Lambda, Cloud Function, CLI) starts here, naming
 * the stores it offers (src/stores/{aws,gcp,index}.ts), so a bundle holds only its own.
 */
export interface Runtime {
  config: Config;
  store: SecretStore;
  app: App;
}

export async function createRuntime(
  stores: StoreLoaders,
  config: Config = loadConfig(),
  store?: SecretStore,
): Promise<Runtime> {
  setLogLevel(config.logLevel);
  const s = store ?? (await openStore(config, stores));
  const rules = config.jiraCloudId
    ? await loadConfiguredRules(
        { rulesFile: config.rulesFile, rulesInline: config.rulesInline, ruleSets: config.ruleSets },
        config.jiraCloudId,
      )
    : undefined;
  return { config, store: s, app: createApp({ config, store: s, rules }) };
}
