import { randomUUID } from 'node:crypto';
import { chmod, mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { logger } from '../log';
import { fsStoreError } from './file-errors';
import { type HeldFileLock, withFileLock } from './file-lock';
import {
  extendedLease,
  isLive,
  type Lease,
  leaseFromRecord,
  leaseRecord,
  newLease,
  serializeLease,
} from './lease';
import { queued } from './queue';
import {
  isPlaceholder,
  type SecretStore,
  type StoreClock,
  type StoredValue,
  StoreError,
  type WriteOptions,
} from './store';

const FORMAT = 1;
const DEFAULT_LOCK_STALE_MS = 10_000;
const DEFAULT_LOCK_WAIT_MS = 5_000;
const POSIX = process.platform !== 'win32';

interface FileSecret {
  value: string;
  version: number;
}
/** A lease and a counter bumped by every change of it: together its version. */
interface FleetLock {
  lease: Lease;
  version: number;
}
/** The file in memory; Maps, so a name like `__proto__` is just a name. */
interface Contents {
  secrets: Map<string, FileSecret>;
  locks: Map<string, FleetLock>;
}
type Change<T> = { changed: boolean; result: T };

/**
 * Same-process callers queue here (per file) instead of polling the lock file against each
 * other; the lock file then only arbitrates between processes.
 */
const queues = new Map<string, Promise<unknown>>();

/**
 * The embedded store: one human-readable JSON file,
 * `{ "version": 1, "secrets": { NAME: { "value", "version" } }, "locks": { NAME: { lease..., "version" } } }`,
 * mode 0600 in a 0700 directory. A secret's version is a counter bumped by every write.
 *
 * Reads are one file read: writes replace the file by rename, so a reader sees the old or the
 * new file, never a mix. Every change is a read-modify-write under `<file>.lock` (shared by all
 * processes on the host), so compare-and-swap and the fleet lock are atomic across processes.
 * A file we cannot parse is never replaced: every call fails until an operator fixes it.
 * Leases and fences are checked inside that same read-modify-write, so they are exact.
 */
export class FileStore implements SecretStore {
  readonly description: string;
  readonly #path: string;
  readonly #lockPath: string;
  readonly #lockOpts: { staleMs: number; waitMs: number };
  readonly #now: () => number;
  #permissionsChecked = false;
  #swept = false;

  constructor(opts: { path: string; lockStaleMs?: number; lockWaitMs?: number } & StoreClock) {
    this.#path = resolve(opts.path);
    this.#lockPath = `${this.#path}.lock`;
    this.#lockOpts = {
      staleMs: opts.lockStaleMs ?? DEFAULT_LOCK_STALE_MS,
      waitMs: opts.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS,
    };
    this.#now = opts.now ?? (() => Date.now());
    this.description = `file:${this.#path}`;
  }

  async read(names: readonly string[]): Promise<Map<string, StoredValue>> {
    const { secrets, locks } = await this.#load();
    const out = new Map<string, StoredValue>();
    for (const name of names) {
      const s = secrets.get(name);
      const l = locks.get(name);
      if (s && !isPlaceholder(s.value)) out.set(name, { value: s.value, version: String(s.version) });
      else if (l) out.set(name, { value: serializeLease(l.lease), version: `${l.lease.nonce}-${l.version}` });
    }
    return out;
  }

  write(name: string, value: string, opts?: WriteOptions): Promise<string> {
    return this.#update((c) => {
      const fence = opts?.fence;
      const held = fence && c.locks.get(fence.lock)?.lease;
      if (fence && !(isLive(held, this.#now()) && held.owner === fence.owner)) {
        throw new StoreError(
          'conflict',
          `file: lease ${fence.lock} lost by ${fence.owner}; ${name} not written`,
        );
      }
      const current = c.secrets.get(name);
      const expected = opts?.expectedVersion;
      if (expected !== undefined && (current ? String(current.version) : undefined) !== expected) {
        throw new StoreError(
          'conflict',
          `file: ${name} is at version ${current?.version ?? '(none)'}, not the expected ${expected}`,
        );
      }
      const version = (current?.version ?? 0) + 1;
      c.secrets.set(name, { value, version });
      return { changed: true, result: String(version) };
    });
  }

  tryLock(name: string, owner: string, ttlMs: number, note?: string): Promise<boolean> {
    return this.#update((c) => {
      const now = this.#now();
      const held = c.locks.get(name);
      if (held && isLive(held.lease, now)) {
        if (held.lease.owner !== owner) return { changed: false, result: false };
        return this.#extend(c, name, held, ttlMs, now, note);
      }
      c.locks.set(name, { lease: newLease(owner, ttlMs, now, note), version: 1 });
      return { changed: true, result: true };
    });
  }

  extendLock(name: string, owner: string, ttlMs: number, note?: string): Promise<boolean> {
    return this.#update((c) => {
      const now = this.#now();
      const held = c.locks.get(name);
      if (!held || held.lease.owner !== owner || !isLive(held.lease, now))
        return { changed: false, result: false };
      return this.#extend(c, name, held, ttlMs, now, note);
    });
  }

  #extend(
    c: Contents,
    name: string,
    held: FleetLock,
    ttlMs: number,
    now: number,
    note?: string,
  ): Change<boolean> {
    c.locks.set(name, { lease: extendedLease(held.lease, ttlMs, now, note), version: held.version + 1 });
    return { changed: true, result: true };
  }

  async unlock(name: string, owner: string): Promise<void> {
    await this.#update((c) => {
      if (c.locks.get(name)?.lease.owner !== owner) return { changed: false, result: undefined };
      c.locks.delete(name);
      return { changed: true, result: undefined };
    });
  }

  /** The current contents, or empty when the file does not exist yet. */
  async #load(): Promise<Contents> {
    if (!this.#permissionsChecked) await this.#tightenPermissions();
    let text: string;
    try {
      text = await readFile(this.#path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { secrets: new Map(), locks: new Map() };
      throw fsStoreError(err, 'read', this.#path);
    }
    return parseContents(text, this.#path);
  }

  /**
   * A secrets file readable by group or others (copied in by hand, an old umask) is narrowed to
   * 0600 rather than refused: refusing would stop the proxy without un-exposing anything.
   */
  async #tightenPermissions(): Promise<void> {
    this.#permissionsChecked = true;
    if (!POSIX) return;
    const mode = await stat(this.#path).then(
      (s) => s.mode & 0o777,
      () => undefined,
    );
    if (mode === undefined || (mode & 0o077) === 0) return;
    const was = mode.toString(8).padStart(4, '0');
    try {
      await chmod(this.#path, 0o600);
      logger.warn('secrets file was readable by others; tightened to 0600', { file: this.#path, was });
    } catch (err) {
      logger.warn('secrets file is readable by others and could not be tightened; chmod 600 it', {
        file: this.#path,
        was,
        code: (err as NodeJS.ErrnoException).code,
      });
    }
  }

  #update<T>(change: (c: Contents) => Change<T>): Promise<T> {
    return queued(queues, this.#path, async () => {
      const dir = dirname(this.#path);
      try {
        await mkdir(dir, { recursive: true, mode: 0o700 });
      } catch (err) {
        throw fsStoreError(err, 'create the directory of', this.#path);
      }
      return withFileLock(this.#lockPath, this.#lockOpts, async (held) => {
        if (!this.#swept) await this.#sweep(dir);
        const contents = await this.#load();
        const { changed, result } = change(contents);
        if (changed) await this.#commit(contents, held);
        return result;
      });
    });
  }

  /** Temp file, fsync, rename over the target, fsync the directory: old or new, never half. */
  async #commit(c: Contents, held: HeldFileLock): Promise<void> {
    const tmp = `${this.#path}.${randomUUID().slice(0, 8)}.tmp`;
    try {
      const fh = await open(tmp, 'wx', 0o600);
      try {
        await fh.writeFile(formatContents(c));
        await fh.sync();
      } finally {
        await fh.close();
      }
      await held.assertHeld();
      await rename(tmp, this.#path);
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw fsStoreError(err, 'write', this.#path);
    }
    await this.#syncDir();
  }

  /** Makes the rename itself durable; Windows cannot open a directory, and renames there are durable anyway. */
  async #syncDir(): Promise<void> {
    if (!POSIX) return;
    const dir = await open(dirname(this.#path), 'r').catch(() => undefined);
    if (!dir) return;
    try {
      await dir.sync();
    } catch {
      // Some filesystems refuse fsync on a directory; the file itself is already synced.
    } finally {
      await dir.close();
    }
  }

  /**
   * Temp files (they hold secrets) and set-aside lock files left by a process killed mid-write,
   * once per store and under the lock; only old ones, in case a stalled writer still owns one.
   */
  async #sweep(dir: string): Promise<void> {
    this.#swept = true;
    const prefix = `${basename(this.#path)}.`;
    const entries = await readdir(dir).catch(() => [] as string[]);
    // Real time, not the injected clock: it is compared with the files' mtimes.
    const cutoff = Date.now() - this.#lockOpts.staleMs;
    for (const entry of entries) {
      if (!entry.startsWith(prefix) || !(entry.endsWith('.tmp') || entry.endsWith('.stale'))) continue;
      const path = join(dir, entry);
      const mtime = await stat(path).then(
        (s) => s.mtimeMs,
        () => Number.POSITIVE_INFINITY,
      );
      if (mtime < cutoff) await rm(path, { force: true }).catch(() => undefined);
    }
  }
}

function formatContents(c: Contents): string {
  const doc: Record<string, unknown> = { version: FORMAT, secrets: Object.fromEntries(c.secrets) };
  if (c.locks.size > 0) {
    doc.locks = Object.fromEntries(
      [...c.locks].map(([name, l]) => [name, { ...leaseRecord(l.lease), version: l.version }]),
    );
  }
  return `${JSON.stringify(doc, null, 2)}\n`;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Validates the whole file; any flaw is `corrupt`, naming the file and the flaw but no value. */
function parseContents(text: string, path: string): Contents {
  // An empty file (say, touched by hand to set its mode first) holds nothing to lose.
  if (text.trim() === '') return { secrets: new Map(), locks: new Map() };
  const corrupt = (flaw: string) =>
    new StoreError(
      'corrupt',
      `file: ${path} is not a valid secrets file (${flaw}); nothing was changed. Fix it by hand, restore a ` +
        'backup, or move it aside and run `jira-token-proxy bootstrap` again',
    );
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    // V8's message quotes the text around the error, which may be a secret: keep only the position.
    const at = /position \d+/.exec((err as Error).message)?.[0];
    throw corrupt(at ? `bad JSON at ${at}` : 'bad JSON');
  }
  if (!isObject(doc)) throw corrupt('not a JSON object');
  if (doc.version !== FORMAT) {
    throw corrupt(
      typeof doc.version === 'number' && doc.version > FORMAT
        ? `format version ${doc.version} is newer than this proxy understands`
        : `"version" must be ${FORMAT}`,
    );
  }
  if (!isObject(doc.secrets)) throw corrupt('"secrets" must be an object');
  const secrets = new Map<string, FileSecret>();
  for (const [name, s] of Object.entries(doc.secrets)) {
    if (!isObject(s) || typeof s.value !== 'string') throw corrupt(`secret ${name} has no string "value"`);
    if (typeof s.version !== 'number' || !Number.isSafeInteger(s.version) || s.version < 1) {
      throw corrupt(`secret ${name} needs a whole-number "version" of at least 1`);
    }
    secrets.set(name, { value: s.value, version: s.version });
  }
  const locks = new Map<string, FleetLock>();
  if (doc.locks !== undefined) {
    if (!isObject(doc.locks)) throw corrupt('"locks" must be an object');
    for (const [name, l] of Object.entries(doc.locks)) {
      const lease = leaseFromRecord(l);
      if (!lease) throw corrupt(`lock ${name} needs a string "owner" and a readable "expiresAt"`);
      // Files written before leases had versions start counting at 1.
      const version = isObject(l) && Number.isSafeInteger(l.version) ? (l.version as number) : 1;
      locks.set(name, { lease, version });
    }
  }
  return { secrets, locks };
}
