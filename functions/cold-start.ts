import { ConfigError } from '../src/config';
import { ProxyError } from '../src/errors';
import { logger } from '../src/log';
import { createRuntime, type Runtime } from '../src/runtime';

/**
 * The cold start of a cloud function, shared by both adapters. It begins when the module loads
 * (inside Lambda's init phase, before GCP's first request) and every invocation awaits the same
 * promise. A failed start is logged and retried by the next invocation instead of being cached:
 * the next attempt costs microseconds, and on-call sees the cause on every failed request.
 */
export function coldStart(start: () => Promise<Runtime> = () => createRuntime()): () => Promise<Runtime> {
  let pending: Promise<Runtime> | undefined;
  const begin = () => {
    // Reading the token family now moves the first store round trip into the init phase
    // (Lambda runs it before the first invocation, with a full CPU); failures surface per request.
    const attempt = start().then((rt) => {
      rt.app.tokens.accessToken().catch(() => undefined);
      return rt;
    });
    pending = attempt;
    attempt.catch((err: unknown) => {
      if (pending === attempt) pending = undefined;
      logger.error('cold start failed', { err });
    });
    return attempt;
  };
  begin();
  return () => pending ?? begin();
}

/**
 * A failed start as the contract's JSON error: a configuration error names the variable (its
 * message never holds a value), anything else stays in the logs.
 */
export function startError(err: unknown): ProxyError {
  if (err instanceof ConfigError) {
    return new ProxyError('not_configured', `configuration: ${err.message}`);
  }
  return new ProxyError('not_configured', 'the proxy could not start; see its logs');
}
