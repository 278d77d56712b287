import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { logger } from '../../src/log';
import { GcpSecretManagerStore } from '../../src/stores/gcp-secret-manager';
import { parseLease } from '../../src/stores/lease';
import {
  type GcpSecretManagerServer,
  startGcpSecretManagerServer,
} from '../servers/gcp-secret-manager-server';
import { describeStoreContract } from './contract';
import { failure } from './failure';

const PROJECT = 'jtp-test';
let server: GcpSecretManagerServer;
const stores: GcpSecretManagerStore[] = [];

function newStore(
  opts: { keepVersions?: number; now?: () => number; locks?: string[] } = {},
): GcpSecretManagerStore {
  const store = new GcpSecretManagerStore({ project: PROJECT, emulatorHost: server.host, ...opts });
  stores.push(store);
  return store;
}

/** Every request any test made: none carries credentials. */
const allCalls: GcpSecretManagerServer['calls'] = [];

beforeAll(async () => {
  server = await startGcpSecretManagerServer();
});

afterAll(async () => {
  allCalls.push(...server.calls);
  await Promise.all(stores.map((s) => s.close()));
  await server.close();
  expect(allCalls.length).toBeGreaterThan(0);
  expect(allCalls.filter((c) => c.authorization)).toEqual([]);
});

function fresh(): void {
  allCalls.push(...server.calls);
  server.reset();
}

const rpcs = () => server.calls.map((c) => c.rpc);

describeStoreContract('gcp-secret-manager', async () => {
  fresh();
  return ({ now }) => newStore({ now });
});

