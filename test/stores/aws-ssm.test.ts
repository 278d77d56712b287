import { createServer } from 'node:net';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { SsmStore } from '../../src/stores/aws-ssm';
import { parseLease } from '../../src/stores/lease';
import { accessDenied, internalError, setEnv, throttling } from '../servers/aws-json';
import { startSsmServer } from '../servers/ssm-server';
import { awsStoreFixture } from './aws-fixture';
import { describeStoreContract } from './contract';
import { failure } from './failure';

const fixture = awsStoreFixture(startSsmServer, (opts) => new SsmStore(opts));
const { fresh, ops } = fixture;
const staleClaim = (nonce: string) =>
  JSON.stringify({
    owner: 'crashed',
    nonce,
    acquiredAt: '2020-01-01T00:00:00.000Z',
    expiresAt: '2020-01-01T00:01:00.000Z',
  });
const liveClaim = (owner: string) =>
  JSON.stringify({
    owner,
    nonce: 'live',
    acquiredAt: new Date().toISOString(),
    expiresAt: new Date(Date.now() + 60_000).toISOString(),
  });

describeStoreContract('aws-ssm', fixture.backend);

describe('aws-ssm: reads', () => {
  it('asks for up to 10 names per GetParameters call, always with decryption', async () => {
    const store = fresh();
    const names = Array.from({ length: 23 }, (_, i) => `T_NAME_${i}`);
    for (const n of names) fixture.server.seed(n, `value-of-${n}`, 'SecureString');
    const got = await store.read(names);
    expect(got.size).toBe(23);
    expect(got.get('T_NAME_7')).toEqual({ value: 'value-of-T_NAME_7', version: '1' });
    const sizes = ops('GetParameters').map((r) => (r.input.Names as string[]).length);
    expect(sizes.sort((a, b) => a - b)).toEqual([3, 10, 10]);
    expect(ops('GetParameters').every((r) => r.input.WithDecryption === true)).toBe(true);
  });

  it('needs the decryption flag: without it the server answers SecureStrings with ciphertext', async () => {
    fixture.server.reset();
    fixture.server.seed('T_SECRET', 'plain-value', 'SecureString');
    const raw = new SSMClient({});
    try {
      const res = await raw.send(new GetParametersCommand({ Names: ['T_SECRET'] }));
      expect(res.Parameters?.[0]?.Value).not.toBe('plain-value');
    } finally {
      raw.destroy();
    }
    const store = fresh();
    fixture.server.seed('T_SECRET', 'plain-value', 'SecureString');
    expect((await store.read(['T_SECRET'])).get('T_SECRET')?.value).toBe('plain-value');
  });

  it("reads Psoxy's parameters as they are and its placeholders as missing", async () => {
    const store = fresh();
    const psoxyToken = JSON.stringify({ token: 'at-123', expirationDate: 1_700_000_000_000 });
    fixture.server.seed('T_CLIENT_ID', 'client-id-1');
    fixture.server.seed('T_ACCESS_TOKEN', psoxyToken, 'SecureString');
    fixture.server.seed('T_CLIENT_SECRET', 'TODO: fill me', 'SecureString');
    fixture.server.seed('T_REFRESH_TOKEN', '__PLACEHOLDER__', 'SecureString');
    const got = await store.read(['T_CLIENT_ID', 'T_ACCESS_TOKEN', 'T_CLIENT_SECRET', 'T_REFRESH_TOKEN']);
    expect([...got.keys()].sort()).toEqual(['T_ACCESS_TOKEN', 'T_CLIENT_ID']);
    expect(got.get('T_ACCESS_TOKEN')?.value).toBe(psoxyToken);
  });

  it('takes names with a leading path, fully qualified or not', async () => {
    const store = fresh();
    await store.write('/psoxy/prod/PSOXY_JIRA_REFRESH_TOKEN', 'rt-prod');
    await store.write('psoxy/dev/PSOXY_JIRA_REFRESH_TOKEN', 'rt-dev');
    expect([...fixture.server.params.keys()].sort()).toEqual([
      '/psoxy/dev/PSOXY_JIRA_REFRESH_TOKEN',
      '/psoxy/prod/PSOXY_JIRA_REFRESH_TOKEN',
    ]);
    const got = await store.read([
      '/psoxy/prod/PSOXY_JIRA_REFRESH_TOKEN',
      'psoxy/dev/PSOXY_JIRA_REFRESH_TOKEN',
    ]);
    expect(got.get('/psoxy/prod/PSOXY_JIRA_REFRESH_TOKEN')?.value).toBe('rt-prod');
    expect(got.get('psoxy/dev/PSOXY_JIRA_REFRESH_TOKEN')?.value).toBe('rt-dev');
    expect(await store.tryLock('/psoxy/prod/PSOXY_JIRA_LOCK', 'a', 30_000)).toBe(true);
    expect(await store.tryLock('/psoxy/prod/PSOXY_JIRA_LOCK', 'b', 30_000)).toBe(false);
    await store.unlock('/psoxy/prod/PSOXY_JIRA_LOCK', 'a');
    expect(fixture.server.params.has('/psoxy/prod/PSOXY_JIRA_LOCK')).toBe(false);
  });
});

