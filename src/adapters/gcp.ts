import type {
  Request as FunctionRequest,
  Response as FunctionResponse,
} from '@google-cloud/functions-framework';
import type { ProxyCall } from '../call';
import { errorResponse, ProxyError } from '../errors';
import { logger } from '../log';
import { googleIdTokenCaller } from './caller-identity';
import { frontEndClientAddress } from './client-address';
import type { AppStart } from './cold-start';
import { nodeBodyReader } from './node-body';
import { sendReply } from './node-send';

/**
 * The Cloud Function (2nd gen) handler: Express's req/res around the core, which reads the request
 * from Node's parsed headers and answers through the same sender as the local server. Cloud
 * Scheduler's refresh is `POST /_refresh`, which the core handles like any request.
 */

/** `X-Cloud-Trace-Context: TRACE_ID/SPAN_ID;o=1`: the trace id ties our log line to Google's. */
function traceId(header: string | string[] | undefined): string | undefined {
  return typeof header === 'string' ? /^([0-9a-f]{32})\b/i.exec(header)?.[1] : undefined;
}

const single = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

function toCall(req: FunctionRequest, res: FunctionResponse): ProxyCall {
  const headers = req.headers;
  const raw = req.rawBody;
  return {
    method: req.method,
    // originalUrl is the request-target as received, before Express or WHATWG URL touch it.
    target: req.originalUrl,
    header(name) {
      const v = headers[name];
      return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
    },
    requestId: traceId(headers['x-cloud-trace-context']),
    clientAddress: frontEndClientAddress(headers['x-forwarded-for'], req.socket.remoteAddress),
    caller: googleIdTokenCaller(single(headers['x-serverless-authorization']), headers.authorization),
    // The framework has parsed any body it knows the type of, keeping the bytes in `rawBody`: the
    // core reads those bytes, never the framework's parsed value; an untyped body is still unread.
    body: raw ? async (maxBytes) => (raw.length > maxBytes ? undefined : raw) : nodeBodyReader(req, res),
  };
}

export function gcpHandler(app: AppStart) {
  return async function jiraTokenProxy(req: FunctionRequest, res: FunctionResponse): Promise<void> {
    const call = toCall(req, res);
    try {
      // The same refusal as the node:http adapter: HTTP/0.9-style lines and other versions.
      if (req.httpVersionMajor !== 1)
        throw new ProxyError('bad_request', 'only HTTP/1.0 and HTTP/1.1 are served');
      await sendReply(res, await (await app()).handle(call), call.requestId);
    } catch (err) {
      if (!(err instanceof ProxyError)) logger.error('request failed', { err });
      await sendReply(res, errorResponse(err, call.requestId));
    }
  };
}
