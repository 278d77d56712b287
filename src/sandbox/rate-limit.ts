/**
 * Jira Cloud's rate-limit headers, computed from what the sandbox has served: a per-second burst
 * budget (the legacy `X-RateLimit-*`) and an hourly points quota (the 2026 `Beta-RateLimit*`).
 * Informational only: the sandbox answers 429 when a test injects one, never on its own.
 */

const BURST_LIMIT = 350;
const QUOTA = 65_000;
const QUOTA_WINDOW_S = 3600;
const POLICY = 'tenant-app-quota';

/** Jira's reset format: `yyyy-MM-ddTHH:mmZ`. */
const resetTime = (ms: number) => `${new Date(ms).toISOString().slice(0, 16)}Z`;

export class RateMeter {
  #second = -1;
  #burstUsed = 0;
  #window = -1;
  #pointsUsed = 0;

  constructor(private readonly now: () => number) {}

  /** Counts one call and returns the headers of a normal answer. */
  count(): Record<string, string> {
    const now = this.now();
    const second = Math.floor(now / 1000);
    if (second !== this.#second) {
      this.#second = second;
      this.#burstUsed = 0;
    }
    this.#burstUsed++;
    const remaining = Math.max(0, BURST_LIMIT - this.#burstUsed);
    return {
      'x-ratelimit-limit': String(BURST_LIMIT),
      'x-ratelimit-remaining': String(remaining),
      'x-ratelimit-nearlimit': String(remaining < BURST_LIMIT * 0.2),
      ...this.#quota(now, 1),
    };
  }

  /** The headers of an injected 429. */
  limited(retryAfterSeconds: number): Record<string, string> {
    const now = this.now();
    return {
      'retry-after': String(retryAfterSeconds),
      'x-ratelimit-limit': String(BURST_LIMIT),
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': resetTime(now + retryAfterSeconds * 1000),
      'x-ratelimit-nearlimit': 'true',
      'ratelimit-reason': 'jira-burst-based',
      ...this.#quota(now, 0),
    };
  }

  #quota(now: number, points: number): Record<string, string> {
    const window = Math.floor(now / 1000 / QUOTA_WINDOW_S);
    if (window !== this.#window) {
      this.#window = window;
      this.#pointsUsed = 0;
    }
    this.#pointsUsed += points;
    const left = Math.max(0, QUOTA - this.#pointsUsed);
    const resetIn = (window + 1) * QUOTA_WINDOW_S - Math.floor(now / 1000);
    return {
      'beta-ratelimit-policy': `"${POLICY}";q=${QUOTA};w=${QUOTA_WINDOW_S}`,
      'beta-ratelimit': `"${POLICY}";r=${left};t=${resetIn}`,
      'x-beta-ratelimit-nearlimit': String(left < QUOTA * 0.2),
    };
  }
}
