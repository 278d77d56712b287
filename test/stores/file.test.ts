import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { FileStore } from '../../src/stores/file';
import { withFileLock } from '../../src/stores/file-lock';
import { StoreError } from '../../src/stores/store';
import { childBundle } from '../helpers/cli';
import { describeStoreContract } from './contract';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const POSIX = process.platform !== 'win32';
const IS_ROOT = process.getuid?.() === 0;

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'jtp-file-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

const mode = async (path: string) => (await stat(path)).mode & 0o777;

/** A lock file as another process would leave it, last touched `ageMs` ago. */
async function plantLock(file: string, ageMs: number): Promise<string> {
  const lockPath = `${file}.lock`;
  const body = JSON.stringify({ pid: 4242, host: 'other-host', token: 'planted', acquiredAt: 'then' });
  await writeFile(lockPath, body, { mode: 0o600 });
  const when = new Date(Date.now() - ageMs);
  await utimes(lockPath, when, when);
  return body;
}

function startWorker(file: string, workerMode: string, iterations = 0): ChildProcess {
  // fixtures/file-worker.ts, compiled once per run by test/global-setup.ts.
  return spawn(process.execPath, [childBundle('file-worker'), file, workerMode, String(iterations)], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function runWorker(
  file: string,
  workerMode: string,
  iterations: number,
): Promise<{ conflicts: number }> {
  const child = startWorker(file, workerMode, iterations);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    err += d;
  });
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  if (code !== 0) throw new Error(`worker exited ${code}: ${err}`);
  return JSON.parse(out) as { conflicts: number };
}

describeStoreContract('file', async () => {
  const path = join(await tempDir(), 'nested', 'secrets.json');
  return ({ now }) => new FileStore({ path, now });
});

