import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * GCP Secret Manager's REST API v1 on loopback, as `@google-cloud/secret-manager` sends it in
 * REST (fallback) mode: secrets with etags and annotations, numbered versions with their states,
 * `latest`, paged and filtered version lists, and errors in Google's JSON shape
 * (`{"error":{"code","message","status","details"}}`). Handlers run synchronously on the event
 * loop, so each request is atomic, as Google's etag checks are. Any project id (or the number it
 * answers with) names the one project; no credentials are required.
 */

export type Rpc =
  | 'createSecret'
  | 'getSecret'
  | 'updateSecret'
  | 'deleteSecret'
  | 'addSecretVersion'
  | 'listSecretVersions'
  | 'getSecretVersion'
  | 'accessSecretVersion'
  | 'destroySecretVersion'
  | 'disableSecretVersion'
  | 'enableSecretVersion';

export type Status =
  | 'INVALID_ARGUMENT'
  | 'FAILED_PRECONDITION'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'ABORTED'
  | 'RESOURCE_EXHAUSTED'
  | 'INTERNAL'
  | 'UNAVAILABLE'
  | 'DEADLINE_EXCEEDED';

const HTTP_STATUS: Record<Status, number> = {
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  ABORTED: 409,
  RESOURCE_EXHAUSTED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
};

/** The IAM permission Google checks for each method. */
export const PERMISSION: Record<Rpc, string> = {
  createSecret: 'secretmanager.secrets.create',
  getSecret: 'secretmanager.secrets.get',
  updateSecret: 'secretmanager.secrets.update',
  deleteSecret: 'secretmanager.secrets.delete',
  addSecretVersion: 'secretmanager.versions.add',
  listSecretVersions: 'secretmanager.versions.list',
  getSecretVersion: 'secretmanager.versions.get',
  accessSecretVersion: 'secretmanager.versions.access',
  destroySecretVersion: 'secretmanager.versions.destroy',
  disableSecretVersion: 'secretmanager.versions.disable',
  enableSecretVersion: 'secretmanager.versions.enable',
};

type State = 'ENABLED' | 'DISABLED' | 'DESTROYED';
const STATE_NUMBER: Record<State, number> = { ENABLED: 1, DISABLED: 2, DESTROYED: 3 };

export interface StoredVersion {
  version: number;
  state: State;
  /** Undefined once destroyed. */
  data: Buffer | undefined;
  etag: string;
  created: Date;
  destroyed?: Date;
}

export interface StoredSecret {
  id: string;
  etag: string;
  created: Date;
  annotations: Record<string, string>;
  labels: Record<string, string>;
  versions: StoredVersion[];
  nextVersion: number;
}

/** One request as it arrived: the method it mapped to, and where. Payloads are never recorded. */
export interface GcpCall {
  rpc: Rpc | 'unknown';
  method: string;
  /** Decoded path without the query, e.g. `/v1/projects/p/secrets/S/versions/3:access`. */
  path: string;
  query: Record<string, string>;
  /** The HTTP status answered (-1: connection dropped). */
  status: number;
  /** Whether the request carried an Authorization header (the emulator path must send none). */
  authorization: boolean;
}

export interface Failure {
  status?: Status;
  message?: string;
  /** Only requests about this secret id. */
  secret?: string;
  /** Close the connection without answering, as a network failure would. */
  drop?: boolean;
}

export interface Gate {
  /** Resolves when a matching request arrives and is being held. */
  reached: Promise<void>;
  /** Lets the held request run; the gate holds only that one request. */
  release(): void;
}

