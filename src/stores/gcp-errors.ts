import { Status } from 'google-gax';
import { StoreError } from './store';

/**
 * Maps Secret Manager failures to StoreErrors naming the store, the permission the call needed,
 * the secret and the project. Google's own message is kept only as `cause`: it names resources
 * and permissions, never a payload. Both transports report google-gax `Status` codes (the REST
 * transport maps Google's JSON `status` onto them).
 */

export const STORE = 'gcp-secret-manager';

/** Throttling, timeouts, and everything Google answers with a 5xx. */
const TRANSIENT = new Set<Status>([
  Status.CANCELLED,
  Status.UNKNOWN,
  Status.DEADLINE_EXCEEDED,
  Status.RESOURCE_EXHAUSTED,
  Status.ABORTED,
  Status.UNIMPLEMENTED,
  Status.INTERNAL,
  Status.UNAVAILABLE,
  Status.DATA_LOSS,
]);

/** The call's status code; undefined when it has none (the connection failed or timed out). */
// google-auth-library's only sign that ADC found nothing: no metadata server, file or gcloud login.
const NO_CREDENTIALS = /Could not load the default credentials/;

export function statusOf(err: unknown): Status | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' && Status[code] !== undefined ? code : undefined;
}

export function gcpStoreError(err: unknown, permission: string, name: string, project: string): StoreError {
  const code = statusOf(err);
  const where = `${permission} on ${name} in project ${project}`;
  if (code === Status.PERMISSION_DENIED) {
    return new StoreError(
      'access_denied',
      `${STORE}: access denied to ${where} (grant it to the service account)`,
      {
        cause: err,
      },
    );
  }
  if (code === undefined && NO_CREDENTIALS.test(String((err as Error | null)?.message))) {
    return new StoreError(
      'access_denied',
      `${STORE}: no Application Default Credentials to call ${where} (on Cloud Run the function's service account; elsewhere \`gcloud auth application-default login\` or GOOGLE_APPLICATION_CREDENTIALS)`,
      { cause: err },
    );
  }
  if (code === Status.UNAUTHENTICATED) {
    return new StoreError(
      'access_denied',
      `${STORE}: credentials rejected calling ${where} (check Application Default Credentials)`,
      { cause: err },
    );
  }
  if (code === undefined || TRANSIENT.has(code)) {
    return new StoreError(
      'unavailable',
      `${STORE}: Secret Manager unavailable for ${where} (${reason(err)})`,
      {
        cause: err,
      },
    );
  }
  return new StoreError('invalid', `${STORE}: Secret Manager refused ${where} (${reason(err)})`, {
    cause: err,
  });
}

/** What went wrong, in words safe to log: Google's status name, or the network error's code. */
function reason(err: unknown): string {
  const code = statusOf(err);
  if (code !== undefined) return Status[code];
  const { code: netCode, name } = (err ?? {}) as { code?: unknown; name?: unknown };
  if (typeof netCode === 'string') return netCode;
  return typeof name === 'string' ? name : 'error';
}