describe('file store: on disk', () => {
  it('keeps a readable JSON document and leaves no temp or lock files behind', async () => {
    const dir = await tempDir();
    const file = join(dir, 'secrets.json');
    const store = new FileStore({ path: file });
    await store.write('T_CLIENT_ID', 'client-1');
    await store.write('T_REFRESH_TOKEN', 'rt-1');
    await store.write('T_REFRESH_TOKEN', 'rt-2');
    expect(await store.tryLock('T_LOCK', 'me', 60_000)).toBe(true);

    const doc = JSON.parse(await readFile(file, 'utf8'));
    expect(doc).toMatchObject({
      version: 1,
      secrets: {
        T_CLIENT_ID: { value: 'client-1', version: 1 },
        T_REFRESH_TOKEN: { value: 'rt-2', version: 2 },
      },
      locks: { T_LOCK: { owner: 'me' } },
    });
    expect(Date.parse(doc.locks.T_LOCK.expiresAt)).toBeGreaterThan(Date.now());
    await store.unlock('T_LOCK', 'me');
    expect(JSON.parse(await readFile(file, 'utf8')).locks).toBeUndefined();
    expect(await readdir(dir)).toEqual(['secrets.json']);
  });

  it('reads a missing file as empty without creating anything', async () => {
    const dir = await tempDir();
    const store = new FileStore({ path: join(dir, 'absent', 'secrets.json') });
    expect((await store.read(['T_CLIENT_ID'])).size).toBe(0);
    expect(await readdir(dir)).toEqual([]);
  });

  it.skipIf(!POSIX)('creates the file 0600 in a new 0700 directory', async () => {
    const dir = join(await tempDir(), 'a', 'b');
    const file = join(dir, 'secrets.json');
    await new FileStore({ path: file }).write('T_CLIENT_SECRET', 'shh-secret');
    expect(await mode(file)).toBe(0o600);
    expect(await mode(dir)).toBe(0o700);
    expect(await mode(dirname(dir))).toBe(0o700);
  });

  it.skipIf(!POSIX)('tightens an existing file that others can read', async () => {
    const file = join(await tempDir(), 'secrets.json');
    await writeFile(
      file,
      JSON.stringify({ version: 1, secrets: { T_SALT: { value: 'salty-salt', version: 3 } } }),
    );
    await chmod(file, 0o644);
    const got = await new FileStore({ path: file }).read(['T_SALT']);
    expect(got.get('T_SALT')).toEqual({ value: 'salty-salt', version: '3' });
    expect(await mode(file)).toBe(0o600);
  });

  const corruptions: Array<[string, string, RegExp]> = [
    ['bad JSON', '{"version": 1, "secrets": {"T_REFRESH_TOKEN": {"value": "sekret-rt-9", ', /bad JSON/],
    ['a wrong shape', '{"version": 1, "secrets": {"T_REFRESH_TOKEN": "sekret-rt-9"}}', /T_REFRESH_TOKEN/],
    ['a missing version', '{"version": 1, "secrets": {"T_X": {"value": "sekret-rt-9"}}}', /"version"/],
    ['a newer format', '{"version": 2, "secrets": {}}', /newer/],
    ['an array', '["sekret-rt-9"]', /not a JSON object/],
  ];
  it.each(corruptions)('refuses a file with %s, naming it and changing nothing', async (_, bytes, flaw) => {
    const dir = await tempDir();
    const file = join(dir, 'secrets.json');
    await writeFile(file, bytes, { mode: 0o600 });
    const store = new FileStore({ path: file });
    for (const call of [
      () => store.read(['T_REFRESH_TOKEN']),
      () => store.write('T_REFRESH_TOKEN', 'rt-new'),
      () => store.tryLock('T_LOCK', 'me', 1000),
      () => store.unlock('T_LOCK', 'me'),
    ]) {
      const err = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(StoreError);
      expect(err).toMatchObject({ kind: 'corrupt' });
      const message = (err as Error).message;
      expect(message).toContain(file);
      expect(message).toMatch(flaw);
      expect(message).toMatch(/bootstrap/);
      expect(message).not.toContain('sekret');
    }
    expect(await readFile(file, 'utf8')).toBe(bytes);
    expect(await readdir(dir)).toEqual(['secrets.json']);
  });

  // As root, chmod 000 does not stop reads, so there is nothing to observe.
  it.skipIf(!POSIX || IS_ROOT)(
    'reports an unreadable file as access denied and leaves it alone',
    async () => {
      const file = join(await tempDir(), 'secrets.json');
      const bytes = JSON.stringify({ version: 1, secrets: { T_SALT: { value: 'salty-salt', version: 1 } } });
      await writeFile(file, bytes);
      await chmod(file, 0o000);
      const store = new FileStore({ path: file });
      try {
        await expect(store.read(['T_SALT'])).rejects.toMatchObject({ kind: 'access_denied' });
        await expect(store.write('T_SALT', 'other-salt')).rejects.toMatchObject({ kind: 'access_denied' });
      } finally {
        await chmod(file, 0o600);
      }
      expect(await readFile(file, 'utf8')).toBe(bytes);
    },
  );
});

