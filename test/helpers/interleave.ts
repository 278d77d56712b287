import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';
import { createHttpServer, listen } from '../../src/adapters/node-http';
import type { App } from '../../src/app';
import type { Config } from '../../src/config';
import { loadRules } from '../../src/rules';
import { buildRuntime, type RuntimeParts } from '../../src/runtime';
import { SANDBOX_SITE, type Sandbox } from '../../src/sandbox';
import type { SecretStore, StoredValue, WriteOptions } from '../../src/stores/store';
import { StoreError } from '../../src/stores/store';

/**
 * What the interleaving tests cut: an instance's store and its way to the token endpoint. A
 * "crash" at a step is an instance whose store stops answering (every later call hangs, as a
 * killed or frozen process's would never arrive) and whose token call is swallowed; the instance
 * is then left alone. Everything it ran up to that step is the real code path.
 */

/**
 * A store whose calls can be made to hang for good (`cut`), fail (`down`), hang from one write on,
 * or wait from a lease taken on until `thaw()` (`freezeAfterLock`: a process frozen under its lease).
 */
export class CuttableStore implements SecretStore {
  readonly description: string;
  #cut = false;
  #down = false;
  /** Calls of each kind that reached the inner store. */
  calls = { read: 0, write: 0, lock: 0 };
  /** A write of this name cuts the store before it lands (a crash during the write-back). */
  cutAtWriteOf: string | undefined;
  /** A write of this name starts an outage before it lands (`down(false)` ends it). */
  downAtWriteOf: string | undefined;
  #onCut: (() => void) | undefined;
  /** The next lease taken freezes the store: later calls wait for `thaw()`. */
  freezeAfterLock = false;
  #frozen: Promise<void> | undefined;
  #thaw: (() => void) | undefined;
  #onFrozen: (() => void) | undefined;
  /** Resolves once a lease was taken with `freezeAfterLock` set. */
  readonly frozen = new Promise<void>((resolve) => {
    this.#onFrozen = resolve;
  });
  readonly cutDone = new Promise<void>((resolve) => {
    this.#onCut = resolve;
  });

  constructor(private readonly inner: SecretStore) {
    this.description = `cuttable ${inner.description}`;
  }

  cut(): void {
    this.#cut = true;
    this.#onCut?.();
  }

  /** An outage: every call fails as the store's client would after its retries. */
  down(on: boolean): void {
    this.#down = on;
  }

  /** A frozen store's calls go on. */
  thaw(): void {
    this.#frozen = undefined;
    this.#thaw?.();
  }

  async #gate<T>(name: string, call: () => Promise<T>): Promise<T> {
    if (this.#frozen) await this.#frozen;
    if (this.#cut) return new Promise<T>(() => undefined);
    if (this.#down) return Promise.reject(new StoreError('unavailable', `injected outage (${name})`));
    return call();
  }

  read(names: readonly string[]): Promise<Map<string, StoredValue>> {
    return this.#gate('read', () => {
      this.calls.read++;
      return this.inner.read(names);
    });
  }

  write(name: string, value: string, opts?: WriteOptions): Promise<string> {
    if (name === this.cutAtWriteOf) this.cut();
    if (name === this.downAtWriteOf) this.down(true);
    return this.#gate('write', () => {
      this.calls.write++;
      return this.inner.write(name, value, opts);
    });
  }

  async tryLock(name: string, owner: string, ttlMs: number, note?: string): Promise<boolean> {
    const taken = await this.#gate('tryLock', () => {
      this.calls.lock++;
      return this.inner.tryLock(name, owner, ttlMs, note);
    });
    if (taken && this.freezeAfterLock) {
      this.freezeAfterLock = false;
      this.#frozen = new Promise((resolve) => {
        this.#thaw = resolve;
      });
      this.#onFrozen?.();
    }
    return taken;
  }

  extendLock(name: string, owner: string, ttlMs: number, note?: string): Promise<boolean> {
    return this.#gate('extendLock', () => {
      this.calls.lock++;
      return this.inner.extendLock(name, owner, ttlMs, note);
    });
  }

  unlock(name: string, owner: string): Promise<void> {
    return this.#gate('unlock', () => {
      this.calls.lock++;
      return this.inner.unlock(name, owner);
    });
  }

  async close(): Promise<void> {
    await this.inner.close?.();
  }
}

