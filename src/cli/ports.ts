import type { Server as HttpServer } from 'node:http';
import { createServer, type Socket } from 'node:net';

/** Local ports for the CLI's servers: bound before anything else, refusals said in words. */

/** Why a listen failed, in words an operator can act on. */
export function whyNotBound(err: NodeJS.ErrnoException, port: number): string {
  switch (err.code) {
    case 'EADDRINUSE':
      return `port ${port} is already in use (another jira-token-proxy running?)`;
    case 'EACCES':
      return `port ${port} needs root (ports below 1024 are privileged)`;
    case 'EADDRNOTAVAIL':
      return 'that address is not one of this machine’s';
    default:
      return `cannot listen on port ${port} (${err.code ?? err.message})`;
  }
}

export interface HeldPort {
  readonly port: number;
  /** From now on connections (and those that arrived while starting) go to `server`. */
  handTo(server: HttpServer): void;
  close(): void;
}

/**
 * Takes the port first, so a second `serve` on a busy port stops before it touches any state.
 * Connections that arrive while the proxy is still starting are held, unread, until `handTo`.
 */
export async function holdPort(port: number, host: string): Promise<HeldPort> {
  const listener = createServer({ pauseOnConnect: true });
  let target: HttpServer | undefined;
  const early: Socket[] = [];
  const deliver = (socket: Socket) => {
    (target as HttpServer).emit('connection', socket);
    socket.resume();
  };
  listener.on('connection', (socket) => (target ? deliver(socket) : early.push(socket)));
  await new Promise<void>((resolve, reject) => {
    listener.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `cannot listen on ${host}:${port}: ${whyNotBound(err, port)}; choose another port with --port N or PORT=N`,
        ),
      ),
    );
    listener.listen(port, host, resolve);
  });
  return {
    port: (listener.address() as { port: number }).port,
    handTo(server) {
      target = server;
      for (const socket of early.splice(0)) deliver(socket);
    },
    close() {
      listener.close();
      target?.closeAllConnections();
      for (const socket of early.splice(0)) socket.destroy();
    },
  };
}