describe('file store: the lock file', () => {
  it('breaks a stale lock and sweeps a temp file left by a crashed writer', async () => {
    const dir = await tempDir();
    const file = join(dir, 'secrets.json');
    await new FileStore({ path: file }).write('T_REFRESH_TOKEN', 'rt-before');
    await plantLock(file, 60_000);
    const tmp = `${file}.deadbeef.tmp`;
    await writeFile(tmp, '{"version": 1, "secr');
    const old = new Date(Date.now() - 60_000);
    await utimes(tmp, old, old);

    const store = new FileStore({ path: file, lockStaleMs: 1000 });
    expect((await store.read(['T_REFRESH_TOKEN'])).get('T_REFRESH_TOKEN')?.value).toBe('rt-before');
    const v = await store.write('T_REFRESH_TOKEN', 'rt-after', { expectedVersion: '1' });
    expect(v).toBe('2');
    expect((await store.read(['T_REFRESH_TOKEN'])).get('T_REFRESH_TOKEN')?.value).toBe('rt-after');
    expect(await readdir(dir)).toEqual(['secrets.json']);
  });

  it('gives up on a live lock as unavailable, naming its holder and changing nothing', async () => {
    const file = join(await tempDir(), 'secrets.json');
    await new FileStore({ path: file }).write('T_REFRESH_TOKEN', 'rt-before');
    const before = await readFile(file, 'utf8');
    const planted = await plantLock(file, 0);
    const store = new FileStore({ path: file, lockWaitMs: 100, lockStaleMs: 60_000 });
    const err = await store.write('T_REFRESH_TOKEN', 'rt-after').catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'unavailable', retryable: true });
    expect((err as Error).message).toContain('pid 4242 on other-host');
    expect(await readFile(file, 'utf8')).toBe(before);
    expect(await readFile(`${file}.lock`, 'utf8')).toBe(planted);
  });

  it('a holder whose lock was taken over cannot commit, and leaves the new lock in place', async () => {
    const lockPath = join(await tempDir(), 'secrets.json.lock');
    await withFileLock(lockPath, { staleMs: 10_000, waitMs: 1000 }, async (held) => {
      await held.assertHeld();
      await writeFile(lockPath, 'the next holder');
      await expect(held.assertHeld()).rejects.toMatchObject({ kind: 'unavailable' });
    });
    expect(await readFile(lockPath, 'utf8')).toBe('the next holder');
  });
});

describe('file store: several processes', () => {
  const WORKERS = 4;

  it('compare-and-swap increments from four processes lose no update', async () => {
    const file = join(await tempDir(), 'secrets.json');
    const store = new FileStore({ path: file });
    await store.write('T_COUNTER', '0');
    const perWorker = 40;
    await Promise.all(Array.from({ length: WORKERS }, () => runWorker(file, 'cas', perWorker)));
    const got = (await store.read(['T_COUNTER'])).get('T_COUNTER');
    expect(got).toEqual({ value: String(WORKERS * perWorker), version: String(WORKERS * perWorker + 1) });
  });

  it('fleet-lock increments from four processes lose no update, starting from a stale lock file', async () => {
    const file = join(await tempDir(), 'secrets.json');
    await plantLock(file, 60_000);
    const perWorker = 25;
    await Promise.all(Array.from({ length: WORKERS }, () => runWorker(file, 'lock', perWorker)));
    const store = new FileStore({ path: file });
    expect((await store.read(['T_COUNTER'])).get('T_COUNTER')?.value).toBe(String(WORKERS * perWorker));
    const doc = JSON.parse(await readFile(file, 'utf8'));
    expect(doc.locks).toBeUndefined();
  });

  it('a writer killed mid-write leaves a whole file, and the next writer recovers', async () => {
    const dir = await tempDir();
    const file = join(dir, 'secrets.json');
    const child = startWorker(file, 'spin');
    const exited = new Promise((r) => child.on('exit', r));
    const store = new FileStore({ path: file, lockStaleMs: 500 });
    try {
      // Reading all along: a rename-based write is never seen half done, so versions only grow.
      let seen = 0;
      for (;;) {
        const version = Number((await store.read(['T_COUNTER'])).get('T_COUNTER')?.version ?? 0);
        expect(version).toBeGreaterThanOrEqual(seen);
        seen = version;
        if (version >= 10) break;
        if (child.exitCode !== null) throw new Error('the spinning writer died on its own');
        await sleep(5);
      }
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    const survived = (await store.read(['T_COUNTER'])).get('T_COUNTER');
    // Each write i stores `i:<payload>` as version i: a torn or mixed file could not match.
    expect(survived?.value).toMatch(/^\d+:x{262144}$/);
    expect(survived?.value.split(':')[0]).toBe(survived?.version);
    const next = await store.write('T_COUNTER', 'after', { expectedVersion: survived?.version as string });
    expect(next).toBe(String(Number(survived?.version) + 1));
    expect((await store.read(['T_COUNTER'])).get('T_COUNTER')?.value).toBe('after');
  });
});
