import { randomUUID } from 'node:crypto';
import { link, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { fsStoreError } from './file-errors';
import { StoreError } from './store';

export interface FileLockOptions {
  /** A lock file untouched for this long belongs to a crashed (or hopelessly stalled) process. */
  staleMs: number;
  /** How long to keep trying before giving up with `unavailable`. */
  waitMs: number;
}

export interface HeldFileLock {
  /** Throws unless the lock file is still ours: call it right before the commit it protects. */
  assertHeld(): Promise<void>;
}

interface Seen {
  raw: string;
  ino: bigint;
  dev: bigint;
  mtimeMs: number;
}

const FIRST_BACKOFF_MS = 2;
const MAX_BACKOFF_MS = 50;

/**
 * Runs `fn` while holding `lockPath`, a lock file created with O_EXCL, across every process on
 * this host that shares the directory. The file names its holder (pid, host, time) for an
 * operator; its mtime decides staleness, so a half-written lock file ages out too.
 */
export async function withFileLock<T>(
  lockPath: string,
  opts: FileLockOptions,
  fn: (held: HeldFileLock) => Promise<T>,
): Promise<T> {
  const body = `${JSON.stringify({
    pid: process.pid,
    host: hostname(),
    token: randomUUID(),
    acquiredAt: new Date().toISOString(),
  })}\n`;
  await acquire(lockPath, body, opts);
  const held: HeldFileLock = {
    async assertHeld() {
      const raw = await readFile(lockPath, 'utf8').catch(() => undefined);
      if (raw !== body) {
        throw new StoreError(
          'unavailable',
          `file: the lock ${lockPath} was taken over while this process held it (stalled past ${opts.staleMs} ms); nothing was written`,
        );
      }
    },
  };
  try {
    return await fn(held);
  } finally {
    await release(lockPath, body);
  }
}

async function acquire(lockPath: string, body: string, opts: FileLockOptions): Promise<void> {
  const deadline = Date.now() + opts.waitMs;
  let backoff = FIRST_BACKOFF_MS;
  for (;;) {
    if (await tryCreate(lockPath, body)) return;
    const seen = await inspect(lockPath);
    // Released between our attempt and our look: try again at once.
    if (seen === undefined) continue;
    if (Date.now() - seen.mtimeMs > opts.staleMs) {
      await breakStale(lockPath, seen);
      continue;
    }
    if (Date.now() >= deadline) throw busy(lockPath, seen, opts);
    await sleep(backoff + Math.random() * backoff);
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  }
}

async function tryCreate(lockPath: string, body: string): Promise<boolean> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(lockPath, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw fsStoreError(err, 'create the lock file', lockPath);
  }
  try {
    await fh.writeFile(body);
  } catch (err) {
    await fh.close().catch(() => undefined);
    await unlink(lockPath).catch(() => undefined);
    throw fsStoreError(err, 'write the lock file', lockPath);
  }
  await fh.close();
  return true;
}

async function inspect(path: string): Promise<Seen | undefined> {
  try {
    const [raw, st] = await Promise.all([readFile(path, 'utf8'), stat(path, { bigint: true })]);
    return { raw, ino: st.ino, dev: st.dev, mtimeMs: Number(st.mtimeMs) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fsStoreError(err, 'read the lock file', path);
  }
}

const same = (a: Seen | undefined, b: Seen) =>
  a !== undefined && a.raw === b.raw && a.ino === b.ino && a.dev === b.dev;

/**
 * Removes the stale lock `seen`, and only it. POSIX has no compare-and-delete, so the lock is
 * renamed aside (atomic: of two breakers only one moves any given file) and then checked. If
 * another breaker got there first and a live holder re-created the lock in between, we moved
 * the live one: it is linked back (link fails rather than overwrite a newer lock), and its
 * holder's assertHeld() catches the rare case where even that came too late.
 */
async function breakStale(lockPath: string, seen: Seen): Promise<void> {
  if (!same(await inspect(lockPath), seen)) return;
  const aside = `${lockPath}.${randomUUID().slice(0, 8)}.stale`;
  try {
    await rename(lockPath, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw fsStoreError(err, 'break the stale lock file', lockPath);
  }
  try {
    if (!same(await inspect(aside), seen)) await link(aside, lockPath).catch(() => undefined);
  } finally {
    await unlink(aside).catch(() => undefined);
  }
}

/** Removes our lock file; a lock that is no longer ours (we stalled and were broken) stays. */
async function release(lockPath: string, body: string): Promise<void> {
  const raw = await readFile(lockPath, 'utf8').catch(() => undefined);
  if (raw === body) await unlink(lockPath).catch(() => undefined);
}

function busy(lockPath: string, seen: Seen, opts: FileLockOptions): StoreError {
  let holder = 'another process';
  try {
    const h = JSON.parse(seen.raw) as { pid?: unknown; host?: unknown };
    if (typeof h.pid === 'number' && typeof h.host === 'string') holder = `pid ${h.pid} on ${h.host}`;
  } catch {
    // A lock file still being written names no one yet.
  }
  const age = Math.max(0, Math.round(Date.now() - seen.mtimeMs));
  return new StoreError(
    'unavailable',
    `file: ${lockPath} is held by ${holder} (for ${age} ms); gave up after ${opts.waitMs} ms. ` +
      `A lock left by a crashed process is broken once it is ${opts.staleMs} ms old`,
  );
}
