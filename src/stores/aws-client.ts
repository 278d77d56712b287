/**
 * Shared AWS client settings. The proxy answers its callers within seconds, so a store call
 * gets a few quick attempts rather than the SDK's patient defaults: 2 s to connect, 5 s per
 * request, 3 attempts with the standard (jittered exponential backoff) strategy. The SDK's own
 * AWS_MAX_ATTEMPTS / AWS_RETRY_MODE still win when an operator sets them; region, endpoint
 * (AWS_ENDPOINT_URL_SSM, AWS_ENDPOINT_URL_SECRETS_MANAGER, AWS_ENDPOINT_URL) and credentials come
 * from the SDK's usual chain.
 */
export function awsClientConfig(): {
  maxAttempts?: number;
  retryMode?: string;
  requestHandler: { connectionTimeout: number; requestTimeout: number };
} {
  return {
    ...(process.env.AWS_MAX_ATTEMPTS ? {} : { maxAttempts: 3 }),
    ...(process.env.AWS_RETRY_MODE ? {} : { retryMode: 'standard' }),
    requestHandler: { connectionTimeout: 2_000, requestTimeout: 5_000 },
  };
}
