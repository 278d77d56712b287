import { StoreError } from './store';

/**
 * Maps AWS SDK failures to StoreErrors whose messages name the store, the IAM action and the
 * secret. The service's own message is never copied into ours: validation messages can echo the
 * request's values. Access-denied and transient errors keep the SDK error as `cause` (their
 * messages carry principals and ARNs, useful to an operator, never a value).
 */

/** Codes the SDK's retry strategy treats as throttling, plus the services' own spellings. */
const THROTTLED = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'TooManyUpdates',
  'LimitExceededException',
]);
const SERVER_SIDE = new Set([
  'InternalServerError',
  'InternalServiceError',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);
const DENIED = new Set(['AccessDeniedException', 'AccessDenied', 'UnauthorizedOperation']);
const BAD_CREDENTIALS = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'IncompleteSignatureException',
  'MissingAuthenticationTokenException',
  'ExpiredTokenException',
]);
/** The SDK found no credentials anywhere: nothing was sent, so nothing was rejected. */
export const NO_CREDENTIALS =
  'no AWS credentials found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where a role provides them';
/** Secrets Manager's answers when KMS refuses it the secret's key. */
const KMS_REFUSED: Record<string, string> = {
  DecryptionFailure: 'kms:Decrypt',
  EncryptionFailure: 'kms:GenerateDataKey',
};

interface SdkErrorShape {
  name?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/** The error's AWS code (`ParameterNotFound`, `ResourceExistsException`...), if it has one. */
export function awsErrorName(err: unknown): string | undefined {
  const name = (err as SdkErrorShape | null)?.name;
  return typeof name === 'string' ? name : undefined;
}

/**
 * `store` is `aws-ssm` or `aws-secrets-manager`, `action` the IAM action (`ssm:PutParameter`),
 * `subject` the secret name(s) involved.
 */
export function awsStoreError(store: string, action: string, subject: string, err: unknown): StoreError {
  const name = awsErrorName(err) ?? 'Error';
  const status = (err as SdkErrorShape | null)?.$metadata?.httpStatusCode;
  // A failure below HTTP is a plain Node error: its code (ECONNREFUSED, ENOTFOUND...) says what.
  const code = (err as { code?: unknown } | null)?.code;
  const label = name === 'Error' && typeof code === 'string' ? code : name;
  const what = status === undefined ? label : `${label}, HTTP ${status}`;
  const kms = KMS_REFUSED[name];
  if (DENIED.has(name) || kms) {
    return new StoreError(
      'access_denied',
      `${store}: access denied to ${kms ?? action} on ${subject} (check the execution role${kms ? ' and the KMS key policy' : ''})`,
      { cause: err },
    );
  }
  if (name === 'CredentialsProviderError')
    return new StoreError('access_denied', `${store}: ${NO_CREDENTIALS}`, { cause: err });
  if (BAD_CREDENTIALS.has(name)) {
    return new StoreError(
      'access_denied',
      `${store}: AWS rejected the credentials for ${action} on ${subject} (${name}; check the AWS credentials and region)`,
      { cause: err },
    );
  }
  // No HTTP status means the request never got an answer: refused, reset, timed out.
  if (
    THROTTLED.has(name) ||
    SERVER_SIDE.has(name) ||
    status === undefined ||
    status === 429 ||
    status >= 500
  ) {
    return new StoreError('unavailable', `${store}: ${action} on ${subject} is unavailable (${what})`, {
      cause: err,
    });
  }
  return new StoreError('invalid', `${store}: ${action} on ${subject} was rejected (${what})`);
}
