import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { type ErrorCode, errorResponse, ProxyError } from '../errors';
import { logger } from '../log';
import { sendReply } from './node-send';

/**
 * The Functions Framework parses every request body (JSON, text, form, raw) in Express middleware
 * before the function runs. A body it cannot parse (`{"a":bad}` as application/json, an unknown
 * charset or encoding, a body past its limit) goes to Express's final handler, which answers with
 * an HTML page (with a stack trace outside production) on any path, never reaching the function.
 * The framework offers no hook for it (GoogleCloudPlatform/functions-framework-nodejs#686), so the
 * Express application prototype it is about to instantiate gets a final handler of ours: such a
 * request is answered through the contract's JSON error instead.
 *
 * Called as the function module loads: the framework creates its Express app after loading the
 * module, and Express copies the prototype's methods into each app it creates.
 */

type Handle = (req: IncomingMessage, res: ServerResponse, done?: (err?: unknown) => void) => void;

let installed = false;

export function answerFrameworkErrors(): void {
  if (installed) return;
  installed = true;
  // Express as the framework resolves it: the very module whose application it instantiates.
  const framework = createRequire(import.meta.url).resolve('@google-cloud/functions-framework');
  const express = createRequire(framework)('express') as { application: { handle: Handle } };
  const proto = express.application;
  const handle = proto.handle;
  proto.handle = function (this: unknown, req, res, done) {
    handle.call(this, req, res, done ?? ((err) => finalAnswer(req, res, err)));
  };
}

/** body-parser's error types, each as the contract's code and a message that never quotes the body. */
const ANSWERS: Record<string, [ErrorCode, string]> = {
  'entity.parse.failed': ['bad_request', 'the request body is not valid JSON'],
  'entity.verify.failed': ['bad_request', 'the request body could not be read'],
  'entity.too.large': ['payload_too_large', 'the request body is too large'],
  'charset.unsupported': ['unsupported_media_type', 'the request body has a charset other than UTF-8'],
  'encoding.unsupported': ['unsupported_media_type', 'the request body has an unsupported Content-Encoding'],
  'parameters.too.many': ['bad_request', 'the request body has too many form parameters'],
  'request.aborted': ['bad_request', 'the request body ended early'],
  'request.size.invalid': ['bad_request', 'the request body does not match its Content-Length'],
};

function finalAnswer(req: IncomingMessage, res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const trace = req.headers['x-cloud-trace-context'];
  const requestId = typeof trace === 'string' ? /^([0-9a-f]{32})\b/i.exec(trace)?.[1] : undefined;
  const type = (err as { type?: unknown } | undefined)?.type;
  const status = (err as { status?: unknown } | undefined)?.status;
  const [code, message] =
    err === undefined
      ? (['not_found', 'no such path'] as [ErrorCode, string])
      : (ANSWERS[String(type)] ??
        (typeof status === 'number' && status >= 400 && status < 500
          ? (['bad_request', 'the request could not be read'] as [ErrorCode, string])
          : (['internal', 'internal error; see the proxy logs'] as [ErrorCode, string])));
  if (code === 'internal') logger.error('request failed in the Functions Framework', { requestId, err });
  else
    logger.info('request', {
      requestId,
      method: req.method,
      status: new ProxyError(code, '').status,
      error: code,
    });
  void sendReply(res, errorResponse(new ProxyError(code, message), requestId));
}
