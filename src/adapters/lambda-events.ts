import type {
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  APIGatewayProxyResult,
  APIGatewayProxyStructuredResultV2,
} from 'aws-lambda';
import { isStreamed, type ProxyCall, type Reply } from '../call';
import { ProxyError } from '../errors';
import { awsIamCaller } from './caller-identity';

/**
 * Lambda HTTP events <-> the core's ProxyCall/Reply. Payload 2.0 comes from Function URLs and
 * API Gateway HTTP APIs; payload 1.0 from API Gateway REST APIs (and HTTP APIs set to 1.0).
 *
 * What reaches us is not always the raw request-target, and nothing here repairs that by
 * normalising (the rules must see dot segments and escapes as sent):
 * - Function URL `rawPath`, `rawQueryString`: as sent.
 * - HTTP API `rawPath`: already percent-decoded by API Gateway (an encoded `/` or `?` is lost
 *   before we see it); `rawQueryString` as sent. A named stage prefixes `rawPath` and is removed.
 * - REST `path`: as sent on the execute-api domain (a custom domain's base path stays in it);
 *   query parameters arrive decoded and are re-encoded here, in the order API Gateway lists them.
 * Characters that cannot appear literally in a request-target (space, `?`, `#`, a `%` not starting
 * an escape, controls, non-ASCII) are escaped, so a decoded path never splits into path + query.
 */

/** Payload 1.0 as HTTP APIs send it carries `version: '1.0'`; REST APIs send no version. */
export type V1Event = APIGatewayProxyEvent & { version?: string };
export type HttpEvent = APIGatewayProxyEventV2 | V1Event;
export type HttpResult = APIGatewayProxyStructuredResultV2 | APIGatewayProxyResult;

/** Lambda's synchronous invocation payload limit: the whole serialised result must fit. */
export const RESULT_LIMIT_BYTES = 6 * 1024 * 1024;

/**
 * One payload format, chosen once per event (Hono's aws-lambda adapter has the same shape):
 * `createCall` reads the event, `createResult` writes the reply in the same format.
 */
export interface EventProcessor<E extends HttpEvent = HttpEvent, R extends HttpResult = HttpResult> {
  createCall(event: E): ProxyCall;
  createResult(reply: Reply): Promise<R>;
}

const v2: EventProcessor<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> = {
  createCall(e) {
    const ctx = e.requestContext;
    const path = withoutStage(e.rawPath, ctx.stage, ctx.domainName);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(e.headers ?? {}))
      if (value !== undefined) headers[name.toLowerCase()] = value;
    // Payload 2.0 moves Cookie out of the headers; put it back so the core sees what was sent.
    if (e.cookies?.length) headers.cookie = e.cookies.join('; ');
    return call(
      ctx.http.method,
      escapePath(path) + (e.rawQueryString ? `?${e.rawQueryString}` : ''),
      headers,
      ctx.requestId,
      { clientAddress: ctx.http.sourceIp, caller: awsIamCaller(iamAuthorizer(e)) },
      eventBody(e.body, e.isBase64Encoded),
    );
  },
  async createResult(reply) {
    const headers: Record<string, string> = {};
    // Set-Cookie would need the `cookies` field; the proxy never passes one on, so none is sent.
    for (const [name, value] of replyHeaders(reply)) if (name !== 'set-cookie') headers[name] = value;
    return withinLimit({ statusCode: reply.status, headers, ...(await encodeBody(reply)) });
  },
};

const v1: EventProcessor<V1Event, APIGatewayProxyResult> = {
  createCall(e) {
    // HTTP APIs send payload 1.0 with a version field and a stage-prefixed path; REST APIs do neither.
    const path =
      e.version === '1.0'
        ? withoutStage(e.path, e.requestContext.stage, e.requestContext.domainName)
        : e.path;
    const headers: Record<string, string> = {};
    if (e.multiValueHeaders) {
      for (const [name, values] of Object.entries(e.multiValueHeaders))
        if (values?.length) headers[name.toLowerCase()] = values.join(', ');
    } else {
      for (const [name, value] of Object.entries(e.headers ?? {}))
        if (value !== undefined) headers[name.toLowerCase()] = value;
    }
    const query: string[] = [];
    const params =
      e.multiValueQueryStringParameters ??
      Object.fromEntries(Object.entries(e.queryStringParameters ?? {}).map(([k, v]) => [k, [v]]));
    for (const [name, values] of Object.entries(params)) {
      for (const value of values ?? [])
        query.push(`${encodeURIComponent(name)}=${encodeURIComponent(value ?? '')}`);
    }
    return call(
      e.httpMethod,
      escapePath(path) + (query.length ? `?${query.join('&')}` : ''),
      headers,
      e.requestContext.requestId,
      {
        clientAddress: e.requestContext.identity?.sourceIp,
        caller: awsIamCaller(e.requestContext.identity),
      },
      eventBody(e.body, e.isBase64Encoded),
    );
  },
  async createResult(reply) {
    const multiValueHeaders: Record<string, string[]> = {};
    for (const [name, value] of replyHeaders(reply))
      if (name !== 'set-cookie') multiValueHeaders[name] = [value];
    return withinLimit({ statusCode: reply.status, multiValueHeaders, ...(await encodeBody(reply)) });
  },
};

