import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import pkg from '../package.json' with { type: 'json' };
import { ProxyError } from './errors';
import { logger } from './log';

/**
 * The only code that talks to Jira: keep-alive agents, timeouts, the header policy and the size
 * limit. node:http rather than a client library: it streams, it is fast enough to stay far under
 * the proxy's latency budget, and it costs nothing at cold start.
 */

// The project's one version number (package.json), so Atlassian's logs name the release.
export const USER_AGENT = `jira-token-proxy/${pkg.version}`;

/** Response headers a caller may see: the contract's list, nothing else (no Set-Cookie, ever). */
const PASS_BACK =
  /^(content-type|content-encoding|etag|link|retry-after|beta-retry-after|x-ratelimit-.+|beta-ratelimit.*|x-beta-ratelimit-.+|ratelimit-reason)$/;

export interface UpstreamRequest {
  method: string;
  /** ATLASSIAN_API_URL: parsed once, not per request. */
  base: string;
  /** Path and query, appended to the base's path. */
  path: string;
  accessToken: string;
  requestId: string;
  accept: string | null;
  /** Passed only when the body goes back untouched (a transform needs plain JSON). */
  acceptEncoding: string | null;
  /** A read-only POST's JSON body, as the rules re-serialized it; GET sends none. */
  body?: Buffer;
}

export interface UpstreamResponse {
  status: number;
  /** Only the names in PASS_BACK, lower-case; the proxy adds its own (x-request-id). */
  headers: Record<string, string>;
  body: Readable;
}

export class Upstream {
  readonly #agents = {
    'http:': new HttpAgent({ keepAlive: true, maxSockets: 128, keepAliveMsecs: 30_000 }),
    'https:': new HttpsAgent({ keepAlive: true, maxSockets: 128, keepAliveMsecs: 30_000 }),
  };

  constructor(
    private readonly timeoutMs: number,
    private readonly maxBytes: number,
  ) {}

  readonly #bases = new Map<string, { https: boolean; hostname: string; port: string; prefix: string }>();

  send(r: UpstreamRequest): Promise<UpstreamResponse> {
    let base = this.#bases.get(r.base);
    if (!base) {
      const u = new URL(r.base);
      // node:http wants a bracket-less IPv6 literal.
      const hostname = u.hostname.replace(/^\[(.*)\]$/, '$1');
      base = {
        https: u.protocol === 'https:',
        hostname,
        port: u.port,
        prefix: u.pathname.replace(/\/$/, ''),
      };
      this.#bases.set(r.base, base);
    }
    const headers: Record<string, string> = {
      authorization: `Bearer ${r.accessToken}`,
      accept: r.accept ?? 'application/json',
      'user-agent': USER_AGENT,
      'x-request-id': r.requestId,
    };
    if (r.acceptEncoding) headers['accept-encoding'] = r.acceptEncoding;
    if (r.body) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(r.body.length);
    }
    const https = base.https;
    const { hostname, port, prefix } = base;
    return new Promise((resolve, reject) => {
      const req = (https ? httpsRequest : httpRequest)({
        hostname,
        port,
        path: prefix + r.path,
        method: r.method,
        headers,
        agent: this.#agents[https ? 'https:' : 'http:'],
      });
      // One budget for connect + time to headers; the body then has the same budget per idle gap.
      const timer = setTimeout(
        () => req.destroy(new ProxyError('upstream_timeout', TIMEOUT_MESSAGE)),
        this.timeoutMs,
      );
      req.once('error', (err) => {
        clearTimeout(timer);
        reject(asProxyError(err));
      });
      req.once('response', (res: IncomingMessage) => {
        clearTimeout(timer);
        res.setTimeout(this.timeoutMs, () =>
          res.destroy(new ProxyError('upstream_timeout', TIMEOUT_MESSAGE)),
        );
        if (Number(res.headers['content-length']) > this.maxBytes) {
          res.destroy();
          reject(tooLarge(this.maxBytes));
          return;
        }
        const out: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers)) {
          if (value !== undefined && PASS_BACK.test(name))
            out[name] = Array.isArray(value) ? value.join(', ') : value;
        }
        resolve({ status: res.statusCode ?? 502, headers: out, body: res });
      });
      req.end(r.body);
    });
  }

  /**
   * The body as it streams on, bounded by the size limit: past it the stream is destroyed with
   * `response_too_large` (and logged), so whoever is sending it on aborts instead of ending cleanly.
   */
  bounded(body: Readable): Readable {
    const max = this.maxBytes;
    let seen = 0;
    body.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > max && !body.destroyed) {
        logger.warn('upstream body cut off at MAX_RESPONSE_BYTES', { max });
        body.destroy(tooLarge(max));
      }
    });
    // The 'data' listener would start the flow; the consumer decides when it reads.
    body.pause();
    return body;
  }

  /** The whole body, for transforms; bounded by the size limit. */
  async buffer(body: Readable): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let seen = 0;
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        seen += chunk.length;
        if (seen > this.maxBytes) {
          body.destroy();
          throw tooLarge(this.maxBytes);
        }
        chunks.push(chunk);
      }
    } catch (err) {
      throw asProxyError(err);
    }
    return Buffer.concat(chunks);
  }

  async close(): Promise<void> {
    this.#agents['http:'].destroy();
    this.#agents['https:'].destroy();
  }
}

const TIMEOUT_MESSAGE = 'Jira did not answer within UPSTREAM_TIMEOUT_SECONDS';

function tooLarge(max: number): ProxyError {
  return new ProxyError(
    'response_too_large',
    `Jira's response is larger than MAX_RESPONSE_BYTES (${max} bytes)`,
  );
}

function asProxyError(err: unknown): ProxyError {
  if (err instanceof ProxyError) return err;
  const code = (err as { code?: string }).code ?? (err as Error).name;
  return new ProxyError('upstream_unreachable', `could not reach Jira (${code})`);
}
