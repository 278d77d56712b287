import { SecretManagerServiceClient } from '@google-cloud/secret-manager';

/**
 * The Secret Manager client as the library builds it by default, on gRPC: what the store used
 * before it chose REST (src/stores/gcp-client.ts). Built without a call: no network.
 */
export const client = new SecretManagerServiceClient();
