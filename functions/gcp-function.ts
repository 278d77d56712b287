import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type {
  Request as FunctionRequest,
  Response as FunctionResponse,
} from '@google-cloud/functions-framework';
import * as functions from '@google-cloud/functions-framework';
import { errorResponse, ProxyError } from '../src/errors';
import { logger } from '../src/log';
import { checkMethod } from '../src/request-method';
import { coldStart, startError } from './cold-start';

/**
 * The Cloud Function (2nd gen) entry point `jiraTokenProxy`: Express's req/res around the core
 * app. Cloud Scheduler's refresh is `POST /_refresh`, which the core handles like any request.
 */

const runtime = coldStart();

/** `X-Cloud-Trace-Context: TRACE_ID/SPAN_ID;o=1`: the trace id ties our log line to Google's. */
function traceId(req: FunctionRequest): string | undefined {
  const header = req.get('x-cloud-trace-context');
  return header ? /^([0-9a-f]{32})\b/i.exec(header)?.[1] : undefined;
}

function toRequest(req: FunctionRequest): Request {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    headers.append(req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string);
  }
  const method = req.method;
  checkMethod(method);
  let body: BodyInit | null = null;
  if (method !== 'GET' && method !== 'HEAD') {
    // The framework's body parsers keep the bytes in rawBody; a type they skip is still unread.
    if (req.rawBody) body = new Uint8Array(req.rawBody);
    else if (!req.readableEnded) body = Readable.toWeb(req) as ReadableStream;
  }
  return new Request('http://cloud-function.invalid/', {
    method,
    headers,
    body,
    duplex: 'half',
  } as RequestInit);
}

async function send(res: FunctionResponse, response: Response): Promise<void> {
  res.status(response.status);
  for (const [name, value] of response.headers) if (name !== 'set-cookie') res.setHeader(name, value);
  if (!response.body) {
    res.end();
    return;
  }
  await pipeline(Readable.fromWeb(response.body as NodeReadableStream), res);
}

export async function jiraTokenProxy(req: FunctionRequest, res: FunctionResponse): Promise<void> {
  const requestId = traceId(req);
  let response: Response;
  try {
    const { app } = await runtime().catch((err: unknown) => {
      throw startError(err);
    });
    // originalUrl is the request-target as received, before Express or WHATWG URL touch it.
    response = await app.fetch(toRequest(req), { rawTarget: req.originalUrl, requestId });
  } catch (err) {
    if (!(err instanceof ProxyError)) logger.error('request failed', { err });
    response = errorResponse(err, requestId);
  }
  try {
    await send(res, response);
  } catch (err) {
    // Only a body that broke mid-stream lands here: the status line is already sent.
    logger.warn('response aborted', { cause: (err as Error).message });
    res.destroy();
  }
}

functions.http('jiraTokenProxy', jiraTokenProxy);
