import { isQuotaReason, nearLimitHeaders, quotaResetAt, rateLimitReason } from '../rate-limit-headers';
import { fetchCause } from '../tokens/atlassian';
import type { AccessToken } from '../tokens/values';

/**
 * `status --live`: asks Atlassian about the stored access token, never about the refresh token.
 * A refresh from the CLI would race the proxies for the family (the fleet lock prevents a double
 * spend, but a CLI that cannot write the store, or is stopped at the wrong moment, takes the only
 * copy of the new refresh token with it, and the proxies' next refresh reuses the old one, which
 * ends the family once the 10-minute leeway has passed). So the live check reads only: the
 * sites the grant reaches (accessible-resources) and `/myself` on the family's site.
 *
 * The quota: a proxy's quota hold lives in that instance's memory (src/quota-hold.ts; its
 * `/_health` shows it), never in the store, so this process cannot read it. What it can tell is
 * what Atlassian says to the `/myself` call: a quota 429 (which quota, until when), or a near-limit
 * flag. Quotas are the app's and the site's, not an instance's, so that is the fleet's state too.
 */

export interface LiveReport {
  checked: boolean;
  /** Why not, when not checked. */
  reason: string | null;
  accessibleSites: string[];
  /** HTTP status of `/rest/api/3/myself` on the site, when asked. */
  myself: number | null;
  /** What Atlassian's rate-limit headers said on `/myself`, when asked. */
  rateLimit: { reason: string | null; until: string | null; nearLimit: string[] } | null;
}

export interface LiveResult {
  live: LiveReport;
  problems: string[];
  warnings: string[];
}

const BOOTSTRAP = '`npx jira-token-proxy bootstrap`';
/** A token this close to its expiry may die while it is checked. */
const MIN_VALIDITY_MS = 30_000;

export async function liveCheck(o: {
  apiUrl: string;
  access: AccessToken | undefined;
  cloudId: string | undefined;
  now: number;
}): Promise<LiveResult> {
  const out: LiveResult = {
    live: { checked: false, reason: null, accessibleSites: [], myself: null, rateLimit: null },
    problems: [],
    warnings: [],
  };
  if (!o.access || o.access.expiresAt - o.now < MIN_VALIDITY_MS) {
    out.live.reason = 'the stored access token has expired';
    out.warnings.push(
      'live check skipped: the stored access token has expired, and --live never spends the refresh token ' +
        '(the proxy owns it). Send one request through the proxy, or run `npx jira-token-proxy refresh` ' +
        '(it refreshes under the fleet lock, as a proxy would), then check again.',
    );
    return out;
  }
  const token = o.access.token;
  try {
    const sites = await get(`${o.apiUrl}/oauth/token/accessible-resources`, token);
    if (sites.status === 401 || sites.status === 403) {
      out.problems.push(
        `Atlassian rejects the stored access token (HTTP ${sites.status}): the family was revoked, or a ` +
          `newer token was not stored; if the proxy fails too, run ${BOOTSTRAP}`,
      );
      return { ...out, live: { ...out.live, checked: true } };
    }
    if (sites.status !== 200 || !Array.isArray(sites.body)) {
      out.warnings.push(`live check inconclusive: accessible-resources answered HTTP ${sites.status}`);
      return out;
    }
    out.live.checked = true;
    out.live.accessibleSites = (sites.body as { id?: unknown }[]).map((s) => String(s.id));
    if (!o.cloudId) return out;
    if (!out.live.accessibleSites.includes(o.cloudId)) {
      out.problems.push(
        `the grant no longer reaches site ${o.cloudId} (it reaches: ${out.live.accessibleSites.join(', ') || 'none'}): ` +
          `the consenting account lost access to it; run ${BOOTSTRAP} with an account of that site`,
      );
      return out;
    }
    const myself = await get(`${o.apiUrl}/ex/jira/${o.cloudId}/rest/api/3/myself`, token);
    out.live.myself = myself.status;
    // A 429 is said there, with the limit it hit.
    out.live.rateLimit = rateLimitFindings(out, myself.status, myself.headers, o.now);
    if (myself.status === 401 || myself.status === 403) {
      out.problems.push(
        `Jira rejects the token on site ${o.cloudId} (HTTP ${myself.status}): check the consenting ` +
          "account's access to the site and the app's Jira scopes",
      );
    } else if (myself.status !== 200 && myself.status !== 429) {
      out.warnings.push(`live check: /rest/api/3/myself answered HTTP ${myself.status}`);
    }
  } catch (err) {
    out.warnings.push(
      `live check failed: could not reach ${o.apiUrl} (${fetchCause(err)}); check ATLASSIAN_API_URL`,
    );
  }
  return out;
}

/** Atlassian's rate-limit headers on the `/myself` answer, as the report's fields and warnings. */
function rateLimitFindings(
  out: LiveResult,
  status: number,
  headers: Record<string, string>,
  now: number,
): NonNullable<LiveReport['rateLimit']> {
  const nearLimit = nearLimitHeaders(headers);
  if (status !== 429) {
    if (nearLimit.length)
      out.warnings.push(
        `Atlassian says less than 20% of a rate-limit budget is left (${nearLimit.join(', ')}): ` +
          'the quota may run out before the hour turns (docs/OPERATORS.md#quota-alarms)',
      );
    return { reason: null, until: null, nearLimit };
  }
  const reason = rateLimitReason(headers) ?? null;
  if (!isQuotaReason(reason ?? undefined)) {
    out.warnings.push(
      `live check: /rest/api/3/myself was rate limited (${reason ?? 'no reason given'}), a short burst limit: try again`,
    );
    return { reason, until: null, nearLimit };
  }
  const until = new Date(quotaResetAt(headers, now)).toISOString();
  out.warnings.push(
    `Atlassian's hourly points quota is spent (${reason}) until ${until}: proxies answer 429 quota_exhausted ` +
      'and send nothing to Jira until then (docs/OPERATORS.md#quota-alarms)',
  );
  return { reason, until, nearLimit };
}

async function get(
  url: string,
  token: string,
): Promise<{ status: number; body: unknown; headers: Record<string, string> }> {
  const res = await fetch(url, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    signal: AbortSignal.timeout(15_000),
  });
  const headers = Object.fromEntries(res.headers);
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text), headers };
  } catch {
    return { status: res.status, body: undefined, headers };
  }
}