describe('gcp-secret-manager: reads', () => {
  beforeEach(fresh);

  it('reads a name with one access of `latest`, whose answer names the version', async () => {
    server.seed('T_REFRESH_TOKEN', 'rt-1', 'rt-2', 'rt-3');
    server.clearRecords();
    const got = await newStore().read(['T_REFRESH_TOKEN']);
    expect(got.get('T_REFRESH_TOKEN')).toEqual({ value: 'rt-3', version: '3' });
    expect(server.calls.map((c) => `${c.rpc} ${c.path}`)).toEqual([
      `accessSecretVersion /v1/projects/${PROJECT}/secrets/T_REFRESH_TOKEN/versions/latest:access`,
    ]);
  });

  it('the newest version disabled (by an operator): the newest enabled one is listed and read', async () => {
    server.seed('T_REFRESH_TOKEN', 'rt-1', 'rt-2', 'rt-3');
    const version3 = server.secrets.get('T_REFRESH_TOKEN')?.versions[2];
    if (version3) version3.state = 'DISABLED';
    server.clearRecords();
    const got = await newStore().read(['T_REFRESH_TOKEN']);
    expect(got.get('T_REFRESH_TOKEN')).toEqual({ value: 'rt-2', version: '2' });
    expect(server.calls.map((c) => `${c.rpc} ${c.path}`)).toEqual([
      `accessSecretVersion /v1/projects/${PROJECT}/secrets/T_REFRESH_TOKEN/versions/latest:access`,
      `listSecretVersions /v1/projects/${PROJECT}/secrets/T_REFRESH_TOKEN/versions`,
      `accessSecretVersion /v1/projects/${PROJECT}/secrets/T_REFRESH_TOKEN/versions/2:access`,
    ]);
    expect(server.calls[1]?.query.filter).toBe('state:ENABLED');
  });

  it('one call per name, in parallel, the lock included; placeholders and empty secrets are missing', async () => {
    const names = ['P_CLIENT_ID', 'P_CLIENT_SECRET', 'P_REFRESH_TOKEN', 'P_ACCESS_TOKEN', 'P_TOKEN_FAMILY'];
    server.seed('P_CLIENT_ID', 'client-id');
    server.seed('P_CLIENT_SECRET', 'TODO: fill me');
    server.seed('P_REFRESH_TOKEN', 'rt-a', 'rt-b');
    server.seed('P_ACCESS_TOKEN', JSON.stringify({ token: 'at', expirationDate: 1 }));
    server.seed('P_TOKEN_FAMILY');
    const store = newStore({ locks: ['P_LOCK'] });
    expect(await store.tryLock('P_LOCK', 'holder', 60_000, 'intent')).toBe(true);
    server.clearRecords();
    const got = await store.read([...names, 'P_CLIENT_ID', 'P_LOCK']);
    expect([...got.keys()].sort()).toEqual(['P_ACCESS_TOKEN', 'P_CLIENT_ID', 'P_LOCK', 'P_REFRESH_TOKEN']);
    expect(got.get('P_REFRESH_TOKEN')).toEqual({ value: 'rt-b', version: '2' });
    expect(parseLease(got.get('P_LOCK')?.value ?? '')).toMatchObject({ owner: 'holder', note: 'intent' });
    // The placeholder is accessed, then dropped; the version-less secret is not found by its
    // access, and then looked at once in case it is a lock.
    expect(rpcs().sort()).toEqual([...Array(5).fill('accessSecretVersion'), 'getSecret', 'getSecret']);

    // Cost of a cold-start read of five populated names and the lock, measured over loopback.
    server.seed('P_CLIENT_SECRET', 'client-secret');
    server.seed('P_TOKEN_FAMILY', '{"bootstrappedAt":"2026-01-01T00:00:00Z"}');
    const cold = newStore({ locks: ['P_LOCK'] });
    server.clearRecords();
    const rounds = 20;
    const started = performance.now();
    for (let i = 0; i < rounds; i++) expect((await cold.read([...names, 'P_LOCK'])).size).toBe(6);
    const perRead = (performance.now() - started) / rounds;
    const callsPerRead = server.calls.length / rounds;
    expect(callsPerRead).toBe(6);
    console.info(
      `gcp-secret-manager: read of 5 names and the lock = ${callsPerRead} calls, ${perRead.toFixed(2)} ms on loopback`,
    );
  });

  it('a secret without versions that the proxy may not `secrets.get` reads as missing', async () => {
    server.seed('T_CLIENT_SECRET');
    server.deny('getSecret', 'T_CLIENT_SECRET');
    expect((await newStore().read(['T_CLIENT_SECRET'])).size).toBe(0);
    expect(rpcs()).toEqual(['accessSecretVersion', 'getSecret']);
  });

  it('a lock it was not told of is found by its failed access, then read with one get', async () => {
    const store = newStore();
    expect(await newStore().tryLock('T_LOCK', 'holder', 60_000)).toBe(true);
    server.clearRecords();
    expect((await store.read(['T_LOCK'])).get('T_LOCK')?.value).toContain('"owner":"holder"');
    expect(rpcs()).toEqual(['accessSecretVersion', 'getSecret']);
    server.clearRecords();
    expect((await store.read(['T_LOCK'])).has('T_LOCK')).toBe(true);
    expect(rpcs()).toEqual(['getSecret']);
  });

  it('NOT_FOUND is absent; PERMISSION_DENIED names the secret and the permission', async () => {
    const store = newStore();
    expect((await store.read(['T_NOPE'])).size).toBe(0);
    server.seed('T_CLIENT_SECRET', 'very-secret-value');
    server.deny('accessSecretVersion', 'T_CLIENT_SECRET');
    const err = await failure(store.read(['T_CLIENT_SECRET']));
    expect(err.kind).toBe('access_denied');
    expect(err.message).toContain('secretmanager.versions.access');
    expect(err.message).toContain('T_CLIENT_SECRET');
    expect(err.message).not.toContain('very-secret-value');
  });

  it('retries a transient failure of a read; a failure that persists is unavailable', async () => {
    server.seed('T_CLIENT_ID', 'cid');
    const store = newStore();
    server.failNext('accessSecretVersion', { status: 'RESOURCE_EXHAUSTED' });
    expect((await store.read(['T_CLIENT_ID'])).get('T_CLIENT_ID')?.value).toBe('cid');
    expect(rpcs()).toEqual(['accessSecretVersion', 'accessSecretVersion']);
    server.failNext('accessSecretVersion', { status: 'INTERNAL' });
    expect((await failure(store.read(['T_CLIENT_ID']))).kind).toBe('unavailable');
    server.failNext('accessSecretVersion', { drop: true });
    expect((await failure(store.read(['T_CLIENT_ID']))).kind).toBe('unavailable');
  });
});

