import type {
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  APIGatewayProxyResult,
  APIGatewayProxyStructuredResultV2,
} from 'aws-lambda';
import { ProxyError } from '../src/errors';
import { checkMethod } from '../src/request-method';

/**
 * Lambda HTTP events <-> the core's Request/Response. Payload 2.0 comes from Function URLs and
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

export interface IncomingHttp {
  request: Request;
  rawTarget: string;
  requestId: string | undefined;
}

/** Lambda's synchronous invocation payload limit: the whole serialised result must fit. */
export const RESULT_LIMIT_BYTES = 6 * 1024 * 1024;

const ORIGIN = 'http://lambda.invalid';

export function isV2(event: unknown): event is APIGatewayProxyEventV2 {
  const e = event as Partial<APIGatewayProxyEventV2> | null;
  return e?.version === '2.0' && typeof e.rawPath === 'string' && typeof e.requestContext?.http === 'object';
}

export function isV1(event: unknown): event is V1Event {
  const e = event as Partial<APIGatewayProxyEvent> | null;
  return (
    typeof e?.httpMethod === 'string' && typeof e.path === 'string' && typeof e.requestContext === 'object'
  );
}

/** What the core accepts as a request id (app.ts); others fall back to Lambda's own id. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function fromV2(e: APIGatewayProxyEventV2): IncomingHttp {
  const ctx = e.requestContext;
  const path = withoutStage(e.rawPath, ctx.stage, ctx.domainName);
  const headers = new Headers();
  for (const [name, value] of Object.entries(e.headers ?? {}))
    if (value !== undefined) headers.set(name, value);
  // Payload 2.0 moves Cookie out of the headers; put it back so the core sees what was sent.
  if (e.cookies?.length) headers.set('cookie', e.cookies.join('; '));
  return {
    request: toRequest(ctx.http.method, headers, e.body, e.isBase64Encoded),
    rawTarget: escapePath(path) + (e.rawQueryString ? `?${e.rawQueryString}` : ''),
    requestId: usableId(ctx.requestId),
  };
}

export function fromV1(e: V1Event): IncomingHttp {
  // HTTP APIs send payload 1.0 with a version field and a stage-prefixed path; REST APIs do neither.
  const path =
    e.version === '1.0' ? withoutStage(e.path, e.requestContext.stage, e.requestContext.domainName) : e.path;
  const headers = new Headers();
  if (e.multiValueHeaders) {
    for (const [name, values] of Object.entries(e.multiValueHeaders)) {
      for (const value of values ?? []) headers.append(name, value);
    }
  } else {
    for (const [name, value] of Object.entries(e.headers ?? {}))
      if (value !== undefined) headers.set(name, value);
  }
  const query: string[] = [];
  const params =
    e.multiValueQueryStringParameters ??
    Object.fromEntries(Object.entries(e.queryStringParameters ?? {}).map(([k, v]) => [k, [v]]));
  for (const [name, values] of Object.entries(params)) {
    for (const value of values ?? [])
      query.push(`${encodeURIComponent(name)}=${encodeURIComponent(value ?? '')}`);
  }
  return {
    request: toRequest(e.httpMethod, headers, e.body, e.isBase64Encoded),
    rawTarget: escapePath(path) + (query.length ? `?${query.join('&')}` : ''),
    requestId: usableId(e.requestContext.requestId),
  };
}

export async function toV2(response: Response): Promise<APIGatewayProxyStructuredResultV2> {
  const headers: Record<string, string> = {};
  // Set-Cookie would need the `cookies` field; the proxy never passes one on, so none is sent.
  for (const [name, value] of response.headers) if (name !== 'set-cookie') headers[name] = value;
  return withinLimit({ statusCode: response.status, headers, ...(await encodeBody(response)) });
}

export async function toV1(response: Response): Promise<APIGatewayProxyResult> {
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [name, value] of response.headers) if (name !== 'set-cookie') multiValueHeaders[name] = [value];
  return withinLimit({ statusCode: response.status, multiValueHeaders, ...(await encodeBody(response)) });
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

function toRequest(
  method: string,
  headers: Headers,
  body: string | null | undefined,
  base64: boolean | undefined,
): Request {
  checkMethod(method);
  const hasBody = method !== 'GET' && method !== 'HEAD' && typeof body === 'string';
  return new Request(`${ORIGIN}/`, {
    method,
    headers,
    body: hasBody ? Buffer.from(body, base64 ? 'base64' : 'utf8') : null,
  });
}

const TEXT_TYPE = /^(text\/|application\/([\w.+-]*\+)?(json|xml|javascript|x-www-form-urlencoded)\b)/i;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Text goes as a string; anything else (compressed, binary, or text that is not valid UTF-8) as
 * base64, so no byte is ever altered on the way out.
 */
async function encodeBody(response: Response): Promise<{ body: string; isBase64Encoded: boolean }> {
  const bytes = await readCapped(response);
  if (bytes.length === 0) return { body: '', isBase64Encoded: false };
  const encoding = response.headers.get('content-encoding');
  const type = response.headers.get('content-type') ?? '';
  if ((!encoding || encoding === 'identity') && TEXT_TYPE.test(type)) {
    try {
      return { body: utf8.decode(bytes), isBase64Encoded: false };
    } catch {
      // not UTF-8 after all: base64 below
    }
  }
  return { body: Buffer.from(bytes).toString('base64'), isBase64Encoded: true };
}

async function readCapped(response: Response): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    total += r.value.length;
    if (total > RESULT_LIMIT_BYTES) {
      // Cancelling releases the upstream connection instead of reading the rest.
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(r.value);
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
