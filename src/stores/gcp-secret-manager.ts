import { randomUUID } from 'node:crypto';
import { type protos, SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { PassThroughClient } from 'google-auth-library';
import { logger } from '../log';
import { readEach, type SecretStore, type StoredValue, StoreError } from './store';

type Secret = protos.google.cloud.secretmanager.v1.ISecret;
type ClientOptions = NonNullable<ConstructorParameters<typeof SecretManagerServiceClient>[0]>;

const STORE = 'gcp-secret-manager';
const SERVICE = 'google.cloud.secretmanager.v1.SecretManagerService';

/** gRPC status codes (the REST transport maps Google's JSON `status` onto them too). */
const CANCELLED = 1;
const UNKNOWN = 2;
const DEADLINE_EXCEEDED = 4;
const NOT_FOUND = 5;
const ALREADY_EXISTS = 6;
const PERMISSION_DENIED = 7;
const RESOURCE_EXHAUSTED = 8;
const FAILED_PRECONDITION = 9;
const ABORTED = 10;
const UNIMPLEMENTED = 12;
const INTERNAL = 13;
const UNAVAILABLE = 14;
const DATA_LOSS = 15;
const UNAUTHENTICATED = 16;
/** Throttling, timeouts, and everything Google answers with a 5xx. */
const TRANSIENT = new Set([
  CANCELLED,
  UNKNOWN,
  DEADLINE_EXCEEDED,
  RESOURCE_EXHAUSTED,
  ABORTED,
  UNIMPLEMENTED,
  INTERNAL,
  UNAVAILABLE,
  DATA_LOSS,
]);

const RPC_TIMEOUT_MS = 4_000;
/** One page of enabled versions: the newest is on it (Google lists newest first), and so are the old ones cleanup destroys. */
const LIST_PAGE = 50;
/**
 * How long a compare-and-swap claim blocks other writers from the same base version. A writer
 * adds its version within one RPC timeout of claiming, so a claim older than this belongs to a
 * writer that died between its claim and its version.
 */
const CLAIM_TTL_MS = 30_000;
const CAS_BASE = 'jtp-cas-base';
const CAS_AT = 'jtp-cas-at';
const CAS_CLAIM = 'jtp-cas-claim';
const LOCK_OWNER = 'lock-owner';
const LOCK_EXPIRES = 'lock-expires';

/**
 * Short deadlines: the proxy answers its callers within seconds. Reads (and destroy, whose repeat
 * is harmless) retry transient failures briefly; version adds and etag updates are not retried,
 * since a retry after a lost answer would add a second version or fail on its own etag change.
 */
const READ = { timeout_millis: RPC_TIMEOUT_MS, retry_codes_name: 'transient', retry_params_name: 'short' };
const WRITE = { timeout_millis: RPC_TIMEOUT_MS, retry_codes_name: 'none', retry_params_name: 'short' };
const CLIENT_CONFIG = {
  interfaces: {
    [SERVICE]: {
      retry_codes: { transient: ['UNAVAILABLE', 'DEADLINE_EXCEEDED', 'RESOURCE_EXHAUSTED'], none: [] },
      retry_params: {
        short: {
          initial_retry_delay_millis: 100,
          retry_delay_multiplier: 2,
          max_retry_delay_millis: 1_000,
          initial_rpc_timeout_millis: RPC_TIMEOUT_MS,
          rpc_timeout_multiplier: 1,
          max_rpc_timeout_millis: RPC_TIMEOUT_MS,
          // Retries of transient failures stop after this; the proxy answers within seconds.
          total_timeout_millis: 5_000,
        },
      },
      methods: {
        GetSecret: READ,
        ListSecretVersions: READ,
        AccessSecretVersion: READ,
        DestroySecretVersion: READ,
        CreateSecret: READ,
        UpdateSecret: WRITE,
        AddSecretVersion: WRITE,
      },
    },
  },
};

/**
 * The REST transport pointed at `host:port` over plain HTTP, with an auth client that adds no
 * credentials and never looks any up (no ADC files, no metadata server). Its transport hands
 * every HTTP status back to google-gax, which decodes Google's JSON errors into status codes,
 * and enforces the per-request timeout that the REST transport itself does not.
 */
function emulatorOptions(emulatorHost: string): ClientOptions {
  const colon = emulatorHost.lastIndexOf(':');
  const port = Number(emulatorHost.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port <= 0 || port > 65_535) {
    throw new StoreError('invalid', `${STORE}: SECRET_MANAGER_EMULATOR_HOST must be host:port`);
  }
  const authClient = new PassThroughClient({
    transporterOptions: { validateStatus: () => true, timeout: RPC_TIMEOUT_MS },
  });
  return {
    fallback: true,
    protocol: 'http',
    apiEndpoint: emulatorHost.slice(0, colon),
    port,
    // google-gax bundles its own google-auth-library; it only needs `fetch` and `getRequestHeaders`.
    authClient: authClient as unknown as ClientOptions['authClient'],
  };
}

const versionOf = (name: string | null | undefined): number | undefined => {
  const n = Number(name?.slice(name.lastIndexOf('/') + 1));
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
};

function codeOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' && code >= 0 && code <= 16 ? code : undefined;
}

