import { Readable } from 'node:stream';
import { Agent, errors, request } from 'undici';
import { ProxyError } from './errors';
import { logger } from './log';

/** The only code that talks to Jira: one keep-alive agent, a timeout, and the header policy. */

export const USER_AGENT = 'jira-token-proxy/0.1.0';

/** Response headers a caller may see: the contract's list, nothing else (no Set-Cookie, ever). */
const PASS_BACK =
  /^(content-type|content-encoding|etag|link|retry-after|x-ratelimit-.+|beta-ratelimit.*|x-beta-ratelimit-.+|ratelimit-reason)$/;

export interface UpstreamRequest {
  method: string;
  url: string;
  accessToken: string;
  requestId: string;
  accept: string | null;
  /** Passed only when the body goes back untouched (a transform needs plain JSON). */
  acceptEncoding: string | null;
}

export interface UpstreamResponse {
  status: number;
  headers: Headers;
  body: Readable;
}

export class Upstream {
  readonly #agent: Agent;
  constructor(
    private readonly timeoutMs: number,
    private readonly maxBytes: number,
  ) {
    this.#agent = new Agent({
      keepAliveTimeout: 30_000,
      connections: 128,
      connectTimeout: Math.min(timeoutMs, 10_000),
    });
  }

  async send(r: UpstreamRequest): Promise<UpstreamResponse> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${r.accessToken}`,
      accept: r.accept ?? 'application/json',
      'user-agent': USER_AGENT,
      'x-request-id': r.requestId,
    };
    if (r.acceptEncoding) headers['accept-encoding'] = r.acceptEncoding;
    try {
      const res = await request(r.url, {
        method: r.method as 'GET',
        headers,
        dispatcher: this.#agent,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      const length = Number(res.headers['content-length']);
      if (length > this.maxBytes) {
        res.body.destroy();
        throw tooLarge(this.maxBytes);
      }
      const out = new Headers();
      for (const [name, value] of Object.entries(res.headers)) {
        if (value !== undefined && PASS_BACK.test(name))
          out.set(name, Array.isArray(value) ? value.join(', ') : value);
      }
      return { status: res.statusCode, headers: out, body: res.body };
    } catch (err) {
      throw asProxyError(err);
    }
  }

  /** The body as a web stream that fails cleanly past the size limit. */
  stream(body: Readable): ReadableStream<Uint8Array> {
    const max = this.maxBytes;
    async function* limited() {
      let seen = 0;
      for await (const chunk of body as AsyncIterable<Buffer>) {
        seen += chunk.length;
        if (seen > max) {
          body.destroy();
          logger.warn('upstream body cut off at MAX_RESPONSE_BYTES', { max });
          throw tooLarge(max);
        }
        yield chunk;
      }
    }
    return Readable.toWeb(Readable.from(limited(), { objectMode: false })) as ReadableStream<Uint8Array>;
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

  close(): Promise<void> {
    return this.#agent.close();
  }
}

function tooLarge(max: number): ProxyError {
  return new ProxyError(
    'response_too_large',
    `Jira's response is larger than MAX_RESPONSE_BYTES (${max} bytes)`,
  );
}

function asProxyError(err: unknown): ProxyError {
  if (err instanceof ProxyError) return err;
  if (err instanceof errors.HeadersTimeoutError || err instanceof errors.BodyTimeoutError) {
    return new ProxyError('upstream_timeout', 'Jira did not answer within UPSTREAM_TIMEOUT_SECONDS');
  }
  if (err instanceof errors.ConnectTimeoutError) {
    return new ProxyError('upstream_unreachable', 'could not connect to Jira (connect timeout)');
  }
  const code = (err as { code?: string }).code ?? (err as Error).name;
  return new ProxyError('upstream_unreachable', `could not reach Jira (${code})`);
}
