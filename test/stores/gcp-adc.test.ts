import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretManagerClient } from '../../src/stores/gcp-client';
import { GcpSecretManagerStore } from '../../src/stores/gcp-secret-manager';
import {
  type GcpSecretManagerServer,
  startGcpSecretManagerServer,
} from '../servers/gcp-secret-manager-server';
import { failure } from './failure';

/**
 * The production transport as Cloud Run has it: REST with Application Default Credentials, which
 * there come from the metadata server. Both are loopback servers here; only the Secret Manager
 * endpoint differs from production (plain HTTP to `host`).
 */

const ENV = [
  'GCE_METADATA_HOST',
  'GCE_METADATA_IP',
  'GOOGLE_APPLICATION_CREDENTIALS',
  'METADATA_SERVER_DETECTION',
];
const saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));

let server: GcpSecretManagerServer;
let metadata: Server;
const metadataRequests: { path: string; flavor: string | undefined }[] = [];

function answerMetadata(req: IncomingMessage, res: import('node:http').ServerResponse): void {
  const path = (req.url ?? '').split('?')[0] ?? '';
  metadataRequests.push({ path, flavor: req.headers['metadata-flavor'] as string | undefined });
  const headers = { 'metadata-flavor': 'Google', 'content-type': 'application/json' };
  if (path.endsWith('/service-accounts/default/token'))
    res
      .writeHead(200, headers)
      .end(JSON.stringify({ access_token: 'ya29.metadata', expires_in: 3599, token_type: 'Bearer' }));
  else if (path.endsWith('/universe/universe-domain')) res.writeHead(200, headers).end('googleapis.com');
  else res.writeHead(404, headers).end();
}

beforeAll(async () => {
  server = await startGcpSecretManagerServer();
  metadata = createServer(answerMetadata);
  await new Promise<void>((resolve) => metadata.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(metadata.address() as AddressInfo).port}`;
  delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
  Object.assign(process.env, {
    GCE_METADATA_HOST: host,
    GCE_METADATA_IP: host,
    METADATA_SERVER_DETECTION: 'assume-present',
  });
});

afterAll(async () => {
  for (const key of ENV) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
  await new Promise<void>((resolve) => metadata.close(() => resolve()));
  await server.close();
});

describe('gcp-secret-manager: REST with Application Default Credentials', () => {
  it('sends the metadata server token on every call, and Google errors come back as status codes', async () => {
    const client = secretManagerClient({ host: server.host, adcProject: 'jtp-test' });
    try {
      server.seed('ADC_SECRET', 'first', 'second');
      const [version] = await client.accessSecretVersion({
        name: 'projects/jtp-test/secrets/ADC_SECRET/versions/2',
      });
      expect(Buffer.from(version.payload?.data as Uint8Array).toString()).toBe('second');

      // A 404 from Google arrives as NOT_FOUND (5), which the store's error mapping reads: a transport
      // that threw on HTTP statuses would hand over a bare HTTP 404 instead.
      const missing = await client.getSecret({ name: 'projects/jtp-test/secrets/ABSENT' }).catch((e) => e);
      expect(missing).toMatchObject({ code: 5 });

      expect(server.calls.map((c) => [c.rpc, c.status, c.authorization])).toEqual([
        ['accessSecretVersion', 200, true],
        ['getSecret', 404, true],
      ]);
      const tokenRequests = metadataRequests.filter((r) => r.path.endsWith('/token'));
      expect(tokenRequests.length).toBe(1);
      expect(tokenRequests[0]?.flavor).toBe('Google');
      // The store names its project: ADC does not go looking for one (gcloud, the metadata server).
      expect(metadataRequests.filter((r) => r.path.includes('project'))).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it('without any credentials, the store says so and what to do, as access denied', async () => {
    const home = await mkdtemp(join(tmpdir(), 'jtp-no-adc-'));
    // No metadata server, no credentials file, no gcloud login in this HOME.
    Object.assign(process.env, { METADATA_SERVER_DETECTION: 'none', HOME: home });
    const store = new GcpSecretManagerStore({ project: 'jtp-test' });
    try {
      const err = await failure(store.read(['T_CLIENT_ID']));
      expect(err.kind).toBe('access_denied');
      expect(err.message).toMatch(
        /^gcp-secret-manager: no Application Default Credentials to call secretmanager\.versions\.access on T_CLIENT_ID in project jtp-test \(on Cloud Run/,
      );
    } finally {
      await store.close();
      await rm(home, { recursive: true, force: true });
    }
  });
});
