import { afterAll, afterEach, beforeAll } from 'vitest';
import { type AwsJsonServer, setEnv } from '../servers/aws-json';

interface AwsTestServer extends AwsJsonServer {
  readonly env: Record<string, string>;
  reset(): void;
}

/**
 * An AWS store's tests: the real SDK client, pointed at the store's loopback server through the
 * SDK's own environment variables. `fresh()` empties the server and opens a store; every store a
 * test opens (through `fresh`, or handed to `track`) is closed after it.
 */
export function awsStoreFixture<S extends AwsTestServer, T extends { close(): Promise<void> }>(
  start: () => Promise<S>,
  open: (opts: { kmsKeyId?: string; now?: () => number }) => T,
) {
  const opened: T[] = [];
  let restoreEnv = () => {};
  const fixture = {
    server: undefined as unknown as S,
    fresh(opts: { kmsKeyId?: string; now?: () => number } = {}): T {
      fixture.server.reset();
      return fixture.track(open(opts));
    },
    /** Empties the server; every store opened then shares it (instances of one fleet). */
    backend: async () => {
      fixture.server.reset();
      return (opts: { now: () => number }) => fixture.track(open(opts));
    },
    track(store: T): T {
      opened.push(store);
      return store;
    },
    /** The requests of one operation (`GetParameters`...) the server has received. */
    ops: (op: string) => fixture.server.requests.filter((r) => r.op === op),
  };
  beforeAll(async () => {
    fixture.server = await start();
    restoreEnv = setEnv(fixture.server.env);
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    restoreEnv();
    await fixture.server?.close();
  });
  return fixture;
}