describe('aws-ssm: writes', () => {
  it('writes SecureStrings with the configured KMS key, overwriting', async () => {
    const store = fresh({ kmsKeyId: 'alias/jtp-tokens' });
    expect(await store.write('T_REFRESH_TOKEN', 'rt-1')).toBe('1');
    expect(await store.write('T_REFRESH_TOKEN', 'rt-2')).toBe('2');
    expect(ops('PutParameter')[0]?.input).toMatchObject({
      Name: 'T_REFRESH_TOKEN',
      Type: 'SecureString',
      KeyId: 'alias/jtp-tokens',
      Overwrite: true,
    });
    expect(fixture.server.params.get('T_REFRESH_TOKEN')).toMatchObject({
      type: 'SecureString',
      keyId: 'alias/jtp-tokens',
    });
  });

  it("uses the account's default key when none is configured, and fits tokens over 4 KB", async () => {
    const store = fresh();
    const big = 'x'.repeat(6000);
    await store.write('T_ACCESS_TOKEN', big);
    expect(ops('PutParameter')[0]?.input.KeyId).toBeUndefined();
    expect(fixture.server.params.get('T_ACCESS_TOKEN')).toMatchObject({
      keyId: 'alias/aws/ssm',
      tier: 'Advanced',
    });
    expect((await store.read(['T_ACCESS_TOKEN'])).get('T_ACCESS_TOKEN')?.value).toBe(big);
  });

  it('a conditional write on a missing parameter is a conflict and writes nothing', async () => {
    const store = fresh();
    const err = await failure(store.write('T_REFRESH_TOKEN', 'rt', { expectedVersion: '3' }));
    expect(err.kind).toBe('conflict');
    expect(fixture.server.params.size).toBe(0);
  });
});

