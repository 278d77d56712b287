import { SecretManagerServiceClient } from '@google-cloud/secret-manager';

/**
 * The Cloud Function cold-import floor: the store's client alone, built like the function bundle,
 * in the REST mode the bench runs the function in (an emulator address: no network, no credentials).
 */
export const client = new SecretManagerServiceClient({
  fallback: true,
  protocol: 'http',
  apiEndpoint: '127.0.0.1',
  port: 9,
});
