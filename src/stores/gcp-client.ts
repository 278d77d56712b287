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

/** Where the client talks to, and as whom. */
export interface SecretManagerTarget {
  /** `host:port` spoken to over plain HTTP (an emulator); unset: Google's endpoint over HTTPS. */
  host?: string;
  /**
   * Set: Application Default Credentials, for this project (given, so ADC does not go looking for
   * one). Unset: no credentials at all, and no ADC lookup either (an emulator).
   */
  adcProject?: string;
}

/**
 * The Secret Manager client with the proxy's deadlines and retries, on Google's REST transport
 * (google-gax's `fallback`) rather than gRPC: the gRPC client loads and builds its service
 * definitions when constructed, which made it about 65 ms (a quarter) slower to build in a cold start
 * (docs/PERFORMANCE.md), and REST is the transport the tests speak to the loopback server.
 *
 * Either way, the auth client's transport hands every HTTP status back to google-gax, which
 * decodes Google's JSON errors into status codes (a throwing transport would surface a bare HTTP
 * error instead), and enforces the per-request timeout that the REST transport itself does not.
 */
export function secretManagerClient(target: SecretManagerTarget): SecretManagerServiceClient {
  const transport = { transporterOptions: { validateStatus: () => true, timeout: RPC_TIMEOUT_MS } };
  // google-gax's own google-auth-library: importing the top-level package would put a second copy
  // of it (about 100 KB) in the function bundle's cold import.
  const authClient = target.adcProject
    ? new AdcClient(target.adcProject, transport)
    : new googleAuthLibrary.PassThroughClient(transport);
  return new SecretManagerServiceClient({
    fallback: true,
    ...(target.host ? plainHttp(target.host) : {}),
    authClient,
    clientConfig: CLIENT_CONFIG,
  });
}

/**
 * Application Default Credentials (on Cloud Run: the metadata server) on the status-returning
 * transport above. ADC's own clients fetch their tokens on their own transports, untouched:
 * only the Secret Manager calls go through this one.
 */
class AdcClient extends googleAuthLibrary.PassThroughClient {
  readonly #adc: InstanceType<typeof googleAuthLibrary.GoogleAuth>;

  constructor(
    projectId: string,
    options: ConstructorParameters<typeof googleAuthLibrary.PassThroughClient>[0],
  ) {
    super(options);
    this.#adc = new googleAuthLibrary.GoogleAuth({
      projectId,
      scopes: 'https://www.googleapis.com/auth/cloud-platform',
    });
  }

  override async request<T>(opts: googleAuthLibrary.gaxios.GaxiosOptions) {
    const headers = new Headers(opts.headers);
    for (const [name, value] of await this.#adc.getRequestHeaders(String(opts.url))) headers.set(name, value);
    return super.request<T>({ ...opts, headers });
  }
}

function plainHttp(host: string): ClientOptions {
  const colon = host.lastIndexOf(':');
  const port = Number(host.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port <= 0 || port > 65_535) {
    throw new StoreError('invalid', `${STORE}: SECRET_MANAGER_EMULATOR_HOST must be host:port`);
  }
  return { protocol: 'http', apiEndpoint: host.slice(0, colon), port };
}
