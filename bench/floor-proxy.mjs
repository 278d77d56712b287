// The CPU and latency floor: the least any Node proxy doing the proxy's hop must pay. node:http in
// and out, a keep-alive agent, a fixed bearer, the upstream body piped, and one JSON line per
// request to stdout (the audit trail every request of the proxy writes, AUDIT_LOG on by default:
// method, status, body bytes, duration); no rules, no token cache, no error mapping, no redaction.
// Env: UPSTREAM (base URL the caller's path is appended to), TOKEN.
import { Agent, createServer, request } from 'node:http';

const upstream = new URL(process.env.UPSTREAM);
const agent = new Agent({ keepAlive: true, maxSockets: 128 });
const authorization = `Bearer ${process.env.TOKEN}`;
const PASS = ['content-type', 'content-encoding', 'etag', 'link', 'retry-after'];

const server = createServer((req, res) => {
  const started = performance.now();
  const headers = { authorization, accept: req.headers.accept ?? 'application/json' };
  const path = upstream.pathname + req.url;
  const up = request({
    host: upstream.hostname,
    port: upstream.port,
    method: req.method,
    path,
    headers,
    agent,
  });
  up.on('response', (r) => {
    const out = {};
    for (const name of PASS) if (r.headers[name] !== undefined) out[name] = r.headers[name];
    res.writeHead(r.statusCode, out);
    let bytes = 0;
    r.on('data', (chunk) => {
      bytes += chunk.length;
    });
    r.once('end', () => {
      const ms = Math.round((performance.now() - started) * 10) / 10;
      const line = {
        message: 'audit',
        timestamp: new Date().toISOString(),
        method: req.method,
        status: r.statusCode,
        bytes,
        ms,
      };
      process.stdout.write(`${JSON.stringify(line)}\n`);
    });
    r.pipe(res);
  });
  up.on('error', () => {
    res.statusCode = 502;
    res.end();
  });
  up.end();
});
server.listen(0, '127.0.0.1', () => console.log(`floor proxy on http://127.0.0.1:${server.address().port}`));