describe('aws-ssm: lock', () => {
  it('is a String parameter created with Overwrite false, without the KMS key', async () => {
    const store = fresh({ kmsKeyId: 'alias/jtp-tokens' });
    expect(await store.tryLock('T_LOCK', 'me', 30_000)).toBe(true);
    expect(ops('PutParameter')[0]?.input).toMatchObject({ Name: 'T_LOCK', Type: 'String', Overwrite: false });
    expect(ops('PutParameter')[0]?.input.KeyId).toBeUndefined();
    expect(JSON.parse(fixture.server.params.get('T_LOCK')?.value ?? '')).toMatchObject({ owner: 'me' });
  });

  it('takes over a garbage or placeholder lock value and leaves no takeover marker behind', async () => {
    const store = fresh();
    fixture.server.seed('T_LOCK', 'TODO: fill me');
    expect(await store.tryLock('T_LOCK', 'me', 30_000)).toBe(true);
    expect([...fixture.server.params.keys()]).toEqual(['T_LOCK']);
    expect(JSON.parse(fixture.server.params.get('T_LOCK')?.value ?? '')).toMatchObject({ owner: 'me' });
    // A foreign claim whose nonce could not name a parameter.
    fixture.server.seed('T_LOCK', staleClaim('not a/name'));
    expect(await store.tryLock('T_LOCK', 'me-again', 30_000)).toBe(true);
    expect([...fixture.server.params.keys()]).toEqual(['T_LOCK']);
  });

  it('backs off while another taker holds the right to replace a stale lock', async () => {
    const store = fresh();
    fixture.server.seed('T_LOCK', staleClaim('n1'));
    fixture.server.seed('T_LOCK.next-n1-1-1', liveClaim('other-taker'));
    expect(await store.tryLock('T_LOCK', 'me', 30_000)).toBe(false);
    expect(ops('DeleteParameter')).toHaveLength(0);
  });

  it('passes the takeover to the next level when a taker died holding the right', async () => {
    const store = fresh();
    fixture.server.seed('T_LOCK', staleClaim('n1'));
    fixture.server.seed('T_LOCK.next-n1-1-1', staleClaim('dead-taker'));
    expect(await store.tryLock('T_LOCK', 'me', 30_000)).toBe(true);
    expect([...fixture.server.params.keys()]).toEqual(['T_LOCK']);
    expect(parseLease(fixture.server.params.get('T_LOCK')?.value ?? '')?.owner).toBe('me');
  });

  it('of many takers (instances) of one stale lock, exactly one wins', async () => {
    for (let round = 0; round < 5; round++) {
      fresh();
      fixture.server.seed('T_LOCK', staleClaim(`round${round}`));
      const takers = Array.from({ length: 8 }, () => fixture.track(new SsmStore()));
      const wins = await Promise.all(takers.map((s, i) => s.tryLock('T_LOCK', `taker-${i}`, 30_000)));
      expect(wins.filter(Boolean)).toHaveLength(1);
      const holder = JSON.parse(fixture.server.params.get('T_LOCK')?.value ?? '').owner;
      expect(holder).toBe(`taker-${wins.indexOf(true)}`);
      expect([...fixture.server.params.keys()]).toEqual(['T_LOCK']);
    }
  });

  it('an extension overwrites the lock under the right to its state: the version counts on, no marker is left', async () => {
    const store = fresh();
    expect(await store.tryLock('T_LOCK', 'me', 30_000)).toBe(true);
    fixture.server.clearRecords();
    expect(await store.extendLock('T_LOCK', 'me', 30_000, 'intent')).toBe(true);
    expect(fixture.server.calls).toEqual([
      'GetParameters',
      'PutParameter',
      'GetParameters',
      'PutParameter',
      'DeleteParameter',
    ]);
    const marker = ops('PutParameter')[0]?.input;
    expect(marker).toMatchObject({ Overwrite: false, Type: 'String' });
    expect(String(marker?.Name)).toMatch(/^T_LOCK\.next-[a-f0-9]+-1-1$/);
    expect(ops('PutParameter')[1]?.input).toMatchObject({ Name: 'T_LOCK', Overwrite: true, Type: 'String' });
    expect(fixture.server.params.get('T_LOCK')?.version).toBe(2);
    expect([...fixture.server.params.keys()]).toEqual(['T_LOCK']);
  });

  it('a release waits for no one but never deletes a lock another taker holds the right to', async () => {
    const store = fresh();
    expect(await store.tryLock('T_LOCK', 'me', 30_000)).toBe(true);
    const lease = parseLease(fixture.server.params.get('T_LOCK')?.value ?? '');
    fixture.server.seed(`T_LOCK.next-${lease?.nonce}-1-1`, liveClaim('taker'));
    await store.unlock('T_LOCK', 'me');
    expect(fixture.server.params.has('T_LOCK')).toBe(true);
    expect(ops('DeleteParameter')).toHaveLength(0);
  });
});