describe('gcp-secret-manager: writes', () => {
  beforeEach(fresh);

  it('creates a missing secret with automatic replication, then adds versions', async () => {
    const store = newStore();
    expect(await store.write('T_SALT', 'salt-1')).toBe('1');
    expect(rpcs()).toEqual(['addSecretVersion', 'createSecret', 'addSecretVersion', 'listSecretVersions']);
    expect(await store.write('T_SALT', 'salt-2')).toBe('2');
    expect(server.current('T_SALT')).toBe('salt-2');
  });

  it('destroys enabled versions beyond the newest few after each write', async () => {
    const store = newStore({ keepVersions: 3 });
    let version = await store.write('T_REFRESH_TOKEN', 'rt-0');
    for (let i = 1; i < 6; i++) {
      version = await store.write('T_REFRESH_TOKEN', `rt-${i}`, { expectedVersion: version });
    }
    await store.write('T_REFRESH_TOKEN', 'rt-6');
    const states = server.secrets.get('T_REFRESH_TOKEN')?.versions.map((v) => `${v.version}:${v.state}`);
    expect(states).toEqual([
      '1:DESTROYED',
      '2:DESTROYED',
      '3:DESTROYED',
      '4:DESTROYED',
      '5:ENABLED',
      '6:ENABLED',
      '7:ENABLED',
    ]);
    expect(
      server.secrets.get('T_REFRESH_TOKEN')?.versions.every((v) => v.state !== 'DESTROYED' || !v.data),
    ).toBe(true);
    // An operator's disabled version is left alone: only enabled versions are cleaned up.
    const five = server.secrets.get('T_REFRESH_TOKEN')?.versions[4];
    if (five) five.state = 'DISABLED';
    await store.write('T_REFRESH_TOKEN', 'rt-7');
    expect(server.secrets.get('T_REFRESH_TOKEN')?.versions.map((v) => v.state)).toEqual([
      'DESTROYED',
      'DESTROYED',
      'DESTROYED',
      'DESTROYED',
      'DISABLED',
      'ENABLED',
      'ENABLED',
      'ENABLED',
    ]);
  });

  it('a compare-and-swap costs get, list, update, add and destroy; it reuses its list for cleanup', async () => {
    const store = newStore();
    let version = '';
    for (const v of ['a', 'b', 'c']) version = await store.write('T_REFRESH_TOKEN', v);
    server.clearRecords();
    await store.write('T_REFRESH_TOKEN', 'd', { expectedVersion: version });
    expect(rpcs()).toEqual([
      'getSecret',
      'listSecretVersions',
      'updateSecret',
      'addSecretVersion',
      'destroySecretVersion',
    ]);
    const update = server.calls.find((c) => c.rpc === 'updateSecret');
    expect(update?.query.updateMask).toBe('annotations');
    expect(server.secrets.get('T_REFRESH_TOKEN')?.annotations['jtp-cas-base']).toBe(version);
  });

  it('cleanup failures are logged and never fail the write', async () => {
    const warn = vi.spyOn(logger, 'warn');
    try {
      const store = newStore({ keepVersions: 1 });
      await store.write('T_ACCESS_TOKEN', 'at-1');
      server.failNext('destroySecretVersion', { status: 'PERMISSION_DENIED' });
      expect(await store.write('T_ACCESS_TOKEN', 'at-2')).toBe('2');
      server.failNext('listSecretVersions', { status: 'INTERNAL' });
      expect(await store.write('T_ACCESS_TOKEN', 'at-3')).toBe('3');
      expect(warn).toHaveBeenCalledTimes(2);
      expect(JSON.stringify(warn.mock.calls)).toContain('secretmanager.versions.destroy');
      expect(JSON.stringify(warn.mock.calls)).not.toContain('at-');
      expect(server.current('T_ACCESS_TOKEN')).toBe('at-3');
    } finally {
      warn.mockRestore();
    }
  });

  it('a writer that claimed a version blocks a second writer from the same version until it lands', async () => {
    const a = newStore();
    const b = newStore();
    const v1 = await a.write('T_REFRESH_TOKEN', 'rt-base');
    const gate = server.gate('addSecretVersion', 'T_REFRESH_TOKEN');
    const first = a.write('T_REFRESH_TOKEN', 'rt-a', { expectedVersion: v1 });
    await gate.reached;
    // A has claimed the successor of v1 (its etag update landed) but not added its version yet.
    const second = await failure(b.write('T_REFRESH_TOKEN', 'rt-b', { expectedVersion: v1 }));
    expect(second.kind).toBe('conflict');
    expect(second.message).not.toContain('rt-b');
    gate.release();
    const v2 = await first;
    expect((await b.read(['T_REFRESH_TOKEN'])).get('T_REFRESH_TOKEN')).toEqual({
      value: 'rt-a',
      version: v2,
    });
    expect(await b.write('T_REFRESH_TOKEN', 'rt-c', { expectedVersion: v2 })).toBe('3');
  });

  it('a write-back retried after its add failed is not blocked by its own claim, but others are', async () => {
    const store = newStore();
    const other = newStore();
    const v1 = await store.write('T_REFRESH_TOKEN', 'rt-base');
    server.failNext('addSecretVersion', { status: 'UNAVAILABLE' });
    const failed = await failure(store.write('T_REFRESH_TOKEN', 'rt-new', { expectedVersion: v1 }));
    expect(failed.kind).toBe('unavailable');
    // Another instance still sees a fresh claim on v1 and keeps off it.
    const blocked = await failure(other.write('T_REFRESH_TOKEN', 'rt-other', { expectedVersion: v1 }));
    expect(blocked.kind).toBe('conflict');
    expect(await store.write('T_REFRESH_TOKEN', 'rt-new', { expectedVersion: v1 })).toBe('2');
    expect(server.current('T_REFRESH_TOKEN')).toBe('rt-new');
  });

  it('a stale claim (its writer died before adding) does not block the version forever', async () => {
    const store = newStore();
    const v1 = await store.write('T_REFRESH_TOKEN', 'rt-base');
    const secret = server.secrets.get('T_REFRESH_TOKEN');
    if (secret)
      secret.annotations = { 'jtp-cas-base': v1, 'jtp-cas-at': String(Date.now() - 60_000), team: 'x' };
    expect(await store.write('T_REFRESH_TOKEN', 'rt-next', { expectedVersion: v1 })).toBe('2');
    // The operator's own annotations survive our updates.
    expect(server.secrets.get('T_REFRESH_TOKEN')?.annotations.team).toBe('x');
  });

  it('an etag refused with FAILED_PRECONDITION or ABORTED is a conflict; nothing is added', async () => {
    const store = newStore();
    const v1 = await store.write('T_REFRESH_TOKEN', 'rt-base');
    for (const status of ['FAILED_PRECONDITION', 'ABORTED'] as const) {
      server.failNext('updateSecret', { status });
      const err = await failure(store.write('T_REFRESH_TOKEN', 'rt-x', { expectedVersion: v1 }));
      expect(err.kind).toBe('conflict');
    }
    expect(server.secrets.get('T_REFRESH_TOKEN')?.versions).toHaveLength(1);
    // A compare-and-swap on a secret that does not exist is a conflict too: its version is gone.
    expect((await failure(store.write('T_GONE', 'x', { expectedVersion: '4' }))).kind).toBe('conflict');
  });

  it('access denied names the permission and the secret; transient failures are unavailable', async () => {
    const store = newStore();
    server.deny('addSecretVersion', 'T_REFRESH_TOKEN');
    const err = await failure(store.write('T_REFRESH_TOKEN', 'rt-secret-value'));
    expect(err.kind).toBe('access_denied');
    expect(err.message).toBe(
      `gcp-secret-manager: access denied to secretmanager.versions.add on T_REFRESH_TOKEN in project ${PROJECT} (grant it to the service account)`,
    );
    server.allow();
    server.deny('createSecret');
    const createErr = await failure(store.write('T_NEW', 'v'));
    expect(createErr.message).toContain('secretmanager.secrets.create on T_NEW');
    server.allow();
    for (const status of ['UNAVAILABLE', 'RESOURCE_EXHAUSTED', 'DEADLINE_EXCEEDED', 'INTERNAL'] as const) {
      server.failNext('addSecretVersion', { status });
      const transient = await failure(store.write('T_REFRESH_TOKEN', 'v'));
      expect([status, transient.kind, transient.retryable]).toEqual([status, 'unavailable', true]);
      expect(transient.message).toBe(
        `gcp-secret-manager: Secret Manager unavailable for secretmanager.versions.add on T_REFRESH_TOKEN in project ${PROJECT} (${status})`,
      );
    }
    server.failNext('addSecretVersion', { drop: true });
    const dropped = await failure(store.write('T_REFRESH_TOKEN', 'v'));
    expect(dropped.kind).toBe('unavailable');
    // The network error's code, not a bare "Error": on-call sees why.
    expect(dropped.message).toMatch(/ \((ECONNRESET|UND_ERR_SOCKET|ECONNREFUSED|EPIPE)\)$/);
    // Writes are not retried (a lost answer would otherwise add a second version).
    expect(rpcs().filter((r) => r === 'addSecretVersion').length).toBe(7);
  });
});

