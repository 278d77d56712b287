import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { App } from './app';
import { nodeBody } from './forward';
import { logger } from './log';

/** node:http <-> the core: the local server and the tests run exactly what the cloud handlers run. */

function toRequest(req: IncomingMessage, port: number): Request {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    headers.append(req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string);
  }
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  // The URL only carries the method's origin; the raw target goes to the core separately.
  return new Request(`http://127.0.0.1:${port}/`, {
    method: req.method,
    headers,
    body: hasBody ? (Readable.toWeb(req) as ReadableStream) : null,
    duplex: 'half',
  } as RequestInit);
}

async function send(res: ServerResponse, response: Response): Promise<void> {
  res.statusCode = response.status;
  for (const [name, value] of response.headers) res.setHeader(name, value);
  if (!response.body) {
    res.end();
    return;
  }
  const direct = nodeBody(response);
  await pipeline(direct ?? Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), res);
}

export function createHttpServer(app: App): Server {
  const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    const port = (server.address() as AddressInfo | null)?.port ?? 0;
    app
      .fetch(toRequest(req, port), { rawTarget: req.url ?? '/' })
      .then((response) => send(res, response))
      .catch((err) => {
        // Only a body that broke mid-stream lands here: the status line is already sent.
        logger.warn('response aborted', { cause: (err as Error).message });
        res.destroy();
      });
  });
  return server;
}

export function listen(server: Server, port: number, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}
