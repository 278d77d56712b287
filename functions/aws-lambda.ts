import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { errorResponse, ProxyError } from '../src/errors';
import { logger } from '../src/log';
import type { RefreshReport } from '../src/tokens/lifecycle';
import { coldStart, startError } from './cold-start';
import { fromV1, fromV2, type HttpEvent, type HttpResult, isV1, isV2, toV1, toV2 } from './lambda-http';

/**
 * The Lambda entry point (`handler`): Function URL and API Gateway requests go through the core
 * app; EventBridge Scheduler's `{"action":"refresh"}` runs the scheduled token refresh.
 */

const runtime = coldStart();

type RefreshEvent = { action: 'refresh' };

function isRefresh(event: unknown): event is RefreshEvent {
  return (event as Partial<RefreshEvent> | null)?.action === 'refresh';
}

async function refresh(): Promise<RefreshReport> {
  try {
    const { app } = await runtime();
    const report = await app.refresh();
    logger.info('scheduled refresh', { ...report });
    return report;
  } catch (err) {
    // Rethrown so the invocation fails and Lambda's Errors metric (and its alarm) sees it.
    logger.error('scheduled refresh failed', { err });
    throw err;
  }
}

async function http(event: HttpEvent, context: Context): Promise<HttpResult> {
  const v2 = isV2(event);
  let response: Response;
  let requestId: string | undefined = context.awsRequestId;
  try {
    const incoming = isV2(event) ? fromV2(event) : fromV1(event);
    requestId = incoming.requestId ?? requestId;
    const { app } = await runtime().catch((err: unknown) => {
      throw startError(err);
    });
    response = await app.fetch(incoming.request, { rawTarget: incoming.rawTarget, requestId });
  } catch (err) {
    response = errorResponse(err instanceof ProxyError ? err : badRequest(err), requestId);
  }
  try {
    return v2 ? await toV2(response) : await toV1(response);
  } catch (err) {
    const fallback = errorResponse(err instanceof ProxyError ? err : internal(err), requestId);
    return v2 ? toV2(fallback) : toV1(fallback);
  }
}

function badRequest(err: unknown): ProxyError {
  logger.warn('unreadable request event', { cause: (err as Error).message });
  return new ProxyError('bad_request', 'the request could not be read');
}

function internal(err: unknown): ProxyError {
  logger.error('response failed', { err });
  return new ProxyError('internal', 'internal error; see the proxy logs');
}

async function invoke(event: unknown, context: Context): Promise<HttpResult | RefreshReport> {
  if (isRefresh(event)) return refresh();
  if (isV2(event) || isV1(event)) return http(event, context);
  throw new Error(
    'unrecognised event: expected a Function URL or API Gateway request, or {"action":"refresh"}',
  );
}

/**
 * middy ends a handler shortly before Lambda's own timeout; an HTTP caller then gets the
 * contract's 504 rather than a bare gateway failure. Other errors (the scheduled path) propagate.
 */
const timeoutAsResponse: MiddlewareObj<unknown, HttpResult | RefreshReport> = {
  onError: async (request) => {
    if (request.error?.name !== 'TimeoutError') return;
    const event = request.event;
    if (!isV2(event) && !isV1(event)) return;
    logger.error('function timed out', { requestId: request.context.awsRequestId });
    const response = errorResponse(
      new ProxyError('upstream_timeout', 'the request did not complete within the function timeout'),
      event.requestContext.requestId,
    );
    request.response = isV2(event) ? await toV2(response) : await toV1(response);
  },
};

export const handler = middy(invoke).use(injectLambdaContext(logger)).use(timeoutAsResponse);
