import { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { googleAuthLibrary } from 'google-gax';
import { STORE } from './gcp-errors';
import { StoreError } from './store';

type ClientOptions = NonNullable<ConstructorParameters<typeof SecretManagerServiceClient>[0]>;

const SERVICE = 'google.cloud.secretmanager.v1.SecretManagerService';
const RPC_TIMEOUT_MS = 4_000;

/**
 * Short deadlines: the proxy answers its callers within seconds. Reads (and destroy, whose repeat
 * is harmless) retry transient failures briefly; version adds and etag updates are not retried,
 * since a retry after a lost answer would add a second version or fail on its own etag change.
 */
const READ = { timeout_millis: RPC_TIMEOUT_MS, retry_codes_name: 'transient', retry_params_name: 'short' };
const WRITE = { timeout_millis: RPC_TIMEOUT_MS, retry_codes_name: 'none', retry_params_name: 'short' };
const CLIENT_CONFIG = {
  interfaces: {
    [SERVICE]: {
      retry_codes: { transient: ['UNAVAILABLE', 'DEADLINE_EXCEEDED', 'RESOURCE_EXHAUSTED'], none: [] },
      retry_params: {
        short: {
          initial_retry_delay_millis: 100,
          retry_delay_multiplier: 2,
          max_retry_delay_millis: 1_000,
          initial_rpc_timeout_millis: RPC_TIMEOUT_MS,
          rpc_timeout_multiplier: 1,
          max_rpc_timeout_millis: RPC_TIMEOUT_MS,
          // Retries of transient failures stop after this; the proxy answers within seconds.
          total_timeout_millis: 5_000,
        },
      },
      methods: {
        GetSecret: READ,
        ListSecretVersions: READ,
        AccessSecretVersion: READ,
        DestroySecretVersion: READ,
        CreateSecret: READ,
        UpdateSecret: WRITE,
        AddSecretVersion: WRITE,
      },
    },
  },
};

/**
 * The Secret Manager client with the proxy's deadlines and retries: Google's gRPC transport and
 * Application Default Credentials, or, given `SECRET_MANAGER_EMULATOR_HOST`, plain-HTTP REST to
 * that host without credentials.
 */
export function secretManagerClient(emulatorHost?: string): SecretManagerServiceClient {
  const transport = emulatorHost ? emulatorOptions(emulatorHost) : {};
  return new SecretManagerServiceClient({ ...transport, clientConfig: CLIENT_CONFIG });
}

/**
 * The REST transport pointed at `host:port` over plain HTTP, with an auth client that adds no
 * credentials and never looks any up (no ADC files, no metadata server). Its transport hands
 * every HTTP status back to google-gax, which decodes Google's JSON errors into status codes,
 * and enforces the per-request timeout that the REST transport itself does not.
 */
function emulatorOptions(emulatorHost: string): ClientOptions {
  const colon = emulatorHost.lastIndexOf(':');
  const port = Number(emulatorHost.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port <= 0 || port > 65_535) {
    throw new StoreError('invalid', `${STORE}: SECRET_MANAGER_EMULATOR_HOST must be host:port`);
  }
  // google-gax's own google-auth-library: importing the top-level package would put a second copy
  // of it (about 100 KB) in the function bundle's cold import, for a path only tests take.
  const authClient = new googleAuthLibrary.PassThroughClient({
    transporterOptions: { validateStatus: () => true, timeout: RPC_TIMEOUT_MS },
  });
  return {
    fallback: true,
    protocol: 'http',
    apiEndpoint: emulatorHost.slice(0, colon),
    port,
    authClient,
  };
}
