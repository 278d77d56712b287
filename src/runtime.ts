import { type App, createApp } from './app';
import { callerNetworks } from './caller-networks';
import { type Config, loadConfig } from './config';
import { Upstream } from './forward';
import { createHealth } from './health';
import { setLogLevel } from './log';
import { createProxy } from './proxy';
import { QuotaHold } from './quota-hold';
import type { Rules } from './rules';
import { loadRules } from './rules';
import { saltLoader } from './salt';
import { secretNames } from './secrets';
import { openStore, type StoreLoaders } from './stores/open';
import type { SecretStore } from './stores/store';
import { TokenClient } from './tokens/atlassian';
import { TokenLifecycle } from './tokens/lifecycle';
import type { Timers } from './tokens/timers';

/**
 * The one place that wires the proxy, once per process: configuration → store → token lifecycle →
 * upstream agents → rules → app. Every entry point (serve, Lambda, Cloud Function, CLI) starts
 * here, naming the stores it offers (src/stores/{aws,gcp,index}.ts), so a bundle holds only its own.
 * The core (src/app.ts) and its parts construct nothing of each other.
 */
export interface Runtime {
  config: Config;
  store: SecretStore;
  app: App;
  /** Reads the token family now (the cold start's first store round trip); failures surface per request. */
  warm(): Promise<void>;
}

export async function createRuntime(
  stores: StoreLoaders,
  config: Config = loadConfig(),
  store?: SecretStore,
): Promise<Runtime> {
  setLogLevel(config.logLevel);
  // Both load chunks of the function bundles: the store's SDK and the configured rule sets.
  const [s, rules] = await Promise.all([
    store ?? openStore(config, stores),
    config.jiraCloudId
      ? loadRules(
          {
            rulesFile: config.rulesFile,
            rulesInline: config.rulesInline,
            ruleSets: config.ruleSets,
            keepProjectNames: config.keepProjectNames,
          },
          config.jiraCloudId,
        )
      : undefined,
  ]);
  return buildRuntime({ config, store: s, rules });
}

export interface RuntimeParts {
  config: Config;
  store: SecretStore;
  /** Compiled rules; undefined when JIRA_CLOUD_ID is not configured. */
  rules: Rules | undefined;
  now?: () => number;
  /**
   * Tests shorten the token call's timeout and the unfinished-spend timer instead of waiting them
   * out, and drive the lifecycle's background timers (the lease heartbeat) with their clock.
   */
  tokenTimings?: { callTimeoutMs?: number; finishAfterMs?: number; timers?: Timers };
}

/** The app over an opened store and compiled rules (tests and benchmarks build those themselves). */
export function buildRuntime({ config, store, rules, now, tokenTimings }: RuntimeParts): Runtime {
  const names = secretNames(config.secretPrefix);
  const tokens = new TokenLifecycle({
    store,
    names,
    client: new TokenClient(config.authUrl, tokenTimings?.callTimeoutMs),
    refreshMarginSeconds: config.refreshMarginSeconds,
    lockTtlMs: config.lockTtlMs,
    finishAfterMs: tokenTimings?.finishAfterMs,
    timers: tokenTimings?.timers,
    now,
  });
  const upstream = new Upstream(config.upstreamTimeoutMs, config.maxResponseBytes);
  const loadSalt = saltLoader(store, names.SALT);
  const quota = new QuotaHold(now);
  const app = createApp({
    rules,
    tokens,
    proxy: createProxy({ apiUrl: config.apiUrl, upstream, tokens, quota, loadSalt }),
    health: createHealth({ config, store, rules, tokens, loadSalt, quota: () => quota.state() }),
    callerNetworks: config.allowedCallerIpRanges.length
      ? callerNetworks(config.allowedCallerIpRanges)
      : undefined,
    audit: config.auditLog,
    async close() {
      tokens.close();
      await upstream.close();
      await store.close?.();
    },
  });
  return { config, store, app, warm: () => tokens.accessToken().then(() => undefined) };
}