/**
 * GCP Secret Manager. One secret per name, each write a new numbered version; the version is
 * that number. Reads resolve the newest ENABLED version with a list and access that number (the
 * `latest` alias is not strongly consistent). After a write, enabled versions beyond the newest
 * `keepVersions` are destroyed (disabled versions are still billed). The lock is etag-guarded
 * annotations (`lock-owner`, `lock-expires`) on the lock's own secret, which holds no versions.
 */
export class GcpSecretManagerStore implements SecretStore {
  readonly description: string;
  private readonly client: SecretManagerServiceClient;
  private readonly project: string;
  private readonly keep: number;
  /**
   * Our own claims whose version add failed. The lifecycle retries a failed write-back with the
   * same expected version, and must not find itself blocked by its own dead claim (it would
   * drop the rotated refresh token as superseded).
   */
  private readonly abandoned = new Set<string>();

  constructor(opts: { project: string; emulatorHost?: string; keepVersions?: number }) {
    this.project = opts.project;
    this.keep = Math.max(1, Math.floor(opts.keepVersions ?? 3));
    const transport = opts.emulatorHost ? emulatorOptions(opts.emulatorHost) : {};
    this.client = new SecretManagerServiceClient({ ...transport, clientConfig: CLIENT_CONFIG });
    this.description = opts.emulatorHost
      ? `${STORE}:${opts.project}@http://${opts.emulatorHost}`
      : `${STORE}:${opts.project}`;
  }

  /** One list and one access per name, every name in parallel. */
  async read(names: readonly string[]): Promise<Map<string, StoredValue>> {
    return readEach(names, (name) => this.get(name));
  }

  /**
   * Without `expectedVersion`: add a version (creating the secret first if needed), last writer
   * wins. With it, a compare-and-swap (see `swap`). Then old versions are destroyed.
   */
  async write(name: string, value: string, opts?: { expectedVersion?: string }): Promise<string> {
    if (opts?.expectedVersion !== undefined) return this.swap(name, value, opts.expectedVersion);
    const version = await this.add(name, value, true);
    await this.cleanup(name, version);
    return String(version);
  }

  async tryLock(name: string, owner: string, ttlMs: number): Promise<boolean> {
    let secret = await this.getSecret(name);
    const claim = { [LOCK_OWNER]: owner, [LOCK_EXPIRES]: String(Date.now() + ttlMs) };
    if (!secret) {
      // Creating the secret with our claim is the atomic take; whoever creates it first holds it.
      if (await this.create(name, claim)) return true;
      secret = await this.getSecret(name);
      if (!secret) return false;
    }
    const annotations = secret.annotations ?? {};
    const holder = annotations[LOCK_OWNER];
    if (holder && Number(annotations[LOCK_EXPIRES]) > Date.now()) return holder === owner;
    return this.annotate(name, secret, { ...annotations, ...claim });
  }

