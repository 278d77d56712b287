import { Readable } from 'node:stream';
import { ProxyError } from './errors';

/**
 * What the core reads of a request and what it answers, kept apart from WHATWG Request/Response so
 * that an adapter can serve a plain proxied GET straight from its platform's objects: reading two
 * headers of a node:http request costs nothing, building a `Request` (URL, Headers, body stream)
 * for it costs more than the rest of the request path (docs/PERFORMANCE.md). Hono's node server
 * does the same with a lazily built Request.
 */

export interface ProxyCall {
  /** As sent: method names are case-sensitive, and the rules see exactly this. */
  readonly method: string;
  /** The request-target exactly as received; WHATWG URL parsing would already have normalised it. */
  readonly target: string;
  /** A header's value (lower-case name), repeated fields joined with ", "; null when absent. */
  header(name: string): string | null;
  /** The platform's own request id (Lambda's, Google's trace), preferred to the caller's. */
  readonly requestId?: string;
  /**
   * The client's address as the platform saw it (src/adapters/client-address.ts), never a
   * caller-set header; undefined when the platform gives none.
   */
  readonly clientAddress?: string;
  /** The caller's identity as the platform verified it (src/adapters/caller-identity.ts), for the audit line. */
  readonly caller?: string;
  /**
   * The request body, read on demand (at most once) and only for a method that carries one: a GET
   * never pays for it. Resolves undefined when the body is larger than `maxBytes` (reading stops
   * there). Absent: the platform gave no body.
   */
  readonly body?: (maxBytes: number) => Promise<Uint8Array | undefined>;
}

/**
 * The fast path: the upstream's answer passed on as its status, the headers a caller may see and
 * the still unread Node stream, bounded by MAX_RESPONSE_BYTES (it errors past the limit). Node
 * adapters pipe it as is; `toResponse` turns it into a web Response for anyone else.
 */
export interface StreamedReply {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Readable;
}

/** The core's answer: a web Response built by the core (errors, health, transformed bodies) or the fast path. */
export type Reply = Response | StreamedReply;

export function isStreamed(reply: Reply): reply is StreamedReply {
  return !(reply instanceof Response);
}

export function toResponse(reply: Reply): Response {
  if (!isStreamed(reply)) return reply;
  return new Response(Readable.toWeb(reply.body) as ReadableStream<Uint8Array>, {
    status: reply.status,
    headers: reply.headers,
  });
}

/** A web Request as a call; `target` defaults to the URL's path and query. */
export function callFromRequest(req: Request, target?: string, requestId?: string): ProxyCall {
  let t = target;
  if (t === undefined) {
    const url = new URL(req.url);
    t = url.pathname + url.search;
  }
  return {
    method: req.method,
    target: t,
    header: (name) => req.headers.get(name),
    requestId,
    body: async (maxBytes) => {
      const bytes = new Uint8Array(await req.arrayBuffer());
      return bytes.length > maxBytes ? undefined : bytes;
    },
  };
}

// Fetch's Request refuses CONNECT, TRACE and TRACK, and upper-cases DELETE, GET, HEAD, OPTIONS,
// POST and PUT written in any case; the rules would not allow them, and the message says why.
const FORBIDDEN = /^(connect|trace|track)$/i;
const NORMALISED = /^(delete|get|head|options|post|put)$/i;

/** Refuses, as the rules would, a method that a WHATWG Request could not carry unchanged. */
export function checkMethod(method: string): void {
  if (FORBIDDEN.test(method) || (NORMALISED.test(method) && method !== method.toUpperCase())) {
    throw new ProxyError(
      'blocked_by_rules',
      `method ${method} is not allowed (method names are case-sensitive)`,
    );
  }
}