/**
 * A loopback hop in front of the sandbox's token endpoint. `pass` forwards; `hold` keeps the
 * request and never forwards it (crash before Atlassian saw it); `swallow` forwards it (Atlassian
 * rotates) and never answers (crash after it rotated, or an answer after the client's timeout);
 * `late` forwards it and answers only on `release()` (a caller frozen or slow past its lease).
 */
export class TokenGate {
  mode: 'pass' | 'hold' | 'swallow' | 'late' = 'pass';
  #late: (() => void)[] = [];
  /** Requests that reached the gate. */
  arrived = 0;
  /** Requests Atlassian answered that the instance did not see (yet). */
  swallowed = 0;
  #server: Server | undefined;
  #waiters: { n: number; resolve: () => void }[] = [];
  url = '';

  constructor(private readonly sandboxUrl: string) {}

  async start(): Promise<this> {
    this.#server = createServer((req, res) => {
      void this.#handle(req).then((answer) => {
        if (answer) res.writeHead(answer.status, answer.headers).end(answer.body);
      });
    });
    await new Promise<void>((r) => this.#server?.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  /** Resolves once `n` swallowed or late requests were processed by Atlassian (or held, in `hold`). */
  settled(n = 1): Promise<void> {
    return new Promise((resolve) => {
      this.#waiters.push({ n, resolve });
      this.#check();
    });
  }

  /** Answers the requests held in `late` mode. */
  release(): void {
    for (const answer of this.#late.splice(0)) answer();
  }

  async close(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise((r) => this.#server?.close(r));
  }

  #check(): void {
    const done = this.mode === 'hold' ? this.arrived : this.swallowed;
    for (const w of [...this.#waiters])
      if (done >= w.n) {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        w.resolve();
      }
  }

  async #handle(
    req: IncomingMessage,
  ): Promise<{ status: number; headers: Record<string, string>; body: string } | undefined> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    this.arrived++;
    const mode = this.mode;
    if (mode === 'hold') {
      this.#check();
      return undefined;
    }
    const res = await fetch(`${this.sandboxUrl}${req.url}`, {
      method: req.method,
      headers: { 'content-type': String(req.headers['content-type'] ?? 'application/json') },
      body: Buffer.concat(chunks),
    });
    const body = await res.text();
    const headers: Record<string, string> = {
      'content-type': res.headers.get('content-type') ?? 'application/json',
    };
    const retryAfter = res.headers.get('retry-after');
    if (retryAfter) headers['retry-after'] = retryAfter;
    const answer = { status: res.status, headers, body };
    if (mode === 'pass') return answer;
    this.swallowed++;
    this.#check();
    if (mode === 'swallow') return undefined;
    return new Promise((resolve) => this.#late.push(() => resolve(answer)));
  }
}

export interface Instance {
  url: string;
  app: App;
  store: SecretStore;
  close(): Promise<void>;
}

/**
 * A proxy instance as `serve` runs it (buildRuntime on node:http, the Host check included) over
 * `store`, reaching the token endpoint at `authUrl` (a TokenGate, or the sandbox itself).
 */
export async function startInstance(o: {
  sandbox: Sandbox;
  config: Config;
  store: SecretStore;
  now: () => number;
  authUrl?: string;
  tokenTimings?: RuntimeParts['tokenTimings'];
}): Promise<Instance> {
  const config = { ...o.config, authUrl: o.authUrl ?? o.sandbox.url };
  const rules = await loadRules({ ruleSets: config.ruleSets }, SANDBOX_SITE.id);
  const { app } = buildRuntime({ config, store: o.store, rules, now: o.now, tokenTimings: o.tokenTimings });
  const server = createHttpServer(app, { allowedHosts: config.allowedHosts });
  const port = await listen(server, 0);
  return {
    url: `http://127.0.0.1:${port}`,
    app,
    store: o.store,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await app.close();
    },
  };
}

/** Closes what a test started, after it (instances, gates, anything with close()). */
export function closedAfterEach(): <T extends { close(): Promise<void> }>(x: T) => T {
  let started: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(started.reverse().map((x) => x.close().catch(() => undefined)));
    started = [];
  });
  return (x) => {
    started.push(x);
    return x;
  };
}
