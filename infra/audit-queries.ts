import { AUDIT_MESSAGE } from '../src/log';

/**
 * The audit trail's queries (src/audit.ts writes `{"message":"audit",...}` lines), shown on both
 * dashboards and in docs/OPERATORS.md#the-audit-trail: who called which endpoint, how often,
 * with which answers and how many bytes.
 */

/** CloudWatch Logs Insights, over the function's log group. */
export function cloudWatchAuditQuery(logGroupName: string): string {
  return [
    `SOURCE '${logGroupName}'`,
    `filter message = "${AUDIT_MESSAGE}"`,
    'stats count(*) as requests, sum(bytes) as bytes_sent by caller, clientAddress, endpoint, status',
    'sort requests desc',
    'limit 100',
  ].join(' | ');
}

/** Cloud Logging, over the function's (Cloud Run service's) logs. */
export function cloudLoggingAuditFilter(serviceName: string): string {
  return `resource.type="cloud_run_revision" AND resource.labels.service_name="${serviceName}" AND jsonPayload.message="${AUDIT_MESSAGE}"`;
}
