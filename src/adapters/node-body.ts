import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * A node:http request body, read on demand up to a limit (the local server, and the Cloud Function
 * when the Functions Framework left the stream unread). Past the limit it stops reading and marks
 * the response `Connection: close`, so Node does not read the rest to keep the socket alive.
 */
export function nodeBodyReader(
  req: IncomingMessage,
  res: ServerResponse,
): (maxBytes: number) => Promise<Uint8Array | undefined> {
  return (maxBytes) =>
    new Promise((resolve, reject) => {
      const tooLarge = () => {
        res.setHeader('connection', 'close');
        resolve(undefined);
      };
      // Node has checked Content-Length (one value, digits only) before the request got here.
      if (Number(req.headers['content-length'] ?? 0) > maxBytes) return tooLarge();
      const chunks: Buffer[] = [];
      let size = 0;
      const onData = (chunk: Buffer) => {
        size += chunk.length;
        if (size <= maxBytes) {
          chunks.push(chunk);
          return;
        }
        req.off('data', onData);
        req.off('end', onEnd);
        req.pause();
        tooLarge();
      };
      const onEnd = () => resolve(Buffer.concat(chunks, size));
      req.on('data', onData);
      req.once('end', onEnd);
      req.once('error', reject);
    });
}
