import { ProxyError } from './errors';
import { registerSecret } from './log';
import type { SecretStore } from './stores/store';

/**
 * The pseudonymization salt, read from the store once per process and registered for redaction;
 * never logged (health shows only its hash). A failed read is not cached: the next call tries again.
 */
export function saltLoader(store: SecretStore, name: string): () => Promise<string> {
  let salt: Promise<string> | undefined;
  return () => {
    salt ??= store.read([name]).then(
      (got) => {
        const value = got.get(name)?.value;
        if (!value) {
          salt = undefined;
          throw new ProxyError('not_configured', `the secret ${name} (pseudonymization salt) is missing`);
        }
        registerSecret(value);
        return value;
      },
      (err) => {
        salt = undefined;
        throw new ProxyError(
          'store_unavailable',
          `secret store: ${(err as Error).message}`,
          {},
          { cause: err },
        );
      },
    );
    return salt;
  };
}