export interface GcpSecretManagerServer {
  /** `127.0.0.1:<port>`, the form SECRET_MANAGER_EMULATOR_HOST takes. */
  readonly host: string;
  /** The project number Google answers with in resource names. */
  readonly projectNumber: string;
  /** The variables that point the proxy at this server, e.g. for child processes. */
  env(project?: string): Record<string, string>;
  readonly calls: GcpCall[];
  readonly secrets: Map<string, StoredSecret>;
  /** The next `times` requests for `rpc` ('*': any) fail as described instead of running. */
  failNext(rpc: Rpc | '*', failure?: Failure, times?: number): void;
  /** Until `allow`, every `rpc` request (for `secret`, if given) is PERMISSION_DENIED. */
  deny(rpc: Rpc, secret?: string): void;
  allow(): void;
  /** Holds the next `rpc` request (for `secret`, if given) until released. */
  gate(rpc: Rpc, secret?: string): Gate;
  /** Creates the secret if needed and adds one version per value, as an operator with gcloud would. */
  seed(secret: string, ...values: string[]): void;
  /** The newest enabled version's value. */
  current(secret: string): string | undefined;
  clearRecords(): void;
  /** Empties the store and forgets records, failures and denials: a fresh backend. */
  reset(): void;
  close(): Promise<void>;
}

class ApiError extends Error {
  constructor(
    readonly status: Status,
    message: string,
    readonly details?: unknown[],
  ) {
    super(message);
  }
}

const SECRET_ID = /^[a-zA-Z0-9_-]{1,255}$/;
const MAX_PAYLOAD = 64 * 1024;

interface Route {
  rpc: Rpc;
  secret?: string;
  version?: string;
}

/** REST paths of SecretManagerService v1 (the `google.api.http` rules of the proto). */
function route(method: string, path: string): Route | undefined {
  const m =
    /^\/v1\/projects\/([^/]+)\/secrets(?:\/([^/:]+)(?:\/versions(?:\/([^/:]+))?)?)?(?::([a-zA-Z]+))?$/.exec(
      path,
    );
  if (!m) return undefined;
  const [, , secret, version, verb] = m;
  const versions = path.includes('/versions');
  if (!secret) return method === 'POST' && !verb ? { rpc: 'createSecret' } : undefined;
  if (!versions) {
    if (verb === 'addVersion' && method === 'POST') return { rpc: 'addSecretVersion', secret };
    if (verb) return undefined;
    if (method === 'GET') return { rpc: 'getSecret', secret };
    if (method === 'PATCH') return { rpc: 'updateSecret', secret };
    if (method === 'DELETE') return { rpc: 'deleteSecret', secret };
    return undefined;
  }
  if (!version) return method === 'GET' && !verb ? { rpc: 'listSecretVersions', secret } : undefined;
  if (method === 'GET' && !verb) return { rpc: 'getSecretVersion', secret, version };
  if (method === 'GET' && verb === 'access') return { rpc: 'accessSecretVersion', secret, version };
  if (method !== 'POST') return undefined;
  if (verb === 'destroy') return { rpc: 'destroySecretVersion', secret, version };
  if (verb === 'disable') return { rpc: 'disableSecretVersion', secret, version };
  if (verb === 'enable') return { rpc: 'enableSecretVersion', secret, version };
  return undefined;
}

const newEtag = (): string => `"${randomBytes(7).toString('hex')}"`;