describe('gcp-secret-manager: lock', () => {
  beforeEach(fresh);

  it('creates the lock secret holding the lease, and releases by clearing only its annotation', async () => {
    const store = newStore();
    expect(await store.tryLock('T_LOCK', 'owner-a', 30_000)).toBe(true);
    expect(rpcs()).toEqual(['getSecret', 'createSecret']);
    const lock = server.secrets.get('T_LOCK');
    expect(lock?.versions).toHaveLength(0);
    const lease = parseLease(lock?.annotations['jtp-lease'] ?? '');
    expect(lease?.owner).toBe('owner-a');
    expect(lease?.expiresAt).toBeGreaterThan(Date.now());
    if (lock) lock.annotations.team = 'x';
    await store.unlock('T_LOCK', 'owner-a');
    expect(server.secrets.get('T_LOCK')?.annotations).toEqual({ team: 'x' });
    expect(await store.tryLock('T_LOCK', 'owner-b', 30_000)).toBe(true);
    expect(parseLease(server.secrets.get('T_LOCK')?.annotations['jtp-lease'] ?? '')?.owner).toBe('owner-b');
  });

  it('an extension is one get and one etag-guarded update; a lock written by an older release is respected', async () => {
    server.seed('T_LOCK');
    const lock = server.secrets.get('T_LOCK');
    if (lock) lock.annotations = { 'lock-owner': 'old-release', 'lock-expires': String(Date.now() + 60_000) };
    const store = newStore();
    expect(await store.tryLock('T_LOCK', 'new-release', 30_000)).toBe(false);
    expect(await store.extendLock('T_LOCK', 'old-release', 30_000)).toBe(true);
    expect(server.secrets.get('T_LOCK')?.annotations['lock-owner']).toBeUndefined();
    server.clearRecords();
    expect(await store.extendLock('T_LOCK', 'old-release', 30_000, 'note')).toBe(true);
    expect(rpcs()).toEqual(['getSecret', 'updateSecret']);
  });

  it('contenders for an existing free lock race on its etag: exactly one wins', async () => {
    server.seed('T_LOCK');
    const stores6 = ['a', 'b', 'c', 'd', 'e', 'f'].map(() => newStore());
    const wins = await Promise.all(stores6.map((s, i) => s.tryLock('T_LOCK', `owner-${i}`, 30_000)));
    expect(wins.filter(Boolean)).toHaveLength(1);
    const lease = parseLease(server.secrets.get('T_LOCK')?.annotations['jtp-lease'] ?? '');
    expect(lease?.owner).toBe(`owner-${wins.indexOf(true)}`);
  });

  it('permission to update the lock secret missing: access denied naming secrets.update', async () => {
    const store = newStore();
    server.seed('T_LOCK');
    server.deny('updateSecret', 'T_LOCK');
    const err = await failure(store.tryLock('T_LOCK', 'owner-a', 30_000));
    expect(err.kind).toBe('access_denied');
    expect(err.message).toContain('secretmanager.secrets.update on T_LOCK');
  });
});

