import type { App } from '../app';
import { ConfigError } from '../config';
import { ProxyError } from '../errors';
import { logger } from '../log';
import { createRuntime } from '../runtime';
import type { StoreLoaders } from '../stores/open';

/**
 * The cold start of a cloud function, shared by both adapters. It begins when the module loads
 * (inside Lambda's init phase, before GCP's first request) and every invocation awaits the same
 * promise. A failed start is logged and retried by the next invocation instead of being cached:
 * the next attempt costs microseconds, and on-call sees the cause on every failed request.
 */
export type AppStart = () => Promise<App>;

export function coldStart(stores: StoreLoaders, start = () => createRuntime(stores)): AppStart {
  let pending: Promise<App> | undefined;
  const begin = () => {
    // Reading the token family now moves the first store round trip into the init phase
    // (Lambda runs it before the first invocation, with a full CPU); failures surface per request.
    const attempt = start().then(
      (rt) => {
        rt.warm().catch(() => undefined);
        return rt.app;
      },
      (err: unknown) => {
        if (pending === attempt) pending = undefined;
        logger.error('cold start failed', { err });
        throw startError(err);
      },
    );
    pending = attempt;
    // Callers see the rejection; this keeps an unawaited start from being an unhandled one.
    attempt.catch(() => undefined);
    return attempt;
  };
  begin();
  return () => pending ?? begin();
}

/**
 * A failed start as the contract's JSON error: a configuration error names the variable (its
 * message never holds a value), anything else stays in the logs.
 */
function startError(err: unknown): ProxyError {
  if (err instanceof ConfigError) {
    return new ProxyError('not_configured', `configuration: ${err.message}`, {}, { cause: err });
  }
  return new ProxyError('not_configured', 'the proxy could not start; see its logs', {}, { cause: err });
}
