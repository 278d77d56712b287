import { request } from 'node:http';
import { connect } from 'node:net';

/**
 * One HTTP request with the request-target written exactly as given (fetch would normalise it
 * through WHATWG URL parsing first, which is what the proxy must not rely on).
 */
export function rawRequest(
  base: string,
  target: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: hostname, port, method: opts.method ?? 'GET', path: target, headers: opts.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** The status of a request whose method goes on the wire as written (node:http upper-cases it). */
export function rawStatus(base: string, method: string, target: string): Promise<number> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(`${method} ${target} HTTP/1.1\r\nHost: ${hostname}\r\nConnection: close\r\n\r\n`);
    });
    let head = '';
    socket.on('data', (d: Buffer) => {
      head += d.toString('latin1');
      const line = /^HTTP\/1\.1 (\d{3})/.exec(head);
      if (line) {
        resolve(Number(line[1]));
        socket.destroy();
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`no status line for ${method} ${target}`)));
  });
}

/**
 * Writes `head` byte for byte (request line and headers, which may be malformed on purpose) and
 * resolves with the status of the answer, or 0 when the server closes without one.
 */
export function rawHead(base: string, head: string): Promise<number> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(head));
    let got = '';
    socket.on('data', (d: Buffer) => {
      got += d.toString('latin1');
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(Number(/^HTTP\/1\.[01] (\d{3})/.exec(got)?.[1] ?? 0)));
  });
}