describe('gcp-secret-manager: emulator transport', () => {
  let metadata: Server;
  let metadataHits = 0;
  const saved = { ...process.env };

  beforeAll(async () => {
    // Were any Google credential lookup to happen, it would land here (or fail on the bogus file).
    metadata = createServer((_req, res) => {
      metadataHits++;
      res.writeHead(500).end();
    });
    await new Promise<void>((resolve) => metadata.listen(0, '127.0.0.1', resolve));
    const host = `127.0.0.1:${(metadata.address() as AddressInfo).port}`;
    Object.assign(process.env, {
      GCE_METADATA_HOST: host,
      GCE_METADATA_IP: host,
      GOOGLE_APPLICATION_CREDENTIALS: '/nonexistent/credentials.json',
    });
  });

  afterEach(() => {
    for (const key of ['GCE_METADATA_HOST', 'GCE_METADATA_IP', 'GOOGLE_APPLICATION_CREDENTIALS']) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => metadata.close(() => resolve()));
  });

  it('speaks plain-HTTP REST to the emulator host with no credentials and no auth lookup', async () => {
    fresh();
    const store = newStore();
    expect(store.description).toBe(`gcp-secret-manager:${PROJECT}@http://${server.host}`);
    const v = await store.write('T_CLIENT_ID', 'cid');
    expect((await store.read(['T_CLIENT_ID'])).get('T_CLIENT_ID')).toEqual({ value: 'cid', version: v });
    expect(await store.tryLock('T_LOCK', 'me', 1_000)).toBe(true);
    expect(server.calls.length).toBeGreaterThan(0);
    expect(server.calls.filter((c) => c.authorization)).toEqual([]);
    // Only the expected answers for a secret that does not exist yet: no auth challenge, no 401.
    expect(server.calls.filter((c) => c.status !== 200).map((c) => `${c.rpc} ${c.status}`)).toEqual([
      'addSecretVersion 404',
      'getSecret 404',
    ]);
    expect(metadataHits).toBe(0);
  });

  it('the production client (REST, ADC) is built without any network call until used', async () => {
    const store = new GcpSecretManagerStore({ project: PROJECT });
    expect(store.description).toBe(`gcp-secret-manager:${PROJECT}`);
    await store.close();
    expect(metadataHits).toBe(0);
  });

  it('answers a stale etag exactly as Google does (400 FAILED_PRECONDITION)', async () => {
    fresh();
    server.seed('T_LOCK');
    const url = `http://${server.host}/v1/projects/${PROJECT}/secrets/T_LOCK?updateMask=annotations`;
    const res = await fetch(url, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ etag: '"stale"', annotations: { a: 'b' } }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({ code: 400, status: 'FAILED_PRECONDITION' });
    expect(typeof body.error.message).toBe('string');
  });
});
