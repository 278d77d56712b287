import { createServer, type Server } from 'node:http';
import { whyNotBound } from './ports';

/**
 * Catches the OAuth redirect when the redirect URI is a loopback URL (`http://localhost[:port]`),
 * so the operator only clicks "Accept" in the browser.
 */
export interface RedirectListener {
  /** Resolves with the full redirected URL once a browser lands on the callback path. */
  readonly redirected: Promise<URL>;
  close(): void;
}

export function isLoopbackRedirect(uri: string): boolean {
  try {
    const u = new URL(uri);
    return u.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);
  } catch {
    return false;
  }
}

const page = (title: string, text: string) =>
  `<!doctype html><meta charset="utf-8"><title>${title}</title>` +
  `<body style="font-family:sans-serif;margin:3em"><h1>${title}</h1><p>${text}</p></body>`;

/**
 * Listens on the redirect URI's port on both loopback addresses (either is enough: a machine may
 * have no IPv6). When neither binds, throws why (port in use, privileged port) in words.
 */
export async function listenForRedirect(
  redirectUri: string,
  expectedState: string,
): Promise<RedirectListener> {
  const target = new URL(redirectUri);
  const port = Number(target.port || 80);
  const path = target.pathname || '/';
  let settle: (u: URL) => void = () => undefined;
  const redirected = new Promise<URL>((resolve) => {
    settle = resolve;
  });
  const servers: Server[] = [];
  const handler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
    const url = new URL(req.url ?? '/', redirectUri);
    if (url.pathname !== path || (!url.searchParams.has('code') && !url.searchParams.has('error'))) {
      res.writeHead(404).end();
      return;
    }
    const ok = url.searchParams.get('state') === expectedState && url.searchParams.has('code');
    res.writeHead(ok ? 200 : 400, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      ok
        ? page('Done', 'jira-token-proxy received the authorization. You can close this tab.')
        : page(
            'Not completed',
            'jira-token-proxy could not use this redirect; see the terminal for what to do.',
          ),
    );
    settle(url);
  };
  const failures: NodeJS.ErrnoException[] = [];
  for (const host of ['127.0.0.1', '::1']) {
    const server = createServer(handler);
    const bound = await new Promise<boolean>((resolve) => {
      server.once('error', (err) => {
        failures.push(err);
        resolve(false);
      });
      server.listen(port, host, () => resolve(true));
    });
    if (bound) servers.push(server);
  }
  if (servers.length === 0) throw new Error(whyNotBound(failures[0] as NodeJS.ErrnoException, port));
  return {
    redirected,
    close: () => {
      for (const s of servers) {
        s.closeAllConnections();
        s.close();
      }
    },
  };
}