describe('aws-ssm: compare-and-swap', () => {
  it('a conditional write takes the right to supersede the version it read, then deletes it', async () => {
    const store = fresh();
    const v1 = await store.write('T_REFRESH_TOKEN', 'rt-1');
    fixture.server.clearRecords();
    expect(await store.write('T_REFRESH_TOKEN', 'rt-2', { expectedVersion: v1 })).toBe('2');
    expect(fixture.server.calls).toEqual([
      'PutParameter',
      'GetParameters',
      'PutParameter',
      'DeleteParameter',
    ]);
    expect(ops('PutParameter')[0]?.input).toMatchObject({
      Name: 'T_REFRESH_TOKEN.next-v1-1',
      Overwrite: false,
    });
    expect([...fixture.server.params.keys()]).toEqual(['T_REFRESH_TOKEN']);
  });

  it('while another writer holds the right to a version, a second writer from it is a conflict', async () => {
    const store = fresh();
    const v1 = await store.write('T_REFRESH_TOKEN', 'rt-1');
    fixture.server.seed('T_REFRESH_TOKEN.next-v1-1', liveClaim('other-writer'));
    await expect(store.write('T_REFRESH_TOKEN', 'rt-2', { expectedVersion: v1 })).rejects.toMatchObject({
      kind: 'conflict',
    });
    expect(fixture.server.params.get('T_REFRESH_TOKEN')?.value).toBe('rt-1');
  });

  it('a right released just after our create failed is asked for again', async () => {
    fresh();
    const client = new SSMClient({});
    const store = fixture.track(new SsmStore({ client }));
    const v1 = await store.write('T_REFRESH_TOKEN', 'rt-1');
    fixture.server.seed('T_REFRESH_TOKEN.next-v1-1', liveClaim('other-writer'));
    // The other writer finishes (its check failed, say) and deletes its marker as ours is refused.
    client.middlewareStack.add(
      (run) => async (args) =>
        run(args).catch((err: unknown) => {
          fixture.server.params.delete('T_REFRESH_TOKEN.next-v1-1');
          throw err;
        }),
      { step: 'initialize' },
    );
    expect(await store.write('T_REFRESH_TOKEN', 'rt-2', { expectedVersion: v1 })).toBe('2');
    expect([...fixture.server.params.keys()]).toEqual(['T_REFRESH_TOKEN']);
  });

  it('a writer stalled between its check and its put is overtaken, and then puts nothing', async () => {
    let t = Date.now();
    const now = () => t;
    const client = new SSMClient({});
    const stalled = fixture.track(new SsmStore({ now, client }));
    fixture.server.reset();
    const next = fixture.track(new SsmStore({ now }));
    const v1 = await next.write('T_REFRESH_TOKEN', 'rt-1');
    let stalls = 1;
    // After the stalled writer's check (its GetParameters under the right), a minute passes and
    // another instance replaces the version at the next level of the right.
    client.middlewareStack.add(
      (run, context) => async (args) => {
        const out = await run(args);
        if (context.commandName === 'GetParametersCommand' && stalls-- > 0) {
          t += 61_000;
          await next.write('T_REFRESH_TOKEN', 'rt-newer', { expectedVersion: v1 });
        }
        return out;
      },
      { step: 'initialize' },
    );
    await expect(stalled.write('T_REFRESH_TOKEN', 'rt-late', { expectedVersion: v1 })).rejects.toMatchObject({
      kind: 'conflict',
    });
    expect(fixture.server.params.get('T_REFRESH_TOKEN')).toMatchObject({ value: 'rt-newer', version: 2 });
    expect([...fixture.server.params.keys()]).toEqual(['T_REFRESH_TOKEN']);
  });
});

