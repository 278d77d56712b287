/**
 * Jira Cloud's rate limits, computed from what the sandbox has served: a per-second burst budget
 * (the legacy `X-RateLimit-*`) and an hourly points quota (the 2026 `Beta-RateLimit*`). By default
 * informational only: the sandbox answers 429 when a test injects one. Given limits
 * (`SANDBOX_RATE_LIMIT`, parsed here), it enforces them the way Atlassian does, one point a call:
 * a spent quota answers every call 429 `jira-quota-tenant-based` (or `-global-based`) until its
 * window turns, an exceeded burst answers 429 `jira-burst-based` for the rest of the second.
 */

const BURST_LIMIT = 350;
const QUOTA = 65_000;
const QUOTA_WINDOW_S = 3600;
const BURST_REASON = 'jira-burst-based';

/** A limit the sandbox enforces: `quota-tenant:N[/SECONDS]`, `quota-global:N[/SECONDS]`, `burst:N`. */
export interface SandboxRateLimit {
  kind: 'quota-tenant' | 'quota-global' | 'burst';
  /** Calls per window (burst: per second). */
  limit: number;
  /** Quota window in seconds, aligned on the epoch as Atlassian's hours are; default 3600. */
  windowSeconds: number;
}

const QUOTA_NAMES = {
  'quota-tenant': { reason: 'jira-quota-tenant-based', policy: 'tenant-app-quota' },
  'quota-global': { reason: 'jira-quota-global-based', policy: 'global-app-quota' },
} as const;

const SPEC = /^(quota-tenant|quota-global|burst):([1-9]\d{0,8})(?:\/([1-9]\d{0,5}))?$/;

/** Parses a comma list such as `quota-tenant:20/60,burst:5`; throws saying what it allows. */
export function parseRateLimits(spec: string): SandboxRateLimit[] {
  const limits = spec
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part): SandboxRateLimit => {
      const m = SPEC.exec(part);
      if (!m || (m[1] === 'burst' && m[3]))
        throw new Error(
          `"${part}" is not a limit: use quota-tenant:N[/SECONDS], quota-global:N[/SECONDS] or burst:N`,
        );
      return {
        kind: m[1] as SandboxRateLimit['kind'],
        limit: Number(m[2]),
        windowSeconds: m[3] ? Number(m[3]) : QUOTA_WINDOW_S,
      };
    });
  if (
    limits.filter((l) => l.kind !== 'burst').length > 1 ||
    limits.filter((l) => l.kind === 'burst').length > 1
  )
    throw new Error('give at most one quota and one burst limit');
  return limits;
}

/** The limits in words, for the line a sandbox prints when it starts. */
export function describeRateLimits(limits: SandboxRateLimit[]): string {
  return limits
    .map((l) =>
      l.kind === 'burst'
        ? `burst ${l.limit} calls a second (429 jira-burst-based)`
        : `${l.kind} quota ${l.limit} calls per ${l.windowSeconds} s (429 ${QUOTA_NAMES[l.kind].reason} until the window turns)`,
    )
    .join(', ');
}

/** Jira's reset format: `yyyy-MM-ddTHH:mmZ`. */
const resetTime = (ms: number) => `${new Date(ms).toISOString().slice(0, 16)}Z`;

export class RateMeter {
  #second = -1;
  #burstUsed = 0;
  #window = -1;
  #pointsUsed = 0;
  readonly #burstLimit: number;
  readonly #quota: { limit: number; windowSeconds: number; reason: string; policy: string };
  readonly #enforced: { burst: boolean; quota: boolean };

  constructor(
    private readonly now: () => number,
    limits: SandboxRateLimit[] = [],
  ) {
    const burst = limits.find((l) => l.kind === 'burst');
    const quota = limits.find((l) => l.kind !== 'burst');
    this.#burstLimit = burst?.limit ?? BURST_LIMIT;
    this.#quota = quota
      ? {
          limit: quota.limit,
          windowSeconds: quota.windowSeconds,
          ...QUOTA_NAMES[quota.kind as 'quota-tenant'],
        }
      : { limit: QUOTA, windowSeconds: QUOTA_WINDOW_S, ...QUOTA_NAMES['quota-tenant'] };
    this.#enforced = { burst: Boolean(burst), quota: Boolean(quota) };
  }

  /** Counts one call and returns the headers of a normal answer. */
  count(): Record<string, string> {
    const now = this.now();
    this.#roll(now);
    this.#burstUsed++;
    this.#pointsUsed++;
    const remaining = Math.max(0, this.#burstLimit - this.#burstUsed);
    return {
      'x-ratelimit-limit': String(this.#burstLimit),
      'x-ratelimit-remaining': String(remaining),
      'x-ratelimit-nearlimit': String(remaining < this.#burstLimit * 0.2),
      ...this.#quotaHeaders(now),
    };
  }

  /**
   * The headers of a 429 when an enforced limit is spent (the call costs nothing), else undefined.
   * The quota first: while it is spent, every call is refused whatever the burst.
   */
  refusal(): Record<string, string> | undefined {
    const now = this.now();
    this.#roll(now);
    if (this.#enforced.quota && this.#pointsUsed >= this.#quota.limit) {
      const resetIn = this.#resetIn(now);
      return {
        ...this.limited(resetIn, this.#quota.reason),
        'beta-retry-after': String(resetIn),
        'x-beta-ratelimit-reason': this.#quota.reason,
        'x-beta-ratelimit-reset': resetTime(now + resetIn * 1000),
      };
    }
    if (this.#enforced.burst && this.#burstUsed >= this.#burstLimit) return this.limited(1, BURST_REASON);
    return undefined;
  }

  /** The headers of a 429: an injected one (a burst unless a reason is given), or an enforced limit's. */
  limited(retryAfterSeconds: number, reason = BURST_REASON): Record<string, string> {
    const now = this.now();
    this.#roll(now);
    return {
      'retry-after': String(retryAfterSeconds),
      'x-ratelimit-limit': String(this.#burstLimit),
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': resetTime(now + retryAfterSeconds * 1000),
      'x-ratelimit-nearlimit': 'true',
      'ratelimit-reason': reason,
      ...this.#quotaHeaders(now),
    };
  }

  #roll(now: number): void {
    const second = Math.floor(now / 1000);
    if (second !== this.#second) {
      this.#second = second;
      this.#burstUsed = 0;
    }
    const window = Math.floor(now / 1000 / this.#quota.windowSeconds);
    if (window !== this.#window) {
      this.#window = window;
      this.#pointsUsed = 0;
    }
  }

  #resetIn(now: number): number {
    return (this.#window + 1) * this.#quota.windowSeconds - Math.floor(now / 1000);
  }

  #quotaHeaders(now: number): Record<string, string> {
    const { limit, windowSeconds, policy } = this.#quota;
    const left = Math.max(0, limit - this.#pointsUsed);
    return {
      'beta-ratelimit-policy': `"${policy}";q=${limit};w=${windowSeconds}`,
      'beta-ratelimit': `"${policy}";r=${left};t=${this.#resetIn(now)}`,
      'x-beta-ratelimit-nearlimit': String(left < limit * 0.2),
    };
  }
}
