import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import type { App } from './app';
import { errorResponse, ProxyError } from './errors';
import { nodeBody } from './forward';
import { logger } from './log';
import { checkMethod } from './request-method';

/** node:http <-> the core: the local server and the tests run exactly what the cloud handlers run. */

// The core reads the target from the raw request line (RequestContext.rawTarget), not from this URL.
const ORIGIN = 'http://jira-token-proxy.local/';

function toRequest(req: IncomingMessage): Request {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    headers.append(req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string);
  }
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  // The URL only carries the method's origin; the raw target goes to the core separately.
  return new Request(ORIGIN, {
    method: req.method,
    headers,
    body: hasBody ? (Readable.toWeb(req) as ReadableStream) : null,
    duplex: 'half',
  } as RequestInit);
}

function send(res: ServerResponse, response: Response): void {
  res.statusCode = response.status;
  for (const [name, value] of response.headers) res.setHeader(name, value);
  const web = response.body as import('node:stream/web').ReadableStream | null;
  const body = nodeBody(response) ?? (web ? Readable.fromWeb(web) : undefined);
  if (!body) {
    res.end();
    return;
  }
  // pipe + explicit teardown: stream/promises' pipeline allocates an AbortController per call.
  body.once('error', (err) => {
    logger.warn('response aborted', { cause: err.message });
    res.destroy();
  });
  res.once('close', () => {
    if (!body.readableEnded) body.destroy();
  });
  body.pipe(res);
}

export function createHttpServer(app: App): Server {
  const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    let request: Request;
    try {
      // HTTP/0.9 has no headers or version: a "request line" that is really something else.
      if (req.httpVersionMajor !== 1)
        throw new ProxyError('bad_request', 'only HTTP/1.0 and HTTP/1.1 are served');
      checkMethod(req.method ?? '');
      request = toRequest(req);
    } catch (err) {
      send(res, errorResponse(err));
      return;
    }
    app
      .fetch(request, { rawTarget: req.url ?? '/', nodeStreams: true })
      .then((response) => send(res, response))
      .catch((err) => {
        logger.error('request failed in the adapter', { cause: (err as Error).message });
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
