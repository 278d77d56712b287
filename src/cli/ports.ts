import type { Server as HttpServer } from 'node:http';
import { createServer, type Socket } from 'node:net';

/** Local ports for the CLI's servers: bound before anything else, refusals said in words. */

/** Why a listen failed, in words an operator can act on. */
export function whyNotBound(err: NodeJS.ErrnoException, port: number): string {
  switch (err.code) {
    case 'EADDRINUSE':
      return `port ${port} is already in use by another program`;
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
  /**
   * The HTTP server takes over the bound socket (and so runs its own timeouts), and gets the
   * connections that arrived while the proxy was starting.
   */
  handTo(server: HttpServer): Promise<void>;
  close(): void;
}

/**
 * Takes the port first, so a second `serve` on a busy port stops before it touches any state.
 * Connections that arrive while the proxy is still starting are held, unread, until `handTo`.
 */
export async function holdPort(port: number, host: string): Promise<HeldPort> {
  const listener = createServer({ pauseOnConnect: true });
  const early: Socket[] = [];
  let target: HttpServer | undefined;
  listener.on('connection', (socket) => early.push(socket));
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
    async handTo(server) {
      target = server;
      await new Promise<void>((resolve) => server.listen(listener, resolve));
      for (const socket of early.splice(0)) {
        server.emit('connection', socket);
        socket.resume();
      }
    },
    close() {
      target?.close();
      target?.closeAllConnections();
      listener.close();
      for (const socket of early.splice(0)) socket.destroy();
    },
  };
}
