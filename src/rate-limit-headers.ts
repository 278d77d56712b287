/**
 * What Atlassian's rate-limit headers say (docs/RULES.md#rate-limits): which limit a 429 hit, when
 * it resets, and whether a budget is nearly spent. Pure functions over lower-case header names, as
 * src/forward.ts passes them on; the quota hold (src/quota-hold.ts) and `status --live` read them.
 */

/** `RateLimit-Reason` values that mean the hourly points quota is spent: pause until the reset. */
export const QUOTA_REASONS: readonly string[] = ['jira-quota-global-based', 'jira-quota-tenant-based'];

/** The headers that describe a rate limit: a held answer repeats them as they were last seen. */
export const RATE_LIMIT_HEADER =
  /^(retry-after|beta-retry-after|ratelimit-reason|x-ratelimit-.+|beta-ratelimit.*|x-beta-ratelimit-.+)$/;

/** Relative headers (seconds from now): a held answer counts them down. */
export const RELATIVE_HEADERS = ['retry-after', 'beta-retry-after'] as const;

/** The near-limit flags: `true` when less than 20% of a budget is left. */
export const NEAR_LIMIT_HEADERS = ['x-ratelimit-nearlimit', 'x-beta-ratelimit-nearlimit'] as const;

/** Quotas reset on the hour, so no reset Atlassian gives can be further away than this. */
export const QUOTA_WINDOW_MS = 3_600_000;

type Headers = Record<string, string | undefined>;

/** The limit a 429 hit: `RateLimit-Reason`, or its beta twin when only that is sent. */
export function rateLimitReason(h: Headers): string | undefined {
  return h['ratelimit-reason']?.trim() || h['x-beta-ratelimit-reason']?.trim() || undefined;
}

export function isQuotaReason(reason: string | undefined): boolean {
  return reason !== undefined && QUOTA_REASONS.includes(reason.toLowerCase());
}

/**
 * When a quota 429 lets the app call again, epoch ms. Retry-After wins: Atlassian documents it as
 * the wait before reissuing the request, it is relative (no clock skew between Atlassian and this
 * instance), and `X-RateLimit-Reset` is only derived from it ("the request timestamp plus the
 * Retry-After period") and cut to the minute. `Beta-Retry-After` is its beta twin, used when
 * Retry-After is missing. Then the absolute `X-RateLimit-Reset` / `X-Beta-RateLimit-Reset`, when
 * they lie ahead (they have been seen pointing at the window's start). `Beta-RateLimit`'s `t=` is
 * not read: it has been seen off by many minutes. Without any of them, the top of the next hour,
 * when quotas reset; and never more than one quota window ahead, whatever a header says.
 */
export function quotaResetAt(h: Headers, now: number): number {
  const cap = now + QUOTA_WINDOW_MS;
  const relative = seconds(h['retry-after'], now) ?? seconds(h['beta-retry-after'], now);
  if (relative !== undefined) return Math.min(now + relative * 1000, cap);
  for (const name of ['x-ratelimit-reset', 'x-beta-ratelimit-reset']) {
    const at = Date.parse(h[name] ?? '');
    if (at > now) return Math.min(at, cap);
  }
  return Math.ceil((now + 1) / QUOTA_WINDOW_MS) * QUOTA_WINDOW_MS;
}

/** The near-limit headers that say `true`, by name. */
export function nearLimitHeaders(h: Headers): string[] {
  return NEAR_LIMIT_HEADERS.filter((name) => h[name]?.trim().toLowerCase() === 'true');
}

/** Jira's reset format, `yyyy-MM-ddTHH:mmZ`, rounded up so it never names a minute still held. */
export function resetTime(ms: number): string {
  return `${new Date(Math.ceil(ms / 60_000) * 60_000).toISOString().slice(0, 16)}Z`;
}

/** A Retry-After value (whole seconds, or an HTTP date) as seconds from `now`; undefined when absent or unreadable. */
function seconds(value: string | undefined, now: number): number | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return Number(v);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - now) / 1000);
}
