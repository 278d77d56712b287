import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback server speaking the AWS JSON 1.1 protocol (POST /, `X-Amz-Target: <prefix>.<Op>`,
 * `application/x-amz-json-1.1`), so the real SDK clients can be pointed at it. Any SigV4
 * signature is accepted, but a request must carry one. Handlers run synchronously on the event
 * loop, which makes every operation atomic, as the real services' conditional operations are.
 */

/** A service error as the protocol carries it: `__type` and `message`, with its HTTP status. */
export class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export const throttling = (): AwsError => new AwsError('ThrottlingException', 'Rate exceeded', 400);
export const serviceUnavailable = (): AwsError =>
  new AwsError('ServiceUnavailableException', 'Service unavailable', 503);
export const internalError = (type = 'InternalServerError'): AwsError =>
  new AwsError(type, 'An error occurred on the server side.', 500);
export const accessDenied = (action: string, resource: string): AwsError =>
  new AwsError(
    'AccessDeniedException',
    `User: arn:aws:sts::000000000000:assumed-role/jtp-test/session is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`,
    400,
  );

export type JsonObject = Record<string, unknown>;
export type Operation = (input: JsonObject) => JsonObject;

export interface RecordedRequest {
  op: string;
  input: JsonObject;
}

export interface AwsJsonServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Operation names in arrival order, failed and retried attempts included. */
  readonly calls: string[];
  /** Every request's operation and decoded input, for assertions on what the SDK sent. */
  readonly requests: RecordedRequest[];
  /** The next `times` requests for `op` answer with `error` instead of running. */
  failNext(op: string, error: AwsError, times?: number): void;
  /** Forgets recorded calls and pending failures. */
  clearRecords(): void;
  close(): Promise<void>;
}

/** Dummy credentials and region for the SDK, plus the endpoint variables, e.g. for child processes. */
export function awsTestEnv(endpoints: Record<string, string>): Record<string, string> {
  return {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...endpoints,
  };
}

function send(res: ServerResponse, status: number, body: JsonObject, errorType?: string): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(payload),
    'x-amzn-requestid': randomUUID(),
    ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
  });
  res.end(payload);
}

function sendError(res: ServerResponse, err: AwsError): void {
  send(res, err.status, { __type: err.type, message: err.message }, err.type);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startAwsJsonServer(
  targetPrefix: string,
  operations: Record<string, Operation>,
): Promise<AwsJsonServer> {
  const calls: string[] = [];
  const requests: RecordedRequest[] = [];
  const failures = new Map<string, { error: AwsError; times: number }>();

  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const target = req.headers['x-amz-target'];
    if (req.method !== 'POST' || typeof target !== 'string' || !target.startsWith(`${targetPrefix}.`)) {
      sendError(res, new AwsError('UnknownOperationException', 'Unknown operation'));
      return;
    }
    if (!req.headers.authorization?.startsWith('AWS4-HMAC-SHA256 Credential=')) {
      sendError(
        res,
        new AwsError('MissingAuthenticationTokenException', 'Missing Authentication Token', 400),
      );
      return;
    }
    const op = target.slice(targetPrefix.length + 1);
    let input: JsonObject;
    try {
      input = body === '' ? {} : (JSON.parse(body) as JsonObject);
    } catch {
      sendError(res, new AwsError('SerializationException', 'Malformed JSON body'));
      return;
    }
    calls.push(op);
    requests.push({ op, input });
    const failure = failures.get(op);
    if (failure) {
      if (--failure.times <= 0) failures.delete(op);
      sendError(res, failure.error);
      return;
    }
    const handler = operations[op];
    if (!handler) {
      sendError(res, new AwsError('UnknownOperationException', `Unsupported operation ${op}`));
      return;
    }
    try {
      send(res, 200, handler(input));
    } catch (err) {
      sendError(res, err instanceof AwsError ? err : internalError('InternalFailure'));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    requests,
    failNext(op, error, times = 1) {
      failures.set(op, { error, times });
    },
    clearRecords() {
      calls.length = 0;
      requests.length = 0;
      failures.clear();
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** Input field helpers: the handlers validate what they read, as the services do. */
export function str(input: JsonObject, field: string): string {
  const v = input[field];
  if (typeof v !== 'string' || v === '') {
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: ${field} must be a non-empty string`,
    );
  }
  return v;
}

export function optStr(input: JsonObject, field: string): string | undefined {
  const v = input[field];
  return v === undefined || v === null ? undefined : str(input, field);
}

/** Sets variables on this process (as the SDK reads them) and returns the function that restores them. */
export function setEnv(vars: Record<string, string>): () => void {
  const saved = Object.keys(vars).map((k) => [k, process.env[k]] as const);
  Object.assign(process.env, vars);
  return () => {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}
