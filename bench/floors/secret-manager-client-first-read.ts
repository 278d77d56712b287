import { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { PassThroughClient } from 'google-auth-library';

/**
 * The Secret Manager floor plus the first read started, as the function's cold start starts it,
 * and in the same emulator mode (a closed loopback port, no Google credentials: the auth client
 * that mode needs, as src/stores/gcp-secret-manager.ts builds it). The failure is ignored, as the
 * cold start's is.
 */
const authClient = new PassThroughClient();
export const client = new SecretManagerServiceClient({
  fallback: true,
  protocol: 'http',
  apiEndpoint: '127.0.0.1',
  port: 9,
  authClient: authClient as never,
});
client
  .accessSecretVersion({ name: 'projects/jtp-bench/secrets/PSOXY_JIRA_CLOUD_ACCESS_TOKEN/versions/latest' })
  .catch(() => undefined);
