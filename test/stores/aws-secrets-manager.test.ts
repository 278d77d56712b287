import {
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { SecretsManagerStore } from '../../src/stores/aws-secrets-manager';
import { parseLease } from '../../src/stores/lease';
import { accessDenied, serviceUnavailable, throttling } from '../servers/aws-json';
import { startSecretsManagerServer } from '../servers/secrets-manager-server';
import { awsStoreFixture } from './aws-fixture';
import { describeStoreContract } from './contract';
import { failure } from './failure';

const fixture = awsStoreFixture(startSecretsManagerServer, (opts) => new SecretsManagerStore(opts));
const { fresh, ops } = fixture;
const stagesOf = (name: string) =>
  Object.fromEntries(
    [...(fixture.server.secrets.get(name)?.versions.values() ?? [])].map((v) => [v.id, [...v.stages]]),
  );

describeStoreContract('aws-secrets-manager', fixture.backend);

describe('aws-secrets-manager: the loopback server keeps AWS staging-label rules', () => {
  it('refuses to move AWSCURRENT from a version that no longer holds it', async () => {
    fixture.server.reset();
    fixture.server.seed('T_SECRET', 'v1');
    const first = fixture.server.current('T_SECRET')?.id as string;
    const raw = new SecretsManagerClient({});
    try {
      const a = await raw.send(
        new PutSecretValueCommand({ SecretId: 'T_SECRET', SecretString: 'a', VersionStages: ['P'] }),
      );
      // A label outside AWSCURRENT does not move AWSCURRENT.
      expect(fixture.server.current('T_SECRET')?.id).toBe(first);
      await raw.send(
        new UpdateSecretVersionStageCommand({
          SecretId: 'T_SECRET',
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: a.VersionId,
          RemoveFromVersionId: first,
        }),
      );
      const b = await raw.send(
        new PutSecretValueCommand({ SecretId: 'T_SECRET', SecretString: 'b', VersionStages: ['P'] }),
      );
      const stale = raw.send(
        new UpdateSecretVersionStageCommand({
          SecretId: 'T_SECRET',
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: b.VersionId,
          RemoveFromVersionId: first,
        }),
      );
      await expect(stale).rejects.toMatchObject({ name: 'InvalidParameterException' });
      expect(fixture.server.current('T_SECRET')?.value).toBe('a');
      expect(stagesOf('T_SECRET')[first]).toEqual(['AWSPREVIOUS']);
    } finally {
      raw.destroy();
    }
  });
});

describe('aws-secrets-manager: reads', () => {
  it('reads AWSCURRENT with one GetSecretValue per name, in parallel; VersionId is the version', async () => {
    const store = fresh();
    const names = ['T_CLIENT_ID', 'T_CLIENT_SECRET', 'T_REFRESH_TOKEN', 'T_ACCESS_TOKEN', 'T_SALT'];
    for (const n of names) fixture.server.seed(n, `value-of-${n}`);
    fixture.server.clearRecords();
    const got = await store.read(names);
    expect(got.size).toBe(5);
    expect(got.get('T_SALT')).toEqual({
      value: 'value-of-T_SALT',
      version: fixture.server.current('T_SALT')?.id,
    });
    expect(ops('GetSecretValue')).toHaveLength(5);
    expect(ops('GetSecretValue').every((r) => r.input.VersionStage === 'AWSCURRENT')).toBe(true);
  });

  it("reads Psoxy's secrets as they are; placeholders and secrets without a value are missing", async () => {
    const store = fresh();
    const psoxyToken = JSON.stringify({ token: 'at-123', expirationDate: 1_700_000_000_000 });
    fixture.server.seed('T_ACCESS_TOKEN', psoxyToken);
    fixture.server.seed('T_CLIENT_SECRET', 'TODO: fill me');
    fixture.server.seed('T_REFRESH_TOKEN');
    const got = await store.read(['T_ACCESS_TOKEN', 'T_CLIENT_SECRET', 'T_REFRESH_TOKEN', 'T_NEVER']);
    expect([...got.keys()]).toEqual(['T_ACCESS_TOKEN']);
    expect(got.get('T_ACCESS_TOKEN')?.value).toBe(psoxyToken);
  });
});

describe('aws-secrets-manager: writes', () => {
  it('creates a missing secret with the configured KMS key, then puts new versions', async () => {
    const store = fresh({ kmsKeyId: 'alias/jtp-tokens' });
    const v1 = await store.write('T_REFRESH_TOKEN', 'rt-1');
    expect(ops('CreateSecret')[0]?.input).toMatchObject({
      Name: 'T_REFRESH_TOKEN',
      SecretString: 'rt-1',
      KmsKeyId: 'alias/jtp-tokens',
    });
    expect(fixture.server.secrets.get('T_REFRESH_TOKEN')?.kmsKeyId).toBe('alias/jtp-tokens');
    const v2 = await store.write('T_REFRESH_TOKEN', 'rt-2');
    expect(fixture.server.current('T_REFRESH_TOKEN')).toMatchObject({ id: v2, value: 'rt-2' });
    expect(stagesOf('T_REFRESH_TOKEN')[v1]).toEqual(['AWSPREVIOUS']);
  });

  it('creates without a key id when none is configured', async () => {
    const store = fresh();
    await store.write('T_REFRESH_TOKEN', 'rt-1');
    expect(ops('CreateSecret')[0]?.input.KmsKeyId).toBeUndefined();
  });

  it('compare-and-swap: a pending version, then AWSCURRENT moved from the version read', async () => {
    const store = fresh();
    const v1 = await store.write('T_REFRESH_TOKEN', 'rt-1');
    fixture.server.clearRecords();
    const v2 = await store.write('T_REFRESH_TOKEN', 'rt-2', { expectedVersion: v1 });
    expect(fixture.server.calls).toEqual(['PutSecretValue', 'UpdateSecretVersionStage']);
    expect(ops('PutSecretValue')[0]?.input).toMatchObject({ VersionStages: ['JTP_PENDING'] });
    expect(ops('UpdateSecretVersionStage')[0]?.input).toMatchObject({
      VersionStage: 'AWSCURRENT',
      MoveToVersionId: v2,
      RemoveFromVersionId: v1,
    });
    expect(fixture.server.current('T_REFRESH_TOKEN')?.id).toBe(v2);
  });

  it('a stale compare-and-swap leaves AWSCURRENT where it was', async () => {
    const store = fresh();
    const v1 = await store.write('T_REFRESH_TOKEN', 'rt-1');
    const v2 = await store.write('T_REFRESH_TOKEN', 'rt-2');
    const err = await failure(store.write('T_REFRESH_TOKEN', 'rt-stale', { expectedVersion: v1 }));
    expect(err.kind).toBe('conflict');
    expect(err.message).not.toContain('rt-stale');
    expect(fixture.server.current('T_REFRESH_TOKEN')).toMatchObject({ id: v2, value: 'rt-2' });
  });

  it('a compare-and-swap on a missing secret is a conflict and creates nothing', async () => {
    const store = fresh();
    const err = await failure(store.write('T_REFRESH_TOKEN', 'rt', { expectedVersion: 'some-version' }));
    expect(err.kind).toBe('conflict');
    expect(fixture.server.secrets.size).toBe(0);
  });

  it('writes to a secret seeded without a value', async () => {
    const store = fresh();
    fixture.server.seed('T_REFRESH_TOKEN');
    const v = await store.write('T_REFRESH_TOKEN', 'rt-1');
    expect((await store.read(['T_REFRESH_TOKEN'])).get('T_REFRESH_TOKEN')).toEqual({
      value: 'rt-1',
      version: v,
    });
  });
});

describe('aws-secrets-manager: lock', () => {
  it('creates the lock secret, releases it onto its one FREE version, and takes it again by compare-and-swap', async () => {
    const store = fresh({ kmsKeyId: 'alias/jtp-tokens' });
    expect(await store.tryLock('T_LOCK', 'me', 30_000)).toBe(true);
    expect(JSON.parse(fixture.server.current('T_LOCK')?.value ?? '')).toMatchObject({ owner: 'me' });
    await store.unlock('T_LOCK', 'me');
    expect(fixture.server.current('T_LOCK')).toMatchObject({
      value: '{}',
      id: 'jtp-lock-free-000000000000000000',
    });
    expect((await store.read(['T_LOCK'])).has('T_LOCK')).toBe(false);
    fixture.server.clearRecords();
    expect(await store.tryLock('T_LOCK', 'you', 30_000)).toBe(true);
    expect(fixture.server.calls).toEqual(['GetSecretValue', 'PutSecretValue', 'UpdateSecretVersionStage']);
    fixture.server.clearRecords();
    await store.unlock('T_LOCK', 'you');
    // Once the FREE version exists, a release is one read and one label move.
    expect(fixture.server.calls).toEqual(['GetSecretValue', 'UpdateSecretVersionStage']);
  });

  it('spends one version per take and per extension, none per release or per refused contender', async () => {
    const store = fresh();
    const rival = fixture.track(new SecretsManagerStore());
    const versions = () => fixture.server.secrets.get('T_LOCK')?.versions.size ?? 0;
    expect(await store.tryLock('T_LOCK', 'me', 30_000)).toBe(true);
    expect(versions()).toBe(1);
    for (let i = 0; i < 5; i++) expect(await rival.tryLock('T_LOCK', 'rival', 30_000)).toBe(false);
    expect(await rival.extendLock('T_LOCK', 'rival', 30_000)).toBe(false);
    expect(versions()).toBe(1);
    expect(await store.extendLock('T_LOCK', 'me', 30_000, 'intent')).toBe(true);
    expect(versions()).toBe(2);
    await store.unlock('T_LOCK', 'me');
    await rival.unlock('T_LOCK', 'rival');
    // The FREE version, made once.
    expect(versions()).toBe(3);
    for (let i = 0; i < 3; i++) {
      expect(await rival.tryLock('T_LOCK', 'rival', 30_000)).toBe(true);
      await rival.unlock('T_LOCK', 'rival');
    }
    expect(versions()).toBe(6);
  });

  it('takes a lock secret seeded without a value or with a placeholder; one contender wins', async () => {
    for (const seed of [undefined, 'TODO: fill me']) {
      fresh();
      fixture.server.seed('T_LOCK', seed);
      const owners = ['a', 'b', 'c', 'd'];
      const wins = await Promise.all(
        owners.map((o) => fixture.track(new SecretsManagerStore()).tryLock('T_LOCK', o, 30_000)),
      );
      expect(wins.filter(Boolean)).toHaveLength(1);
      expect(JSON.parse(fixture.server.current('T_LOCK')?.value ?? '').owner).toBe(
        owners[wins.indexOf(true)],
      );
    }
  });
});

describe('aws-secrets-manager: failures', () => {
  it('retries throttling inside the SDK, then surfaces it as unavailable', async () => {
    const store = fresh();
    fixture.server.seed('T_CLIENT_ID', 'cid');
    fixture.server.failNext('GetSecretValue', throttling(), 1);
    expect((await store.read(['T_CLIENT_ID'])).get('T_CLIENT_ID')?.value).toBe('cid');
    expect(ops('GetSecretValue')).toHaveLength(2);

    fixture.server.clearRecords();
    fixture.server.failNext('GetSecretValue', throttling(), 10);
    const err = await failure(store.read(['T_CLIENT_ID']));
    expect(err.kind).toBe('unavailable');
    expect(err.message).toBe(
      'aws-secrets-manager: secretsmanager:GetSecretValue on T_CLIENT_ID is unavailable (ThrottlingException, HTTP 400)',
    );
    expect(ops('GetSecretValue')).toHaveLength(3);
  });

  it('surfaces a 503 as unavailable', async () => {
    const store = fresh();
    fixture.server.seed('T_REFRESH_TOKEN', 'rt');
    fixture.server.failNext('PutSecretValue', serviceUnavailable(), 10);
    expect((await failure(store.write('T_REFRESH_TOKEN', 'rt-2'))).kind).toBe('unavailable');
  });

  it('names the action and secret on access denied, never the value, and does not retry', async () => {
    const store = fresh();
    fixture.server.seed('T_REFRESH_TOKEN', 'rt');
    fixture.server.failNext(
      'PutSecretValue',
      accessDenied(
        'secretsmanager:PutSecretValue',
        'arn:aws:secretsmanager:us-east-1:000000000000:secret:T_REFRESH_TOKEN-abc123',
      ),
      5,
    );
    const err = await failure(store.write('T_REFRESH_TOKEN', 'rt-secret-value'));
    expect(err.kind).toBe('access_denied');
    expect(err.message).toBe(
      'aws-secrets-manager: access denied to secretsmanager:PutSecretValue on T_REFRESH_TOKEN (check the execution role)',
    );
    expect(err.message).not.toContain('rt-secret-value');
    expect(ops('PutSecretValue')).toHaveLength(1);
  });
});

describe('aws-secrets-manager: calls per read', () => {
  it('reads the five secrets of a family and the lease with one GetSecretValue call per name', async () => {
    const store = fresh();
    const names = ['T_CLIENT_ID', 'T_CLIENT_SECRET', 'T_REFRESH_TOKEN', 'T_ACCESS_TOKEN', 'T_SALT'];
    for (const n of names) await store.write(n, `value-${n}`);
    expect(await store.tryLock('T_LOCK', 'holder', 30_000, 'intent')).toBe(true);
    fixture.server.clearRecords();
    const got = await store.read([...names, 'T_LOCK']);
    expect(got.size).toBe(6);
    expect(parseLease(got.get('T_LOCK')?.value ?? '')?.note).toBe('intent');
    expect(fixture.server.calls).toEqual(Array(6).fill('GetSecretValue'));
  });
});
