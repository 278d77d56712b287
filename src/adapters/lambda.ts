import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { ProxyCall, Reply } from '../call';
import { errorResponse, ProxyError } from '../errors';
import { logger, withLogFields } from '../log';
import { withInvocationTime } from '../tokens/invocation';
import type { RefreshReport } from '../tokens/lifecycle';
import type { AppStart } from './cold-start';
import { type EventProcessor, type HttpEvent, type HttpResult, processorFor } from './lambda-events';

/**
 * The Lambda handler: Function URL and API Gateway requests go through the core (the event's
 * processor is chosen once: createCall -> app.handle -> createResult); EventBridge Scheduler's
 * `{"action":"refresh"}` runs the scheduled token refresh.
 */

type RefreshEvent = { action: 'refresh' };
type Result = HttpResult | RefreshReport;

function isRefresh(event: unknown): event is RefreshEvent {
  return (event as Partial<RefreshEvent> | null)?.action === 'refresh';
}

export function lambdaHandler(app: AppStart) {
  async function refresh(): Promise<RefreshReport> {
    try {
      const report = await (await app()).refresh();
      logger.info('scheduled refresh', { ...report });
      return report;
    } catch (err) {
      // Rethrown so the invocation fails and Lambda's Errors metric (and its alarm) sees it.
      logger.error('scheduled refresh failed', { err });
      throw err;
    }
  }

  async function http(event: HttpEvent, context: Context, processor: EventProcessor): Promise<HttpResult> {
    let requestId: string | undefined = context.awsRequestId;
    let reply: Reply;
    try {
      let call: ProxyCall;
      try {
        call = processor.createCall(event);
      } catch (err) {
        logger.warn('unreadable request event', { cause: (err as Error).message });
        throw new ProxyError('bad_request', 'the request could not be read');
      }
      requestId = call.requestId ?? requestId;
      reply = await (await app()).handle({ ...call, requestId });
    } catch (err) {
      reply = errorResponse(err, requestId);
    }
    try {
      return await processor.createResult(reply);
    } catch (err) {
      if (!(err instanceof ProxyError)) logger.error('response failed', { err });
      return processor.createResult(errorResponse(err, requestId));
    }
  }

  async function route(event: unknown, context: Context): Promise<Result> {
    if (isRefresh(event)) return refresh();
    const processor = processorFor(event);
    if (processor) return http(event as HttpEvent, context, processor);
    throw new Error(
      'unrecognised event: expected a Function URL or API Gateway request, or {"action":"refresh"}',
    );
  }

  // Every line an invocation logs names it, as Lambda's own START/REPORT lines do; a refresh
  // starts no token call the invocation's remaining time cannot finish (src/tokens/invocation.ts).
  const invoke = (event: unknown, context: Context) =>
    withLogFields({ function_request_id: context.awsRequestId }, () =>
      withInvocationTime(
        () => context.getRemainingTimeInMillis(),
        () => route(event, context),
      ),
    );

  /**
   * middy ends a handler shortly before Lambda's own timeout; an HTTP caller then gets the
   * contract's 504 rather than a bare gateway failure. Other errors (the scheduled path) propagate.
   */
  const timeoutAsResponse: MiddlewareObj<unknown, Result> = {
    onError: async (request) => {
      if (request.error?.name !== 'TimeoutError') return;
      const processor = processorFor(request.event);
      if (!processor) return;
      logger.error('function timed out', { requestId: request.context.awsRequestId });
      request.response = await processor.createResult(
        errorResponse(
          new ProxyError('upstream_timeout', 'the request did not complete within the function timeout'),
          (request.event as HttpEvent).requestContext.requestId,
        ),
      );
    },
  };

  return middy(invoke).use(timeoutAsResponse);
}
