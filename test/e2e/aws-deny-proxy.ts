import { createServer, type IncomingMessage, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { accessDenied } from '../servers/aws-json';

/**
 * A loopback forwarder in front of an AWS JSON 1.1 test server that refuses chosen operations on
 * chosen names with AccessDeniedException, as an IAM policy scoped to one resource would. The
 * servers' own `failNext` cannot single out a name, and a bootstrap makes several writes of
 * one operation.
 */
export interface AwsDenyProxy {
  /** Point the SDK's endpoint variable here instead of at the server. */
  readonly url: string;
  /** Refuses `op` (e.g. `PutParameter`) whenever its Name or SecretId is `name`, until `allow`. */
  deny(op: string, name: string): void;
  allow(): void;
  /** Requests refused so far. */
  readonly refused: { op: string; name: string }[];
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** `service` is the IAM prefix of the actions (`ssm`, `secretsmanager`). */
export async function startAwsDenyProxy(upstream: string, service: string): Promise<AwsDenyProxy> {
  let denials: { op: string; name: string }[] = [];
  const refused: { op: string; name: string }[] = [];
  const target = new URL(upstream);

  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const op = String(req.headers['x-amz-target'] ?? '')
      .split('.')
      .pop();
    let name: unknown;
    try {
      const input = JSON.parse(body.toString('utf8') || '{}') as { Name?: unknown; SecretId?: unknown };
      name = input.Name ?? input.SecretId;
    } catch {
      // Not ours to judge: the server answers a malformed body itself.
    }
    if (denials.some((d) => d.op === op && d.name === name)) {
      refused.push({ op: op as string, name: name as string });
      const err = accessDenied(`${service}:${op}`, `arn:aws:${service}:us-east-1:000000000000:${name}`);
      const payload = JSON.stringify({ __type: err.type, message: err.message });
      res.writeHead(err.status, {
        'content-type': 'application/x-amz-json-1.1',
        'content-length': Buffer.byteLength(payload),
        'x-amzn-errortype': err.type,
      });
      res.end(payload);
      return;
    }
    const forwarded = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forwarded.on('error', () => res.destroy());
    forwarded.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    refused,
    deny(op, name) {
      denials.push({ op, name });
    },
    allow() {
      denials = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
