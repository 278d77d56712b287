import { rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { isLoopbackAddress } from '../adapters/host-check';
import { createHttpServer } from '../adapters/node-http';
import { type Config, loadConfig, sandboxRateLimits, sandboxTokenLifetimeSeconds } from '../config';
import { logger } from '../log';
import { createRuntime } from '../runtime';
import { secretNames } from '../secrets';
import { ALL_STORES, createStore } from '../stores';
import { TokenClient } from '../tokens/atlassian';
import { installFamily } from '../tokens/bootstrap';
import { parseFamily } from '../tokens/values';
import { holdPort } from './ports';

/**
 * `serve`: the proxy on node:http. With no tokens in the store and no JIRA_CLOUD_ID, it runs in
 * sandbox mode: the built-in Atlassian sandbox on loopback, a fresh token family in a file store
 * of its own, so a first `npm start` shows a real request going through.
 */
export async function serve(opts: { port?: number; host: string }): Promise<void> {
  let config = loadConfig();
  // The port first: a second `serve` on a busy port stops here, before it touches any state.
  const held = await holdPort(opts.port ?? config.port, opts.host);
  const port = held.port;
  config = { ...config, port };
  let sandbox: Awaited<ReturnType<typeof startSandboxMode>> | undefined;
  let app: Awaited<ReturnType<typeof createRuntime>>['app'];
  try {
    const stored = config.jiraCloudId ? undefined : await storedState(config);
    // After a bootstrap into the local store, the family's own site is the one to serve.
    if (stored?.cloudId) config = { ...config, jiraCloudId: stored.cloudId };
    sandbox = stored && !stored.hasTokens ? await startSandboxMode(config, port) : undefined;
    if (sandbox) config = sandbox.config;
    ({ app } = await createRuntime(ALL_STORES, config));
  } catch (err) {
    // Nothing may keep a failed start alive: the error is the answer.
    held.close();
    await sandbox?.close();
    throw err;
  }
  // Bound to loopback, Host must be a loopback name or in ALLOWED_HOSTS (DNS rebinding).
  await held.handTo(
    createHttpServer(app, {
      allowedHosts:
        isLoopbackAddress(opts.host) || config.allowedHosts.length ? config.allowedHosts : undefined,
    }),
  );
  const base = `http://${opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host}:${port}`;
  if (sandbox) {
    console.log(`jira-token-proxy: SANDBOX MODE (no tokens stored and JIRA_CLOUD_ID unset)`);
    console.log(`  Atlassian sandbox on ${sandbox.url}; token family in ${config.secretFile}`);
    if (sandbox.rateLimits) console.log(`  the sandbox enforces (SANDBOX_RATE_LIMIT): ${sandbox.rateLimits}`);
    console.log(`  try: curl ${base}/rest/api/3/myself`);
    console.log('  for the CLI in another terminal (status, refresh), first:');
    console.log(
      `  export SECRET_FILE=${shellWord(config.secretFile)} ATLASSIAN_AUTH_URL=${sandbox.url} ATLASSIAN_API_URL=${sandbox.url}`,
    );
  } else {
    console.log(
      `jira-token-proxy: listening on ${base} for Jira site ${config.jiraCloudId ?? '(JIRA_CLOUD_ID unset)'}`,
    );
    console.log(`  health: curl ${base}/_health`);
  }
  logger.info('serving', { port, store: config.store, sandbox: Boolean(sandbox) });

  const stop = async () => {
    held.close();
    await app.close();
    await sandbox?.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** A value as one shell word, so the printed export line can be pasted as it is. */
const shellWord = (v: string) => (/^[\w@%+=:,./-]+$/.test(v) ? v : `'${v.replaceAll("'", `'\\''`)}'`);

async function storedState(config: Config): Promise<{ hasTokens: boolean; cloudId: string | undefined }> {
  const store = await createStore(config);
  try {
    const n = secretNames(config.secretPrefix);
    const got = await store.read([n.REFRESH_TOKEN, n.ACCESS_TOKEN, n.TOKEN_FAMILY]);
    const family = got.get(n.TOKEN_FAMILY);
    return {
      hasTokens: got.has(n.REFRESH_TOKEN) || got.has(n.ACCESS_TOKEN),
      cloudId: family ? parseFamily(family.value)?.cloudId || undefined : undefined,
    };
  } finally {
    await store.close?.();
  }
}

async function startSandboxMode(base: Config, port: number) {
  // The sandbox is a separate program: only this CLI path loads it.
  const {
    startSandbox,
    SANDBOX_CLIENT,
    PSOXY_SCOPES,
    JIRA_SOFTWARE_SCOPES,
    parseRateLimits,
    describeRateLimits,
  } = await import('../sandbox');
  const rateLimits = sandboxRateLimits(parseRateLimits);
  const sandbox = await startSandbox({
    accessTokenLifetimeSeconds: sandboxTokenLifetimeSeconds(),
    rateLimits,
  });
  // Named for the port this process holds, so no other sandbox is using it: a file left there is
  // from one that has stopped. Absolute, so the exports printed work from any folder.
  const secretFile = resolve(dirname(base.secretFile), `sandbox-${port}-secrets.json`);
  await rm(secretFile, { force: true });
  const config: Config = {
    ...base,
    store: 'file',
    secretFile,
    authUrl: sandbox.url,
    apiUrl: sandbox.url,
  };
  const close = async () => {
    await sandbox.close();
    await rm(secretFile, { force: true });
  };
  const store = await createStore(config);
  const redirectUri = 'http://localhost:8080/callback';
  try {
    const family = await installFamily({
      store,
      names: secretNames(config.secretPrefix),
      tokenClient: new TokenClient(sandbox.url),
      apiUrl: sandbox.url,
      credentials: { clientId: SANDBOX_CLIENT.clientId, clientSecret: SANDBOX_CLIENT.clientSecret },
      // Jira Software's scopes too, so that RULE_SET=jira-cloud,jira-software shows every endpoint
      code: sandbox.mintCode({ scopes: [...PSOXY_SCOPES, ...JIRA_SOFTWARE_SCOPES], redirectUri }),
      redirectUri,
    });
    return {
      url: sandbox.url,
      close,
      config: { ...config, jiraCloudId: family.site.id },
      rateLimits: rateLimits?.length ? describeRateLimits(rateLimits) : undefined,
    };
  } catch (err) {
    await close();
    throw err;
  } finally {
    await store.close?.();
  }
}
