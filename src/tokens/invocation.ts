import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The time left in the current function invocation, for the spend guard (refresh.ts): Lambda
 * freezes an environment when its handler returns or times out, so a token call must not start
 * unless the invocation outlasts it and its write-back. The Lambda adapter wraps each invocation
 * with Lambda's own `context.getRemainingTimeInMillis`; elsewhere (serve, Cloud Functions, the
 * CLI) nothing is set and only the lease bounds a spend.
 */
const remaining = new AsyncLocalStorage<() => number>();

export function withInvocationTime<T>(remainingMs: () => number, run: () => T): T {
  return remaining.run(remainingMs, run);
}

/** Milliseconds left in this invocation, or undefined outside one. */
export function invocationLeftMs(): number | undefined {
  return remaining.getStore()?.();
}
