import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';

/**
 * Loopback HTTP helpers for the end-to-end tests: a client that writes the request line byte for
 * byte (fetch, URL and even node:http would normalise or upper-case parts of it), and a tap that
 * sits between the proxy and the sandbox to record what each side really sent.
 */

const NO_ANSWER_MS = 5_000;

export interface WireResponse {
  status: number;
  /** Lower-cased names; repeated headers keep every value. */
  headers: Map<string, string[]>;
  body: string;
}

/**
 * One request on its own connection: `${method} ${target} HTTP/1.1`, written as UTF-8 exactly as
 * given, then the headers (Host and `Connection: close` are added unless given; a caller's own
 * Connection must still say close), then `body` as given (the caller writes its own framing
 * headers), then the whole response is read until the server closes.
 */
export function sendRaw(
  base: string,
  method: string,
  target: string,
  headers: [string, string][] = [],
  body: string | Buffer = '',
): Promise<WireResponse> {
  const { hostname, port } = new URL(base);
  const lines = [`${method} ${target} HTTP/1.1`];
  if (!headers.some(([n]) => n.toLowerCase() === 'host')) lines.push(`Host: ${hostname}:${port}`);
  for (const [name, value] of headers) lines.push(`${name}: ${value}`);
  if (!headers.some(([n]) => n.toLowerCase() === 'connection')) lines.push('Connection: close');
  lines.push('', '');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(Number(port), hostname, () =>
      socket.write(Buffer.concat([Buffer.from(lines.join('\r\n')), Buffer.from(body)])),
    );
    // only a server that never answers reaches this: a hang becomes a clear failure, not a test timeout
    socket.setTimeout(NO_ANSWER_MS, () => {
      socket.destroy();
      reject(new Error(`no HTTP answer to ${method} ${target.slice(0, 80)} within ${NO_ANSWER_MS} ms`));
    });
    socket.on('data', (d: Buffer) => chunks.push(d));
    // a server that answers before reading a large body may reset the connection under our writes:
    // the answer it sent first is still the answer
    socket.on('error', (err) => {
      try {
        resolve(parseResponse(Buffer.concat(chunks), method));
      } catch {
        reject(err);
      }
    });
    socket.on('close', () => {
      try {
        resolve(parseResponse(Buffer.concat(chunks), method));
      } catch (err) {
        reject(err);
      }
    });
  });
}

function parseResponse(raw: Buffer, method: string): WireResponse {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`no complete response head (${raw.length} bytes received)`);
  const [statusLine = '', ...fields] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1];
  if (!status) throw new Error(`not an HTTP status line: ${statusLine.slice(0, 40)}`);
  const headers = new Map<string, string[]>();
  for (const field of fields) {
    const colon = field.indexOf(':');
    const name = field.slice(0, colon).trim().toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), field.slice(colon + 1).trim()]);
  }
  let body = raw.subarray(end + 4);
  if (method === 'HEAD') body = Buffer.alloc(0);
  else if (headers.get('transfer-encoding')?.[0]?.toLowerCase() === 'chunked') body = dechunk(body);
  return { status: Number(status), headers, body: body.toString('utf8') };
}

function dechunk(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd < 0) throw new Error('truncated chunked body');
    const size = Number.parseInt(data.subarray(at, lineEnd).toString('latin1'), 16);
    if (size === 0) return Buffer.concat(parts);
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

export const header = (r: WireResponse, name: string): string | undefined => r.headers.get(name)?.join(', ');

export interface TapExchange {
  method: string;
  rawPath: string;
  requestHeaders: Record<string, string | string[] | undefined>;
  status: number;
  responseHeaders: Record<string, string | string[] | undefined>;
}

export interface Tap {
  url: string;
  exchanges: TapExchange[];
  close(): Promise<void>;
}

/** A pass-through to `upstream` that records each request as received and each answer as sent. */
export async function startTap(upstream: string): Promise<Tap> {
  const target = new URL(upstream);
  const exchanges: TapExchange[] = [];
  const server: Server = createServer((req, res) => {
    const { host: _host, connection: _connection, ...forwarded } = req.headers;
    const out = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: forwarded,
      },
      (up) => {
        exchanges.push({
          method: req.method ?? '',
          rawPath: req.url ?? '',
          requestHeaders: { ...req.headers },
          status: up.statusCode ?? 0,
          responseHeaders: { ...up.headers },
        });
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    exchanges,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