/** The processor for an HTTP event's payload format; undefined for anything else. */
export function processorFor(event: unknown): EventProcessor | undefined {
  const e = event as (Partial<APIGatewayProxyEventV2> & Partial<APIGatewayProxyEvent>) | null;
  if (e?.version === '2.0' && typeof e.rawPath === 'string' && typeof e.requestContext?.http === 'object')
    return v2 as EventProcessor;
  if (typeof e?.httpMethod === 'string' && typeof e.path === 'string' && typeof e.requestContext === 'object')
    return v1 as EventProcessor;
  return undefined;
}

/** What the core accepts as a request id (app.ts); others fall back to Lambda's own id. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function call(
  method: string,
  target: string,
  headers: Record<string, string>,
  id: string | undefined,
  origin: Pick<ProxyCall, 'clientAddress' | 'caller'>,
  body: ProxyCall['body'],
): ProxyCall {
  return {
    method,
    target,
    header: (name) => headers[name] ?? null,
    requestId: usableId(id),
    ...origin,
    body,
  };
}

/** The SigV4 caller of an AWS_IAM function URL (payload 2.0 types leave the authorizer out). */
function iamAuthorizer(e: APIGatewayProxyEventV2) {
  return (
    e.requestContext as { authorizer?: { iam?: { userArn?: string | null; callerId?: string | null } } }
  ).authorizer?.iam;
}

/**
 * The event's body as bytes, decoded only when the core asks (a GET never does): text as UTF-8,
 * anything API Gateway or a function URL deemed binary (a content type they do not treat as text,
 * or a compressed body) arrives base64-encoded.
 */
function eventBody(body: string | null | undefined, base64: boolean | undefined): ProxyCall['body'] {
  if (!body) return undefined;
  return async (maxBytes) => {
    // base64 is 4 characters per 3 bytes: a body too large before decoding is not decoded at all
    if ((base64 ? Math.floor((body.length * 3) / 4) - 2 : body.length) > maxBytes) return undefined;
    const bytes = Buffer.from(body, base64 ? 'base64' : 'utf8');
    return bytes.length > maxBytes ? undefined : bytes;
  };
}

function replyHeaders(reply: Reply): Iterable<[string, string]> {
  return isStreamed(reply) ? Object.entries(reply.headers) : reply.headers;
}

/** HTTP API ids are base64 (`Bc4xJhZ2IAMEVxw=`), which the core would replace with a random one. */
function usableId(id: string | undefined): string | undefined {
  return id && REQUEST_ID.test(id) ? id : undefined;
}

/** A named stage prefixes the path on the execute-api domain; `$default` and custom domains do not. */
function withoutStage(path: string, stage: string | undefined, domain: string | undefined): string {
  if (!stage || stage === '$default' || !domain?.includes('.execute-api.')) return path;
  const prefix = `/${stage}`;
  if (path === prefix) return '/';
  return path.startsWith(`${prefix}/`) ? path.slice(prefix.length) : path;
}

/** Escapes only what cannot stand literally in a path; existing `%XX` escapes pass unchanged. */
export function escapePath(path: string): string {
  return path.replace(/%(?![0-9A-Fa-f]{2})|[^A-Za-z0-9\-._~!$&'()*+,;=:@/%]/gu, (c) => encodeURIComponent(c));
}

const TEXT_TYPE = /^(text\/|application\/([\w.+-]*\+)?(json|xml|javascript|x-www-form-urlencoded)\b)/i;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Text goes as a string; anything else (compressed, binary, or text that is not valid UTF-8) as
 * base64, so no byte is ever altered on the way out.
 */
async function encodeBody(reply: Reply): Promise<{ body: string; isBase64Encoded: boolean }> {
  const bytes = await readCapped(reply);
  if (bytes.length === 0) return { body: '', isBase64Encoded: false };
  const header = (name: string) => (isStreamed(reply) ? reply.headers[name] : reply.headers.get(name));
  const encoding = header('content-encoding');
  const type = header('content-type') ?? '';
  if ((!encoding || encoding === 'identity') && TEXT_TYPE.test(type)) {
    try {
      return { body: utf8.decode(bytes), isBase64Encoded: false };
    } catch {
      // not UTF-8 after all: base64 below
    }
  }
  return { body: Buffer.from(bytes).toString('base64'), isBase64Encoded: true };
}

async function readCapped(reply: Reply): Promise<Uint8Array> {
  if (!isStreamed(reply)) {
    const bytes = reply.body ? new Uint8Array(await reply.arrayBuffer()) : new Uint8Array();
    if (bytes.length > RESULT_LIMIT_BYTES) throw tooLarge();
    return bytes;
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of reply.body as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > RESULT_LIMIT_BYTES) {
      // Destroying releases the upstream connection instead of reading the rest.
      reply.body.destroy();
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

function withinLimit<T extends HttpResult>(result: T): T {
  if (Buffer.byteLength(JSON.stringify(result)) > RESULT_LIMIT_BYTES) throw tooLarge();
  return result;
}

function tooLarge(): ProxyError {
  return new ProxyError(
    'response_too_large',
    'the response is larger than the 6 MB a Lambda function may return; ask for smaller pages (maxResults)',
  );
}
