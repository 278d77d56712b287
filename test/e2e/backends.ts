import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/sandbox';
import { SecretsManagerStore } from '../../src/stores/aws-secrets-manager';
import { SsmStore } from '../../src/stores/aws-ssm';
import { GcpSecretManagerStore } from '../../src/stores/gcp-secret-manager';
import type { SecretStore } from '../../src/stores/store';
import { startGcpSecretManagerServer } from '../servers/gcp-secret-manager-server';
import { startSecretsManagerServer } from '../servers/secrets-manager-server';
import { startSsmServer } from '../servers/ssm-server';
import { startAwsDenyProxy } from './aws-deny-proxy';
import { kill, type ServeProcess } from './fleet-helper';

/**
 * One cloud store's loopback server seen the same way whichever the store: the environment a
 * child CLI process needs, the values the server holds, its call log, and a write refusal on
 * one secret. Tests use it to run the real CLI against every store with one body of code.
 */

export const CLOUD_STORES = ['aws-ssm', 'aws-secrets-manager', 'gcp-secret-manager'] as const;
export type CloudStore = (typeof CLOUD_STORES)[number];

export interface StoreBackend {
  kind: CloudStore;
  /** SECRET_STORE and the endpoint, project and dummy-credential variables for a child process. */
  env: Record<string, string>;
  /** The value a reader of the store sees now, or undefined. */
  value(name: string): string | undefined;
  /** Operations the server has received so far, in order (e.g. `PutParameter`, `addSecretVersion`). */
  ops(): string[];
  /** From now on, writes of `name` are refused as an IAM policy would (access denied). */
  denyWrite(name: string): void;
  allow(): void;
  /** The store as the proxy would open it, in this process (for seeding). */
  openStore(): SecretStore;
  close(): Promise<void>;
}

const DUMMY_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
/**
 * The AWS SDK prints a 9-line deprecation warning to stderr on Node < 22 (this repo's CI runs 20,
 * production 22); it would bury the CLI's one-line errors that the tests read.
 */
const QUIET_SDK = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
Object.assign(process.env, QUIET_SDK); // for the clients of `openStore`, in this test process

export async function startBackend(kind: CloudStore): Promise<StoreBackend> {
  if (kind === 'aws-ssm') {
    const server = await startSsmServer();
    const proxy = await startAwsDenyProxy(server.url, 'ssm');
    return {
      kind,
      env: { ...server.env, ...QUIET_SDK, AWS_ENDPOINT_URL_SSM: proxy.url, SECRET_STORE: kind },
      value: (name) => server.params.get(name)?.value,
      ops: () => [...server.calls],
      denyWrite: (name) => proxy.deny('PutParameter', name),
      allow: () => proxy.allow(),
      openStore: () =>
        new SsmStore({
          client: new SSMClient({
            region: 'us-east-1',
            endpoint: server.url,
            credentials: DUMMY_CREDENTIALS,
          }),
        }),
      close: async () => {
        await proxy.close();
        await server.close();
      },
    };
  }
  if (kind === 'aws-secrets-manager') {
    const server = await startSecretsManagerServer();
    const proxy = await startAwsDenyProxy(server.url, 'secretsmanager');
    return {
      kind,
      env: { ...server.env, ...QUIET_SDK, AWS_ENDPOINT_URL_SECRETS_MANAGER: proxy.url, SECRET_STORE: kind },
      value: (name) => server.current(name)?.value,
      ops: () => [...server.calls],
      denyWrite: (name) => {
        for (const op of ['PutSecretValue', 'CreateSecret', 'UpdateSecretVersionStage']) proxy.deny(op, name);
      },
      allow: () => proxy.allow(),
      openStore: () =>
        new SecretsManagerStore({
          client: new SecretsManagerClient({
            region: 'us-east-1',
            endpoint: server.url,
            credentials: DUMMY_CREDENTIALS,
          }),
        }),
      close: async () => {
        await proxy.close();
        await server.close();
      },
    };
  }
  const server = await startGcpSecretManagerServer();
  const env = server.env();
  return {
    kind,
    env: { ...env, SECRET_STORE: kind },
    value: (name) => server.current(name),
    ops: () => server.calls.map((c) => c.rpc),
    denyWrite: (name) => server.deny('addSecretVersion', name),
    allow: () => server.allow(),
    openStore: () =>
      new GcpSecretManagerStore({ project: env.GCP_PROJECT as string, emulatorHost: server.host }),
    close: () => server.close(),
  };
}

/**
 * A suite's store backend and a strict sandbox (no reuse leeway, an old access token dead as soon
 * as a newer one is issued) issuing `lifetimeS`-second access tokens; the `serve` processes a test
 * puts in `processes` are killed after the suite.
 */
export function strictWorld(kind: CloudStore, lifetimeS: number) {
  const world = {
    backend: undefined as unknown as StoreBackend,
    sandbox: undefined as unknown as Sandbox,
    processes: [] as ServeProcess[],
  };
  beforeAll(async () => {
    world.backend = await startBackend(kind);
    world.sandbox = await startSandbox({
      leewaySeconds: 0,
      accessTokenGraceSeconds: 0,
      accessTokenLifetimeSeconds: lifetimeS,
    });
  });
  afterAll(async () => {
    for (const p of world.processes) kill(p);
    await world.sandbox?.close();
    await world.backend?.close();
  });
  return world;
}

/** Counts of each operation in `ops`, e.g. `{ GetParameters: 3, PutParameter: 4 }`. */
export function tally(ops: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const op of ops) out[op] = (out[op] ?? 0) + 1;
  return out;
}
