/**
 * Every metric the proxy emits, one meaning each. The log lines carry these names
 * (`{"metric": name, "value": n}`); the infra stacks build their log-based metrics, alarms and
 * dashboards from this same list, so a renamed metric cannot leave an alarm watching nothing.
 */
export const METRIC = {
  /** One per successful refresh (the refresh token rotated). */
  refresh: 'tokenRefresh',
  /** One per failed refresh (after its retries), whatever the cause. */
  refreshFailure: 'tokenRefreshFailure',
  /** Atlassian rejected the refresh token (invalid_grant, unauthorized_client): the family is dead. */
  refreshRejected: 'tokenRefreshRejected',
  /** A rotated refresh token could not be saved (after the store's own retries); it is held in memory. */
  writeBackFailure: 'writeBackFailure',
  /** One more failed attempt to save a held refresh token (the background loop, or the next request). */
  writeBackRetry: 'writeBackRetry',
  /** A request answered store_unavailable. */
  storeUnavailable: 'storeUnavailable',
  /** Days left of the family's 365; on every refresh and every scheduled run. */
  daysLeft: 'tokenFamilyDaysLeft',
  /** Time a request waited for another instance's refresh. */
  lockWaitMs: 'lockWaitMs',
  /** Jira rejected a token that was just issued: refreshing again would not help (site access, scopes). */
  upstreamRejected: 'upstreamTokenRejected',
  /** One per 429 from Atlassian, by `reason` (its RateLimit-Reason, `none` when it gave none). */
  rateLimited: 'upstreamRateLimited',
  /** One per request the proxy answered itself during a quota hold, by `reason` (src/quota-hold.ts). */
  quotaHeld: 'quotaHeldAnswer',
  /** A near-limit flag (under 20% of a budget left), by `header`; at most once a minute per header per instance. */
  nearLimit: 'upstreamNearLimit',
  /** At each quota hold: minutes from the first quota 429 of an unbroken run to this hold's reset. */
  quotaLimitedMinutes: 'quotaLimitedMinutes',
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];

/**
 * The field some metrics' log lines carry beside the value: the stacks make it a dimension (AWS,
 * beside the metric's total) or a label (GCP), so a dashboard can split the metric by it.
 */
export const METRIC_DIMENSION: Partial<Record<MetricName, string>> = {
  [METRIC.rateLimited]: 'reason',
  [METRIC.quotaHeld]: 'reason',
  [METRIC.nearLimit]: 'header',
};
