import type { ServerResponse } from 'node:http';
import { isStreamed, type Reply, type StreamedReply } from '../call';
import { errorResponse, ProxyError } from '../errors';
import { logger } from '../log';

/**
 * A Reply onto a node:http response, shared by the local server and the Cloud Function (Express's
 * res is a node:http ServerResponse). The fast path writes the upstream stream chunk by chunk with
 * back-pressure, like the floor proxy in bench/ does; the core's own Responses are small and sent
 * whole.
 */
export async function sendReply(res: ServerResponse, reply: Reply, requestId?: string): Promise<void> {
  if (isStreamed(reply)) {
    pump(reply, res, requestId);
    return;
  }
  res.statusCode = reply.status;
  for (const [name, value] of reply.headers) if (name !== 'set-cookie') res.setHeader(name, value);
  res.end(reply.body ? Buffer.from(await reply.arrayBuffer()) : undefined);
}

function pump(reply: StreamedReply, res: ServerResponse, requestId: string | undefined): void {
  const body = reply.body;
  // The head goes out with the first chunk (or the end): an error before it is still a clean 502.
  let head = false;
  const writeHead = () => {
    head = true;
    res.writeHead(reply.status, reply.headers);
  };
  body.on('data', (chunk: Buffer) => {
    // Destroyed by the size limit's own 'data' listener on this very chunk: not a byte more.
    if (body.destroyed) return;
    if (!head) writeHead();
    if (!res.write(chunk)) body.pause();
  });
  res.on('drain', () => body.resume());
  body.once('end', () => {
    if (!head) writeHead();
    res.end();
  });
  body.once('error', (err: Error) => {
    if (!head) {
      const cause =
        err instanceof ProxyError ? err : new ProxyError('upstream_unreachable', 'Jira broke off its answer');
      void sendReply(res, errorResponse(cause, requestId));
      return;
    }
    // The status line is out: end the connection without the terminating chunk, with a TCP reset
    // so that even an HTTP/1.0 client, whose body ends at the close, sees it was cut.
    logger.warn('response aborted after its status line', {
      requestId,
      cause: err.message,
    });
    if (res.socket) res.socket.resetAndDestroy();
    else res.destroy();
  });
  res.once('close', () => {
    if (!body.readableEnded) body.destroy();
  });
  body.resume();
}
