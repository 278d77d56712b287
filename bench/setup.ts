import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHttpServer, listen } from '../src/adapters/node-http';
import type { App } from '../src/app';
import { loadConfig } from '../src/config';
import { loadRules } from '../src/rules';
import { buildRuntime } from '../src/runtime';
import { PSOXY_SCOPES, SANDBOX_CLIENT, SANDBOX_SITE, type Sandbox, startSandbox } from '../src/sandbox';
import { secretNames } from '../src/secrets';
import { FileStore } from '../src/stores/file';
import type { SecretStore, StoredValue, WriteOptions } from '../src/stores/store';
import { TokenClient } from '../src/tokens/atlassian';
import { installFamily } from '../src/tokens/bootstrap';
import { parseAccessToken } from '../src/tokens/values';

/** Counts store calls: the warm-path figure is "store calls per 1,000 requests". */
export class CountingStore implements SecretStore {
  calls = 0;
  readonly description = 'counting file store';
  constructor(private readonly inner: SecretStore) {}
  read(names: readonly string[]): Promise<Map<string, StoredValue>> {
    this.calls++;
    return this.inner.read(names);
  }
  write(name: string, value: string, opts?: WriteOptions): Promise<string> {
    this.calls++;
    return this.inner.write(name, value, opts);
  }
  tryLock(name: string, owner: string, ttlMs: number, note?: string): Promise<boolean> {
    this.calls++;
    return this.inner.tryLock(name, owner, ttlMs, note);
  }
  extendLock(name: string, owner: string, ttlMs: number, note?: string): Promise<boolean> {
    this.calls++;
    return this.inner.extendLock(name, owner, ttlMs, note);
  }
  unlock(name: string, owner: string): Promise<void> {
    this.calls++;
    return this.inner.unlock(name, owner);
  }
}

export interface BenchProxy {
  sandbox: Sandbox;
  app: App;
  store: CountingStore;
  proxyUrl: string;
  directUrl: string;
  accessToken(): Promise<string>;
  close(): Promise<void>;
}

/** Sandbox + proxy on node:http over a file store, with a seeded token family. */
export async function startBenchProxy(
  opts: { now?: () => number; ruleSets?: string } = {},
): Promise<BenchProxy> {
  const sandbox = await startSandbox({ now: opts.now });
  const dir = await mkdtemp(join(tmpdir(), 'jtp-bench-'));
  const config = loadConfig({
    SECRET_FILE: join(dir, 'secrets.json'),
    ATLASSIAN_AUTH_URL: sandbox.url,
    ATLASSIAN_API_URL: sandbox.url,
    JIRA_CLOUD_ID: SANDBOX_SITE.id,
    LOG_LEVEL: 'silent',
    // The in-process proxy's counts (store and token calls) need no trail; `serve`'s figures keep it.
    AUDIT_LOG: 'off',
    RULE_SET: opts.ruleSets ?? 'jira-cloud',
  });
  const store = new CountingStore(new FileStore({ path: config.secretFile }));
  const names = secretNames(config.secretPrefix);
  const redirectUri = 'http://localhost:8080/callback';
  await installFamily({
    store,
    names,
    tokenClient: new TokenClient(sandbox.url),
    apiUrl: sandbox.url,
    credentials: { clientId: SANDBOX_CLIENT.clientId, clientSecret: SANDBOX_CLIENT.clientSecret },
    code: sandbox.mintCode({ scopes: PSOXY_SCOPES, redirectUri }),
    redirectUri,
  });
  const rules = await loadRules({ ruleSets: config.ruleSets }, SANDBOX_SITE.id);
  const { app } = buildRuntime({ config, store, rules, now: opts.now });
  const server = createHttpServer(app);
  const port = await listen(server, 0);
  return {
    sandbox,
    app,
    store,
    proxyUrl: `http://127.0.0.1:${port}`,
    directUrl: `${sandbox.url}/ex/jira/${SANDBOX_SITE.id}`,
    async accessToken() {
      const raw = (await store.read([names.ACCESS_TOKEN])).get(names.ACCESS_TOKEN)?.value ?? '';
      return parseAccessToken(raw)?.token ?? '';
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await app.close();
      await sandbox.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
