import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { createHttpServer, listen } from '../../src/adapters/node-http';
import type { App } from '../../src/app';
import { type Config, loadConfig } from '../../src/config';
import { loadRules } from '../../src/rules';
import { buildRuntime } from '../../src/runtime';
import {
  PSOXY_SCOPES,
  SANDBOX_CLIENT,
  SANDBOX_SITE,
  type Sandbox,
  type SandboxOptions,
  startSandbox,
} from '../../src/sandbox';
import { secretNames } from '../../src/secrets';
import { FileStore } from '../../src/stores/file';
import type { SecretStore } from '../../src/stores/store';
import { TokenClient } from '../../src/tokens/atlassian';
import { installFamily } from '../../src/tokens/bootstrap';
import { InstrumentedStore } from './instrumented-store';

/** A clock shared by the sandbox and the proxy, so tests can jump ahead in time. */
export function testClock(start = Date.now()) {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

export interface TestProxy {
  url: string;
  sandbox: Sandbox;
  store: InstrumentedStore;
  app: App;
  config: Config;
  dir: string;
  close(): Promise<void>;
}

/** Writes a fresh token family for the sandbox's default client into `store`. */
export async function seedFamily(
  sandbox: Sandbox,
  store: SecretStore,
  config: Config,
  scopes = PSOXY_SCOPES,
) {
  const redirectUri = 'http://localhost:8080/callback';
  return installFamily({
    store,
    names: secretNames(config.secretPrefix),
    tokenClient: new TokenClient(sandbox.url),
    apiUrl: sandbox.url,
    credentials: { clientId: SANDBOX_CLIENT.clientId, clientSecret: SANDBOX_CLIENT.clientSecret },
    code: sandbox.mintCode({ scopes, redirectUri }),
    redirectUri,
  });
}

export function sandboxConfig(
  sandbox: Sandbox,
  secretFile: string,
  env: Record<string, string> = {},
): Config {
  return loadConfig({
    SECRET_FILE: secretFile,
    ATLASSIAN_AUTH_URL: sandbox.url,
    ATLASSIAN_API_URL: sandbox.url,
    JIRA_CLOUD_ID: SANDBOX_SITE.id,
    LOG_LEVEL: 'silent',
    ...env,
  });
}

/** The proxy on node:http over a real file store, against a fresh sandbox. */
export async function startProxy(
  opts: {
    sandbox?: SandboxOptions;
    existingSandbox?: Sandbox;
    env?: Record<string, string>;
    dir?: string;
    seed?: boolean;
    now?: () => number;
    scopes?: string[];
  } = {},
): Promise<TestProxy> {
  const sandbox = opts.existingSandbox ?? (await startSandbox(opts.sandbox));
  const ownDir = opts.dir === undefined;
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'jtp-')));
  const config = sandboxConfig(sandbox, join(dir, 'secrets.json'), opts.env);
  const store = new InstrumentedStore(new FileStore({ path: config.secretFile }));
  if (opts.seed !== false) await seedFamily(sandbox, store, config, opts.scopes);
  const rules = await loadRules(
    {
      rulesFile: config.rulesFile,
      rulesInline: config.rulesInline,
      ruleSets: config.ruleSets,
      keepProjectNames: config.keepProjectNames,
    },
    SANDBOX_SITE.id,
  );
  const { app } = buildRuntime({ config, store, rules, now: opts.now });
  // As `serve` bound to loopback: the Host check against loopback names and ALLOWED_HOSTS.
  const server: Server = createHttpServer(app, { allowedHosts: config.allowedHosts });
  const port = await listen(server, 0);
  return {
    url: `http://127.0.0.1:${port}`,
    sandbox,
    store,
    app,
    config,
    dir,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await app.close();
      if (!opts.existingSandbox) await sandbox.close();
      if (ownDir) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** `startProxy` for one test file: every proxy a test starts is closed after it. */
export function proxiesClosedAfterEach(): (opts?: Parameters<typeof startProxy>[0]) => Promise<TestProxy> {
  let started: TestProxy[] = [];
  afterEach(async () => {
    await Promise.all(started.map((p) => p.close()));
    started = [];
  });
  return async (opts = {}) => {
    const p = await startProxy(opts);
    started.push(p);
    return p;
  };
}