  async unlock(name: string, owner: string): Promise<void> {
    const secret = await this.getSecret(name);
    const { [LOCK_OWNER]: holder, [LOCK_EXPIRES]: _, ...rest } = secret?.annotations ?? {};
    // A refused update means it was taken over since we looked: no longer ours to release.
    if (secret && holder === owner) await this.annotate(name, secret, rest);
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  /**
   * Compare-and-swap. Secret Manager has no conditional addVersion, so a writer first claims the
   * successor of `expected` on the secret itself, then adds its version:
   *   1. get the secret (its etag and annotations), then 2. list: the newest enabled version must
   *   be `expected`, and no fresh claim may name `expected` as its base;
   *   3. update the annotations (`jtp-cas-base` = expected, `jtp-cas-at` = now, a claim id) with
   *   that etag; 4. add the version.
   * Why at most one writer from a given version lands: every successful update changes the etag,
   * so an update succeeds only if no other update happened since its writer's get. Take two
   * writers from `expected` whose updates both succeed, B's after A's, with no successful claim
   * from `expected` in between (pick the closest such pair). B's get came after A's update. If
   * no update happened between A's update and B's get, B saw A's claim and stopped. Otherwise the
   * last one, by C, claimed a base that C's list (after A's update, before B's list) found newest:
   * the newest enabled version never goes back, so C's base is at least `expected` (found by A's
   * earlier list) and at most `expected` (found by B's later list), so C claimed `expected` too,
   * between A and B: a contradiction. Concurrent writers from one version therefore race on one
   * etag and the losers get FAILED_PRECONDITION. The argument assumes claims stay fresh (a writer
   * adds its version within CLAIM_TTL_MS of claiming) and covers compare-and-swap writers: a
   * plain write is last-writer-wins by definition. The one exception, our own claim whose add
   * failed, is passed over by this store's retry: that claim's writer never landed.
   */
  private async swap(name: string, value: string, expected: string): Promise<string> {
    const base = versionOf(expected);
    const secret = await this.getSecret(name);
    if (!secret || base === undefined) {
      throw new StoreError('conflict', `${STORE}: ${name} has no version ${expected} to replace`);
    }
    const enabled = await this.enabledVersions(name);
    const newest = enabled[0];
    if (newest !== base) {
      throw new StoreError(
        'conflict',
        `${STORE}: ${name} is at version ${newest ?? '(none)'}, not the expected ${expected}`,
      );
    }
    const annotations = secret.annotations ?? {};
    const claimAge = Date.now() - Number(annotations[CAS_AT]);
    const previous = annotations[CAS_CLAIM] ?? '';
    if (annotations[CAS_BASE] === String(base) && claimAge < CLAIM_TTL_MS && !this.abandoned.has(previous)) {
      throw new StoreError(
        'conflict',
        `${STORE}: another writer is replacing version ${expected} of ${name}`,
      );
    }
    const id = randomUUID();
    const claim = { ...annotations, [CAS_BASE]: String(base), [CAS_AT]: String(Date.now()), [CAS_CLAIM]: id };
    if (!(await this.annotate(name, secret, claim))) {
      throw new StoreError('conflict', `${STORE}: ${name} changed while replacing version ${expected}`);
    }
    this.abandoned.delete(previous);
    let version: number;
    try {
      version = await this.add(name, value, false);
    } catch (err) {
      this.abandoned.add(id);
      throw err;
    }
    await this.cleanup(name, version, enabled);
    return String(version);
  }

  /** The newest enabled version's value, placeholders included; undefined when there is none. */
  private async get(name: string, retried = false): Promise<StoredValue | undefined> {
    const newest = (await this.enabledVersions(name))[0];
    if (newest === undefined) return undefined;
    try {
      const [res] = await this.client.accessSecretVersion({ name: `${this.path(name)}/versions/${newest}` });
      const data = res.payload?.data;
      const bytes = typeof data === 'string' ? Buffer.from(data, 'base64') : Buffer.from(data ?? []);
      return { value: bytes.toString('utf8'), version: String(newest) };
    } catch (err) {
      const code = codeOf(err);
      // Destroyed or disabled since the list (a concurrent cleanup, an operator): look once more.
      if ((code === FAILED_PRECONDITION || code === NOT_FOUND) && !retried) return this.get(name, true);
      if (code === NOT_FOUND) return undefined;
      throw this.failure(err, 'secretmanager.versions.access', name);
    }
  }

  /** Enabled version numbers, newest first; empty when the secret does not exist. */
  private async enabledVersions(name: string): Promise<number[]> {
    try {
      const [versions] = await this.client.listSecretVersions(
        { parent: this.path(name), filter: 'state:ENABLED', pageSize: LIST_PAGE },
        { autoPaginate: false },
      );
      return versions
        .map((v) => versionOf(v.name))
        .filter((n): n is number => n !== undefined)
        .sort((a, b) => b - a);
    } catch (err) {
      if (codeOf(err) === NOT_FOUND) return [];
      throw this.failure(err, 'secretmanager.versions.list', name);
    }
  }

  private async getSecret(name: string): Promise<Secret | undefined> {
    try {
      const [secret] = await this.client.getSecret({ name: this.path(name) });
      return secret;
    } catch (err) {
      if (codeOf(err) === NOT_FOUND) return undefined;
      throw this.failure(err, 'secretmanager.secrets.get', name);
    }
  }

  /** Creates the secret (automatic replication); false when it already exists. */
  private async create(name: string, annotations?: Record<string, string>): Promise<boolean> {
    try {
      await this.client.createSecret({
        parent: `projects/${this.project}`,
        secretId: name,
        secret: { replication: { automatic: {} }, ...(annotations ? { annotations } : {}) },
      });
      return true;
    } catch (err) {
      if (codeOf(err) === ALREADY_EXISTS) return false;
      throw this.failure(err, 'secretmanager.secrets.create', name);
    }
  }

  /** Replaces the secret's annotations if its etag is still the one read; false when it is not. */
  private async annotate(
    name: string,
    secret: Secret,
    annotations: Record<string, string>,
  ): Promise<boolean> {
    try {
      await this.client.updateSecret({
        secret: { name: this.path(name), etag: secret.etag ?? '', annotations },
        updateMask: { paths: ['annotations'] },
      });
      return true;
    } catch (err) {
      const code = codeOf(err);
      // Google documents FAILED_PRECONDITION for a stale etag; AIP-154 now says ABORTED.
      if (code === FAILED_PRECONDITION || code === ABORTED || code === NOT_FOUND) return false;
      throw this.failure(err, 'secretmanager.secrets.update', name);
    }
  }

  /** Adds a version and returns its number; a missing secret is created first when `create`. */
  private async add(name: string, value: string, create: boolean): Promise<number> {
    const request = { parent: this.path(name), payload: { data: Buffer.from(value, 'utf8') } };
    let res: protos.google.cloud.secretmanager.v1.ISecretVersion;
    try {
      [res] = await this.client.addSecretVersion(request);
    } catch (err) {
      if (codeOf(err) === NOT_FOUND && !create) {
        throw new StoreError('conflict', `${STORE}: ${name} was deleted while being replaced`);
      }
      if (codeOf(err) !== NOT_FOUND) throw this.failure(err, 'secretmanager.versions.add', name);
      await this.create(name);
      try {
        [res] = await this.client.addSecretVersion(request);
      } catch (again) {
        throw this.failure(again, 'secretmanager.versions.add', name);
      }
    }
    const version = versionOf(res.name);
    if (version === undefined) {
      throw new StoreError('corrupt', `${STORE}: Secret Manager returned no version number for ${name}`);
    }
    return version;
  }

  /**
   * Destroys enabled versions older than the newest `keep` (the one just written counts). Uses
   * the list a compare-and-swap already made, else lists. Failures are logged, never thrown: the
   * write itself has landed.
   */
  private async cleanup(name: string, written: number, listed?: number[]): Promise<void> {
    try {
      const enabled = listed ? [written, ...listed] : await this.enabledVersions(name);
      const old = enabled
        .filter((v) => v < written)
        .sort((a, b) => b - a)
        .slice(this.keep - 1);
      const results = await Promise.allSettled(
        old.map((v) => this.client.destroySecretVersion({ name: `${this.path(name)}/versions/${v}` })),
      );
      const failed = results.flatMap((r, i) =>
        r.status === 'rejected' && codeOf(r.reason) !== FAILED_PRECONDITION ? [old[i]] : [],
      );
      if (failed.length) {
        const reason = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        logger.warn('old secret versions not destroyed', {
          store: STORE,
          secret: name,
          versions: failed.join(','),
          error: this.failure(reason.reason, 'secretmanager.versions.destroy', name).message,
        });
      }
    } catch (err) {
      logger.warn('old secret versions not cleaned up', {
        store: STORE,
        secret: name,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }

  private path(name: string): string {
    return `projects/${this.project}/secrets/${name}`;
  }

  /**
   * A StoreError naming the secret and the permission the call needed. Google's own message is
   * kept only as `cause`: it names resources and permissions, never a payload.
   */
  private failure(err: unknown, permission: string, name: string): StoreError {
    const code = codeOf(err);
    const where = `${permission} on ${name} in project ${this.project}`;
    if (code === PERMISSION_DENIED) {
      return new StoreError(
        'access_denied',
        `${STORE}: access denied to ${where} (grant it to the service account)`,
        { cause: err },
      );
    }
    if (code === UNAUTHENTICATED) {
      return new StoreError(
        'access_denied',
        `${STORE}: credentials rejected calling ${where} (check Application Default Credentials)`,
        { cause: err },
      );
    }
    // No status code at all: the connection failed or timed out.
    if (code === undefined || TRANSIENT.has(code)) {
      return new StoreError('unavailable', `${STORE}: Secret Manager unavailable for ${where}`, {
        cause: err,
      });
    }
    return new StoreError('invalid', `${STORE}: Secret Manager refused ${where} (status ${code})`, {
      cause: err,
    });
  }
}