describe('aws-ssm: failures', () => {
  it('retries throttling inside the SDK', async () => {
    const store = fresh();
    fixture.server.seed('T_CLIENT_ID', 'cid');
    fixture.server.failNext('GetParameters', throttling(), 1);
    expect((await store.read(['T_CLIENT_ID'])).get('T_CLIENT_ID')?.value).toBe('cid');
    expect(ops('GetParameters')).toHaveLength(2);
  });

  it('surfaces persistent throttling as unavailable after 3 attempts', async () => {
    const store = fresh();
    fixture.server.failNext('GetParameters', throttling(), 10);
    const err = await failure(store.read(['T_CLIENT_ID']));
    expect(err.kind).toBe('unavailable');
    expect(err.retryable).toBe(true);
    expect(err.message).toBe(
      'aws-ssm: ssm:GetParameters on T_CLIENT_ID is unavailable (ThrottlingException, HTTP 400)',
    );
    expect(ops('GetParameters')).toHaveLength(3);
  });

  it('surfaces server errors and refused connections as unavailable', async () => {
    const store = fresh();
    fixture.server.failNext('PutParameter', internalError(), 10);
    expect((await failure(store.write('T_REFRESH_TOKEN', 'rt'))).kind).toBe('unavailable');

    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));
    const restore = setEnv({ AWS_ENDPOINT_URL_SSM: `http://127.0.0.1:${port}` });
    const offline = new SsmStore();
    fixture.track(offline);
    try {
      const err = await failure(offline.read(['T_CLIENT_ID']));
      expect(err.kind).toBe('unavailable');
      // The Node error's code, not a bare "Error": on-call sees why.
      expect(err.message).toBe('aws-ssm: ssm:GetParameters on T_CLIENT_ID is unavailable (ECONNREFUSED)');
    } finally {
      restore();
    }
  });

  it('names the action and parameter on access denied, never the value, and does not retry', async () => {
    const store = fresh();
    fixture.server.failNext(
      'PutParameter',
      accessDenied('ssm:PutParameter', 'arn:aws:ssm:us-east-1:000000000000:parameter/T_REFRESH_TOKEN'),
      5,
    );
    const err = await failure(store.write('T_REFRESH_TOKEN', 'rt-secret-value'));
    expect(err.kind).toBe('access_denied');
    expect(err.message).toBe(
      'aws-ssm: access denied to ssm:PutParameter on T_REFRESH_TOKEN (check the execution role)',
    );
    expect(err.message).not.toContain('rt-secret-value');
    expect(ops('PutParameter')).toHaveLength(1);
  });

  it('reports a rejected value without echoing it', async () => {
    const store = fresh();
    const err = await failure(store.write('T_ACCESS_TOKEN', 'y'.repeat(9000)));
    expect(err.kind).toBe('invalid');
    expect(err.message).toBe(
      'aws-ssm: ssm:PutParameter on T_ACCESS_TOKEN was rejected (ValidationException, HTTP 400)',
    );
  });
});

describe('aws-ssm: calls per read', () => {
  it('reads the five secrets of a family and the lease with one GetParameters call', async () => {
    const store = fresh();
    const names = ['T_CLIENT_ID', 'T_CLIENT_SECRET', 'T_REFRESH_TOKEN', 'T_ACCESS_TOKEN', 'T_SALT'];
    for (const n of names) await store.write(n, `value-${n}`);
    expect(await store.tryLock('T_LOCK', 'holder', 30_000, 'intent')).toBe(true);
    fixture.server.clearRecords();
    const got = await store.read([...names, 'T_LOCK']);
    expect(got.size).toBe(6);
    expect(parseLease(got.get('T_LOCK')?.value ?? '')?.note).toBe('intent');
    expect(fixture.server.calls).toEqual(['GetParameters']);
  });
});
