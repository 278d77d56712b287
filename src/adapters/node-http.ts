import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { App } from '../app';
import type { ProxyCall } from '../call';
import { errorResponse, ProxyError } from '../errors';
import { logger } from '../log';
import { hostChecker } from './host-check';
import { nodeBodyReader } from './node-body';
import { sendReply } from './node-send';

/** node:http <-> the core: the local server and the tests run exactly what the cloud handlers run. */

export interface HttpServerOptions {
  /**
   * Check Host against loopback names and these (ALLOWED_HOSTS); `serve` sets it when bound to
   * loopback. Undefined: no check (a server behind its own front end).
   */
  allowedHosts?: readonly string[];
  /** Whole request head; Node's default is a minute, long enough to hold many idle sockets. */
  headersTimeoutMs?: number;
  /** Whole request including its body. */
  requestTimeoutMs?: number;
}

const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;

/** The core reads a few headers of a request: straight from Node's parsed headers, no web objects. */
function toCall(req: IncomingMessage, res: ServerResponse): ProxyCall {
  const headers = req.headers;
  return {
    method: req.method ?? '',
    target: req.url ?? '/',
    header(name) {
      const v = headers[name];
      return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
    },
    // The socket's peer: `serve` has no front end, so no header may stand in for it.
    clientAddress: req.socket.remoteAddress,
    body: nodeBodyReader(req, res),
  };
}

export function createHttpServer(app: App, opts: HttpServerOptions = {}): Server {
  const checkHost = opts.allowedHosts ? hostChecker(opts.allowedHosts) : undefined;
  const headersTimeout = opts.headersTimeoutMs ?? HEADERS_TIMEOUT_MS;
  const server = createServer(
    {
      keepAliveTimeout: 65_000,
      headersTimeout,
      requestTimeout: Math.max(opts.requestTimeoutMs ?? REQUEST_TIMEOUT_MS, headersTimeout),
      // How often Node looks for requests past those timeouts (default 30 s).
      connectionsCheckingInterval: Math.min(headersTimeout, 1_000),
    },
    (req, res) => {
      try {
        // HTTP/0.9 has no headers or version: a "request line" that is really something else.
        if (req.httpVersionMajor !== 1)
          throw new ProxyError('bad_request', 'only HTTP/1.0 and HTTP/1.1 are served');
        checkHost?.(req.headers.host);
      } catch (err) {
        void sendReply(res, errorResponse(err));
        return;
      }
      app
        .handle(toCall(req, res))
        .then((reply) => sendReply(res, reply))
        .catch((err: unknown) => {
          logger.error('request failed in the adapter', { cause: (err as Error).message });
          res.destroy();
        });
    },
  );
  return server;
}

export function listen(server: Server, port: number, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}