export async function startGcpSecretManagerServer(): Promise<GcpSecretManagerServer> {
  const projectNumber = '123456789012';
  const secrets = new Map<string, StoredSecret>();
  const calls: GcpCall[] = [];
  let failures: { rpc: Rpc | '*'; failure: Failure; left: number }[] = [];
  let denials: { rpc: Rpc; secret?: string }[] = [];
  let gates: { rpc: Rpc; secret?: string; hold: Promise<void>; arrived: () => void }[] = [];

  const secretName = (s: StoredSecret) => `projects/${projectNumber}/secrets/${s.id}`;
  const versionName = (s: StoredSecret, v: StoredVersion) => `${secretName(s)}/versions/${v.version}`;

  function secretJson(s: StoredSecret): Record<string, unknown> {
    return {
      name: secretName(s),
      replication: { automatic: {} },
      createTime: s.created.toISOString(),
      ...(Object.keys(s.labels).length ? { labels: s.labels } : {}),
      ...(Object.keys(s.annotations).length ? { annotations: s.annotations } : {}),
      etag: s.etag,
    };
  }

  function versionJson(s: StoredSecret, v: StoredVersion, intEnums: boolean): Record<string, unknown> {
    return {
      name: versionName(s, v),
      createTime: v.created.toISOString(),
      ...(v.destroyed ? { destroyTime: v.destroyed.toISOString() } : {}),
      state: intEnums ? STATE_NUMBER[v.state] : v.state,
      replicationStatus: { automatic: {} },
      etag: v.etag,
    };
  }

  function findSecret(id: string): StoredSecret {
    const s = secrets.get(id);
    if (!s) throw new ApiError('NOT_FOUND', `Secret [projects/${projectNumber}/secrets/${id}] not found.`);
    return s;
  }

  function findVersion(s: StoredSecret, ref: string): StoredVersion {
    const v =
      ref === 'latest'
        ? s.versions[s.versions.length - 1]
        : /^[1-9]\d*$/.test(ref)
          ? s.versions.find((x) => x.version === Number(ref))
          : undefined;
    if (!v) {
      throw new ApiError(
        'NOT_FOUND',
        ref === 'latest'
          ? `Secret [${secretName(s)}] not found or has no versions.`
          : `Secret Version [${secretName(s)}/versions/${ref}] not found.`,
      );
    }
    return v;
  }

  function addVersion(s: StoredSecret, data: Buffer): StoredVersion {
    const v: StoredVersion = {
      version: s.nextVersion++,
      state: 'ENABLED',
      data,
      etag: newEtag(),
      created: new Date(),
    };
    s.versions.push(v);
    return v;
  }

  function createSecret(id: string, body: Record<string, unknown>): StoredSecret {
    if (!SECRET_ID.test(id)) throw new ApiError('INVALID_ARGUMENT', `Invalid secret id: ${id}`);
    if (secrets.has(id)) {
      throw new ApiError(
        'ALREADY_EXISTS',
        `Secret [projects/${projectNumber}/secrets/${id}] already exists.`,
      );
    }
    const replication = body.replication as Record<string, unknown> | undefined;
    if (!replication || (!replication.automatic && !replication.userManaged)) {
      throw new ApiError('INVALID_ARGUMENT', 'Secret.replication is required.');
    }
    const s: StoredSecret = {
      id,
      etag: newEtag(),
      created: new Date(),
      annotations: stringMap(body.annotations),
      labels: stringMap(body.labels),
      versions: [],
      nextVersion: 1,
    };
    secrets.set(id, s);
    return s;
  }

  /** Destroy, disable and enable: an optional etag guards the version, as Google documents. */
  function transition(s: StoredSecret, v: StoredVersion, to: State, etag: unknown): void {
    if (typeof etag === 'string' && etag !== '' && etag !== v.etag) {
      throw new ApiError(
        'FAILED_PRECONDITION',
        'The etag provided in the request does not match the current etag.',
      );
    }
    if (v.state === 'DESTROYED') {
      throw new ApiError(
        'FAILED_PRECONDITION',
        `Secret Version [${versionName(s, v)}] is in DESTROYED state.`,
      );
    }
    v.state = to;
    v.etag = newEtag();
    if (to === 'DESTROYED') {
      v.data = undefined;
      v.destroyed = new Date();
    }
  }

  function handle(r: Route, query: Record<string, string>, body: Record<string, unknown>): unknown {
    const intEnums = (query.$alt ?? '').includes('enum-encoding=int');
    if (r.rpc === 'createSecret') {
      const id = query.secretId ?? '';
      return secretJson(createSecret(id, body));
    }
    const s = findSecret(r.secret as string);
    switch (r.rpc) {
      case 'getSecret':
        return secretJson(s);
      case 'deleteSecret':
        if (query.etag && query.etag !== s.etag) {
          throw new ApiError(
            'FAILED_PRECONDITION',
            'The etag provided in the request does not match the current etag.',
          );
        }
        secrets.delete(s.id);
        return {};
      case 'updateSecret': {
        const mask = (query.updateMask ?? '').split(',').filter(Boolean);
        if (mask.length === 0) throw new ApiError('INVALID_ARGUMENT', 'update_mask is required.');
        const unknown = mask.filter((f) => f !== 'annotations' && f !== 'labels');
        if (unknown.length)
          throw new ApiError('INVALID_ARGUMENT', `Unsupported update_mask path: ${unknown[0]}`);
        if (typeof body.etag === 'string' && body.etag !== '' && body.etag !== s.etag) {
          throw new ApiError(
            'FAILED_PRECONDITION',
            'The etag provided in the request does not match the current etag of the secret.',
          );
        }
        if (mask.includes('annotations')) s.annotations = stringMap(body.annotations);
        if (mask.includes('labels')) s.labels = stringMap(body.labels);
        s.etag = newEtag();
        return secretJson(s);
      }
      case 'addSecretVersion': {
        const payload = body.payload as Record<string, unknown> | undefined;
        const data = Buffer.from(typeof payload?.data === 'string' ? payload.data : '', 'base64');
        if (data.length > MAX_PAYLOAD) {
          throw new ApiError('INVALID_ARGUMENT', `Secret payload must be at most ${MAX_PAYLOAD} bytes.`);
        }
        return versionJson(s, addVersion(s, data), intEnums);
      }
      case 'listSecretVersions': {
        const filter = stateFilter(query.filter ?? '');
        const all = [...s.versions].reverse().filter(filter);
        const size = Math.min(Number(query.pageSize) || 25_000, 25_000);
        const start = Number(query.pageToken || 0);
        const page = all.slice(start, start + size);
        const next = start + size < all.length ? String(start + size) : undefined;
        return {
          versions: page.map((v) => versionJson(s, v, intEnums)),
          ...(next ? { nextPageToken: next } : {}),
          totalSize: query.filter ? 0 : all.length,
        };
      }
      case 'getSecretVersion':
        return versionJson(s, findVersion(s, r.version as string), intEnums);
      case 'accessSecretVersion': {
        const v = findVersion(s, r.version as string);
        if (v.state !== 'ENABLED' || !v.data) {
          throw new ApiError(
            'FAILED_PRECONDITION',
            `Secret Version [${versionName(s, v)}] is in ${v.state} state.`,
          );
        }
        return { name: versionName(s, v), payload: { data: v.data.toString('base64') } };
      }
      case 'destroySecretVersion':
      case 'disableSecretVersion':
      case 'enableSecretVersion': {
        const v = findVersion(s, r.version as string);
        const to =
          r.rpc === 'destroySecretVersion'
            ? 'DESTROYED'
            : r.rpc === 'disableSecretVersion'
              ? 'DISABLED'
              : 'ENABLED';
        transition(s, v, to, body.etag);
        return versionJson(s, v, intEnums);
      }
    }
  }

  function preflight(r: Route): Failure | undefined {
    const denied = denials.find((d) => d.rpc === r.rpc && (d.secret === undefined || d.secret === r.secret));
    if (denied) {
      const resource = `projects/${projectNumber}/secrets/${r.secret ?? ''}`;
      throw new ApiError(
        'PERMISSION_DENIED',
        `Permission '${PERMISSION[r.rpc]}' denied for resource '${resource}' (or it may not exist).`,
        [
          {
            '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
            reason: 'IAM_PERMISSION_DENIED',
            domain: 'secretmanager.googleapis.com',
            metadata: { permission: PERMISSION[r.rpc], resource },
          },
        ],
      );
    }
    const i = failures.findIndex(
      (f) =>
        (f.rpc === '*' || f.rpc === r.rpc) &&
        (f.failure.secret === undefined || f.failure.secret === r.secret),
    );
    const f = failures[i];
    if (!f) return undefined;
    if (--f.left <= 0) failures.splice(i, 1);
    if (f.failure.drop) return f.failure;
    const status = f.failure.status ?? 'UNAVAILABLE';
    throw new ApiError(status, f.failure.message ?? `Injected ${status}.`);
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://loopback');
    const path = decodeURIComponent(url.pathname);
    const query = Object.fromEntries(url.searchParams);
    const method = req.method ?? 'GET';
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const r = route(method, path);
    const call: GcpCall = {
      rpc: r?.rpc ?? 'unknown',
      method,
      path,
      query,
      status: 0,
      authorization: req.headers.authorization !== undefined,
    };
    calls.push(call);
    const answer = (status: number, json: unknown) => {
      call.status = status;
      res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
      res.end(JSON.stringify(json));
    };
    try {
      if (!r) throw new ApiError('NOT_FOUND', `No route for ${method} ${path}`);
      const gate = gates.find((g) => g.rpc === r.rpc && (g.secret === undefined || g.secret === r.secret));
      if (gate) {
        gates = gates.filter((g) => g !== gate);
        gate.arrived();
        await gate.hold;
      }
      const drop = preflight(r);
      if (drop) {
        call.status = -1;
        req.socket.destroy();
        return;
      }
      const text = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown> = {};
      if (text) {
        try {
          body = JSON.parse(text) as Record<string, unknown>;
        } catch {
          throw new ApiError('INVALID_ARGUMENT', 'Invalid JSON payload received.');
        }
      }
      answer(200, handle(r, query, body));
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      answer(HTTP_STATUS[err.status], {
        error: {
          code: HTTP_STATUS[err.status],
          message: err.message,
          status: err.status,
          ...(err.details ? { details: err.details } : {}),
        },
      });
    }
  }

  const server = createServer((req, res) => {
    serve(req, res).catch((err: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 500, message: String(err), status: 'INTERNAL' } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    host,
    projectNumber,
    env: (project = 'jtp-test') => ({ SECRET_MANAGER_EMULATOR_HOST: host, GCP_PROJECT: project }),
    calls,
    secrets,
    failNext(rpc, failure = {}, times = 1) {
      failures.push({ rpc, failure, left: times });
    },
    deny(rpc, secret) {
      denials.push({ rpc, secret });
    },
    allow() {
      denials = [];
    },
    gate(rpc, secret) {
      let release!: () => void;
      let arrived!: () => void;
      const hold = new Promise<void>((resolve) => {
        release = resolve;
      });
      const reached = new Promise<void>((resolve) => {
        arrived = resolve;
      });
      gates.push({ rpc, secret, hold, arrived });
      return { reached, release };
    },
    seed(secret, ...values) {
      const s = secrets.get(secret) ?? createSecret(secret, { replication: { automatic: {} } });
      for (const value of values) addVersion(s, Buffer.from(value, 'utf8'));
    },
    current(secret) {
      const s = secrets.get(secret);
      const v = s && [...s.versions].reverse().find((x) => x.state === 'ENABLED');
      return v?.data?.toString('utf8');
    },
    clearRecords() {
      calls.length = 0;
    },
    reset() {
      secrets.clear();
      calls.length = 0;
      failures = [];
      denials = [];
      gates = [];
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

function stringMap(value: unknown): Record<string, string> {
  if (!value || typeof value !== 'object') return {};
  return Object.fromEntries(
    Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}

/** The list filters this server understands: empty, `state:X` and `NOT state:X`. */
function stateFilter(filter: string): (v: StoredVersion) => boolean {
  const f = filter.trim();
  if (!f) return () => true;
  const m = /^(NOT\s+)?state\s*[:=]\s*(ENABLED|DISABLED|DESTROYED)$/i.exec(f);
  if (!m) throw new ApiError('INVALID_ARGUMENT', `Invalid filter: ${filter}`);
  const state = (m[2] as string).toUpperCase();
  return m[1] ? (v) => v.state !== state : (v) => v.state === state;
}
