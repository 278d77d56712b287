import { ProxyError } from './errors';
import { logger, metric } from './log';
import { METRIC } from './metric-names';
import {
  isQuotaReason,
  nearLimitHeaders,
  quotaResetAt,
  RATE_LIMIT_HEADER,
  RELATIVE_HEADERS,
  rateLimitReason,
  resetTime,
} from './rate-limit-headers';

/**
 * The quota hold, one per instance: once Atlassian answers 429 because an hourly points quota is
 * spent (`jira-quota-global-based`: the app's pool across all sites; `jira-quota-tenant-based`:
 * this site's tier; the proxy serves one site, so both stop all of its calls), every further call
 * would come back 429 and count against the app until the reset. So until then the instance sends
 * nothing upstream and answers callers itself: 429 `quota_exhausted`, with Retry-After counting
 * down and the rate-limit headers it last saw. A burst 429 (`jira-burst-based`, per endpoint, a
 * second or so) or `jira-per-issue-on-write` holds nothing: it goes back to the caller as it came.
 *
 * In memory only, never in the store: no store call is added to the request path, and each
 * instance learns the quota state from its own first 429 (one call per instance per hold). The
 * token endpoint is another service with its own limits: the scheduled refresh is not held.
 */

export interface QuotaState {
  /** True while this instance answers callers itself. */
  holding: boolean;
  /** The last quota 429 this instance saw: when, which limit, and the reset it was given (ISO). */
  lastQuotaLimited: { at: string; reason: string; until: string } | null;
}

/** A near-limit flag is counted at most once a minute per header per instance: it may ride on every answer. */
const NEAR_LIMIT_EVERY_MS = 60_000;

interface Hold {
  at: number;
  reason: string;
  until: number;
  /** The rate-limit headers of the 429, as Atlassian sent them. */
  headers: Record<string, string>;
}

export class QuotaHold {
  #last: Hold | undefined;
  /** Start of the current run of quota 429s (no other answer from Atlassian in between). */
  #limitedSince: number | undefined;
  readonly #nearLimitCounted = new Map<string, number>();

  constructor(private readonly now: () => number = () => Date.now()) {}

  /** Throws the held answer while a quota hold lasts; otherwise returns and the call may go upstream. */
  check(): void {
    const hold = this.#last;
    const now = this.now();
    if (!hold || now >= hold.until) return;
    metric(METRIC.quotaHeld, 1, { reason: hold.reason });
    const left = Math.ceil((hold.until - now) / 1000);
    const headers = { ...hold.headers };
    for (const name of RELATIVE_HEADERS) if (name in headers) headers[name] = String(left);
    headers['retry-after'] = String(left);
    headers['x-ratelimit-reset'] ??= resetTime(hold.until);
    throw new ProxyError(
      'quota_exhausted',
      `Atlassian's hourly points quota is spent (${hold.reason}); the proxy sends nothing to Jira ` +
        `until ${new Date(hold.until).toISOString()}: pause until then (Retry-After)`,
      headers,
    );
  }

  /** Reads an upstream answer's rate-limit headers (metrics, a new hold) and hands it on untouched. */
  observe<T extends { status: number; headers: Record<string, string> }>(res: T): T {
    const now = this.now();
    for (const header of nearLimitHeaders(res.headers)) {
      const counted = this.#nearLimitCounted.get(header);
      if (counted === undefined || now - counted >= NEAR_LIMIT_EVERY_MS) {
        this.#nearLimitCounted.set(header, now);
        metric(METRIC.nearLimit, 1, { header });
      }
    }
    if (res.status !== 429) {
      this.#limitedSince = undefined;
      return res;
    }
    const reason = rateLimitReason(res.headers);
    metric(METRIC.rateLimited, 1, { reason: reason ?? 'none' });
    if (!reason || !isQuotaReason(reason)) {
      this.#limitedSince = undefined;
      return res;
    }
    const until = quotaResetAt(res.headers, now);
    const headers = Object.fromEntries(
      Object.entries(res.headers).filter(([name]) => RATE_LIMIT_HEADER.test(name)),
    );
    // Answers in flight when the first 429 came may bring more: the latest reset holds.
    if (!this.#last || this.#last.until <= now || until > this.#last.until) {
      const since = this.#limitedSince ?? now;
      this.#limitedSince = since;
      this.#last = { at: now, reason, until, headers };
      metric(METRIC.quotaLimitedMinutes, Math.round((until - since) / 60_000));
      logger.warn('Atlassian quota spent: holding calls to Jira', {
        reason,
        until: new Date(until).toISOString(),
        limitedSince: new Date(since).toISOString(),
      });
    }
    return res;
  }

  state(): QuotaState {
    const hold = this.#last;
    if (!hold) return { holding: false, lastQuotaLimited: null };
    return {
      holding: this.now() < hold.until,
      lastQuotaLimited: {
        at: new Date(hold.at).toISOString(),
        reason: hold.reason,
        until: new Date(hold.until).toISOString(),
      },
    };
  }
}
