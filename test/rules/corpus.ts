/**
 * The request corpus for the rules, as data: the rules tests replay it through `decide`, and the
 * end-to-end test replays it through the running proxy and its sandbox (asserting that no hostile
 * request reaches the sandbox). Targets and upstreams hold the placeholder `{cloudId}`: fill it
 * with `fill(text, cloudId)` (`{CLOUDID}` is the same id upper-cased); `CLOUD_ID` is the one the
 * rules tests configure.
 */

export const CLOUD_ID = '0b8e6f2a-4c1d-4e5f-9a7b-3c2d1e0f9a8b';
/** A well-formed cloud id that is not the configured one. */
export const OTHER_CLOUD_ID = '7d3c2b1a-0f9e-4d8c-8b7a-6f5e4d3c2b1a';

export interface HostileRequest {
  method: string;
  target: string;
  why: string;
  /** What `decide` answers (the proxy's adapter may refuse earlier, still with a 4xx). */
  status: 400 | 403 | 414;
  /** Where `decide` refuses it: the canonical form (before any rule), or the rules themselves. */
  stage: 'canonical' | 'rules';
  /**
   * false when the target holds characters (controls, space, non-ASCII) an HTTP client will not put
   * on the wire as they are; an end-to-end replay skips these or expects the server to refuse them.
   */
  wire: boolean;
}

export interface LegitimateRequest {
  method: string;
  target: string;
  /** The canonical upstream path and query, under `ATLASSIAN_API_URL`. */
  upstream: string;
  endpointId: string;
}

export function fill(text: string, cloudId = CLOUD_ID): string {
  return text
    .replaceAll('{cloudId}', cloudId)
    .replaceAll('{CLOUDID}', cloudId.toUpperCase())
    .replaceAll('{otherCloudId}', OTHER_CLOUD_ID);
}

const J = '/ex/jira/{cloudId}';
const LONG_PATH = `/rest/api/3/${'a'.repeat(2100)}`;
const LONG_QUERY = `/rest/api/3/search/jql?jql=${'x'.repeat(8200)}`;
/** Short enough as sent by the caller, about 24 KB once each "(" is re-encoded as "%28". */
const LONG_ONCE_ENCODED = `/rest/api/3/search/jql?jql=${'('.repeat(8000)}`;
/** The longest query of "(" that still fits once encoded: `jql=` and 2729 x `%28` is 8191 characters. */
const FITS_ONCE_ENCODED = '('.repeat(2729);
const MANY_PARAMS = `/rest/api/3/users?${Array.from({ length: 65 }, (_, i) => `startAt=${i}`).join('&')}`;

type Row = [method: string, target: string, why: string, status?: 400 | 403 | 414];

/** Refused by the canonical form alone, before any rule is looked at. */
const CANONICAL_ROWS: Row[] = [
  // percent-encoding in the path: encoded dots, slashes, backslashes, needless and double encoding
  ['GET', '/rest/api/3/%2e%2e/users', 'encoded dot segment'],
  ['GET', '/rest/api/3/%2E%2E/users', 'encoded dot segment, upper-case'],
  ['GET', '/rest/api/3/%2e/users', 'encoded single dot segment'],
  ['GET', '/rest/api/3/users/%2e', 'trailing encoded dot'],
  ['GET', '/rest/api/3/.%2e/users', 'half-encoded dot segment'],
  ['GET', '/rest/api/3/group%2fbulk', 'encoded slash'],
  ['GET', '/rest/api/3/group%2Fbulk', 'encoded slash, upper-case'],
  ['GET', '/rest/api/3/group%5cbulk', 'encoded backslash'],
  ['GET', '/rest/api/3/group%5Cbulk', 'encoded backslash, upper-case'],
  ['GET', '/rest/api/3/group\\bulk', 'raw backslash'],
  ['GET', '/rest/api\\3/users', 'raw backslash between segments'],
  ['GET', '/rest/api/3/%75sers', 'needlessly encoded letter (matches only after decoding)'],
  ['GET', '/rest/api/%33/users', 'needlessly encoded version digit'],
  ['GET', '/rest/api/3/users%00', 'encoded NUL'],
  ['GET', '/rest/api/3/users%0d%0aX-Injected:%201', 'encoded CRLF header injection'],
  ['GET', '/rest/api/3/users%0A', 'encoded line feed'],
  ['GET', '/rest/api/3/%252e%252e/users', 'double-encoded dot segment'],
  ['GET', '/rest/api/3/group%252fbulk', 'double-encoded slash'],
  ['GET', '/rest/api/3/users%25', 'encoded percent sign'],
  ['GET', '/rest/api/3/%c3%a9', 'encoded UTF-8 in the path'],
  ['GET', '/rest/api/3/users%C0%AE', 'overlong UTF-8 dot'],
  ['GET', '/rest/api/3/%e2%80%ae/users', 'encoded right-to-left override'],
  ['GET', '/rest/api/3/users%ff', 'encoded byte 0xFF'],
  ['GET', '/rest/api/3/users%zz', 'malformed percent-escape', 400],
  ['GET', '/rest/api/3/users%2', 'truncated percent-escape', 400],
  ['GET', '/rest/api/3/%u002e%u002e/users', 'IIS-style %u escape', 400],
  ['GET', '/rest/api/3/issue/ABC-1%23/changelog', 'encoded #'],
  ['GET', '/rest/api/3/issue/ABC-1%3F/changelog', 'encoded ?'],
  ['GET', '/rest/api/3/users%3bx', 'encoded ;'],
  ['GET', '/rest/api/3/issue/..%2f..%2fusers/changelog', 'dots with encoded slashes in a parameter'],
  // dot segments
  ['GET', '/rest/api/3/../3/users', 'dot-dot segment'],
  ['GET', '/rest/api/3/./users', 'dot segment'],
  ['GET', '/rest/api/3/users/..', 'trailing dot-dot'],
  ['GET', '/rest/api/3/issue/ABC-1/../../users', 'dot-dot out of a parameter'],
  ['GET', '/rest/api/3/.../users', 'all-dots segment'],
  ['GET', `${J}/rest/api/3/../../../../oauth/token/accessible-resources`, 'dot-dot out of the site'],
  ['GET', `/ex/jira/{cloudId}/../{otherCloudId}/rest/api/3/users`, 'dot-dot to another site'],
  ['GET', `${J}/rest/api/3/issue/ABC-1/../../../../../../etc/passwd`, 'path traversal'],
  ['GET', '/_health/../rest/api/3/users', 'dot-dot from the health path'],
  // empty segments and trailing slashes
  ['GET', '/rest/api/3/users/', 'trailing slash'],
  ['GET', '//rest/api/3/users', 'leading double slash'],
  ['GET', '/rest//api/3/users', 'empty segment'],
  ['GET', '/rest/api/3//users', 'empty segment before the resource'],
  ['GET', `${J}//rest/api/3/users`, 'empty segment after the cloud id'],
  ['GET', '/oauth/token/accessible-resources/', 'trailing slash on the gateway path'],
  // matrix parameters and wildcards
  ['GET', '/rest/api/3/users;jsessionid=1', 'matrix parameter'],
  ['GET', '/rest/api/3;x=1/users', 'matrix parameter mid-path'],
  ['GET', '/rest/api/3/issue/ABC-1;/changelog', 'empty matrix parameter'],
  ['GET', '/rest/api/3/issue/ABC-1/changelog/..;/..;/users', 'Tomcat ..; traversal'],
  ['GET', '/rest/api/3/*', 'wildcard segment'],
  ['GET', '/rest/api/3/issue/*/changelog', 'wildcard parameter'],
  ['OPTIONS', '*', 'asterisk-form target'],
  // absolute-form, authority-form, fragments
  ['GET', 'http://evil.example/rest/api/3/users', 'absolute-form target'],
  ['GET', `https://api.atlassian.com${J}/rest/api/3/users`, 'absolute-form target to the real gateway'],
  ['GET', 'evil.example:443', 'authority-form target'],
  ['GET', '//evil.example/rest/api/3/users', 'scheme-relative target'],
  ['GET', '/\\evil.example/rest/api/3/users', 'backslash scheme-relative target'],
  ['GET', '/rest/api/3/users#fragment', 'fragment'],
  ['GET', '/rest/api/3/users?startAt=0#x', 'fragment after the query'],
  // raw characters no request line may hold
  ['GET', '/rest/api/3/users\u0000', 'raw NUL', 400],
  ['GET', '/rest/api/3/users\r\nX-Injected: 1', 'raw CRLF', 400],
  ['GET', '/rest/api/3/us ers', 'raw space', 400],
  ['GET', '/rest/api/3/us\u00e9rs', 'raw non-ASCII', 400],
  ['GET', '/rest/api/3/users\t', 'raw tab', 400],
  ['GET', '/rest/api/3/search/jql?jql=a b', 'raw space in the query', 400],
  ['GET', '/rest/api/3/\u202eusers', 'raw right-to-left override', 400],
  ['GET', '', 'empty target', 400],
  // the cloud id
  ['GET', '/ex/jira/{otherCloudId}/rest/api/3/users', 'another site'],
  ['GET', '/ex/jira/{otherCloudId}/rest/api/3/myself', 'another site, health path'],
  ['GET', '/ex/jira//rest/api/3/users', 'empty cloud id'],
  ['GET', '/ex/jira/{cloudId}x/rest/api/3/users', 'cloud id with a suffix'],
  ['GET', '/ex/jira/%7BcloudId%7D/rest/api/3/users', 'encoded braces as the cloud id'],
  ['GET', '/ex/jira/{cloudId}%2f..%2f{otherCloudId}/rest/api/3/users', 'encoded traversal to another site'],
  ['GET', '/ex/confluence/{cloudId}/wiki/rest/api/content', 'another product'],
  ['GET', `${J}/wiki/rest/api/content`, 'not a REST path under the site'],
  ['GET', `${J}/oauth/token/accessible-resources`, 'gateway path under the site'],
  ['GET', '/EX/jira/{cloudId}/rest/api/3/users', 'upper-case /EX'],
  ['GET', '/ex/JIRA/{cloudId}/rest/api/3/users', 'upper-case JIRA'],
  ['GET', '/ex/jira/{otherCloudId}/rest/api/3/%2e%2e/users', 'another site and an encoded dot segment'],
  // neither a Jira site path nor a gateway path (the last one also holds a matrix parameter)
  ['GET', '/', 'root'],
  ['GET', '/admin', 'unrelated path'],
  ['POST', `${J}/rest/api/3/users;x?startAt=0`, 'POST with a matrix parameter'],
  // the query: raw characters, encodings and sizes no rule is asked about
  ['GET', '/rest/api/3/users?startAt=0;maxResults=1', 'raw ; as a parameter separator'],
  ['GET', '/rest/api/3/users?start%41t=0', 'encoded parameter name'],
  ['GET', '/rest/api/3/users?startAt=%00', 'encoded NUL value'],
  ['GET', '/rest/api/3/search/jql?jql=project%3DA%0d%0aX-Evil:1', 'encoded CRLF in JQL'],
  ['GET', '/rest/api/3/search/jql?jql=%252e', 'double-encoded value'],
  ['GET', '/rest/api/3/search/jql?jql=a%E2%80%AEb', 'right-to-left override in JQL'],
  ['GET', '/rest/api/3/search/jql?jql=a%E2%80%8Bb', 'zero-width space in JQL'],
  ['GET', '/rest/api/3/search/jql?jql=%C3%28', 'invalid UTF-8', 400],
  ['GET', '/rest/api/3/search/jql?jql=%ZZ', 'malformed escape in the query', 400],
  ['GET', '/rest/api/3/search/jql?jql=a&&fields=key', 'empty parameter'],
  ['GET', '/rest/api/3/search/jql?jql=a&', 'trailing &'],
  ['GET', '/rest/api/3/search/jql?jql=a"b', 'raw double quote'],
  ['GET', '/rest/api/3/search/jql?jql=a<script>', 'raw angle brackets'],
  ['GET', '/rest/api/3/search/jql?jql=a|b', 'raw pipe'],
  ['GET', '/rest/api/3/search/jql?jql=a\\b', 'raw backslash in the query'],
  ['GET', '/rest/api/3/users?=1', 'empty parameter name'],
  ['GET', '/rest/api/3/users?startAt=1%C0%AE', 'overlong UTF-8 in a value', 400],
  ['GET', MANY_PARAMS, 'too many query parameters'],
  ['GET', LONG_QUERY, 'overlong query string', 414],
  ['GET', LONG_PATH, 'overlong path', 414],
];

/** Refused by the rules: canonical requests that no endpoint, method or parameter pattern allows. */
const RULE_ROWS: Row[] = [
  // paths outside the rules
  ['GET', '/rest/api/3/user?accountId=5b10a2844c20165700ede21g', 'single-user endpoint'],
  ['GET', '/rest/api/3/search?jql=project%3DA', 'removed search endpoint'],
  ['POST', '/rest/api/2/changelog/bulkfetch', 'bulk changelog is v3 only'],
  ['POST', '/rest/api/2/search/approximate-count', 'approximate count is v3 only'],
  ['GET', '/rest/api/2/issue/ABC-1', 'issue is v3 only'],
  ['GET', '/rest/api/2/issue/ABC-1/comment', 'comment is v3 only'],
  ['GET', '/rest/api/2/issue/ABC-1/worklog', 'worklog is v3 only'],
  ['GET', '/rest/api/4/users', 'unknown API version'],
  ['GET', '/rest/api/33/users', 'version parameter must be one digit'],
  ['GET', '/rest/api/latest/users', 'latest API version alias'],
  ['GET', '/rest/api/3/user/search?query=ana', 'user search by query'],
  ['GET', '/rest/api/3/field/search', 'paged field search'],
  ['GET', '/rest/api/3/statuses/search', 'workflow status search'],
  ['GET', '/rest/api/3/issue/ABC-1/attachments', 'attachments'],
  ['GET', '/rest/api/3/issue/ABC-1/comment/10000', 'a single comment'],
  ['GET', '/rest/api/3/issue/ABC-1/transitions', 'transitions'],
  ['GET', '/rest/api/3/issue/ABC/changelog', 'issue key without a number'],
  ['GET', '/rest/api/3/issue/-1/changelog', 'negative issue id'],
  ['GET', '/rest/api/3/issue/ABC-1:x/changelog', 'issue key with a suffix'],
  ['GET', '/rest/agile/1.0/board', 'Jira Software API'],
  ['GET', '/rest/servicedeskapi/request', 'Service Management API'],
  ['GET', '/oauth/token', 'token endpoint path'],
  ['GET', '/rest', 'bare /rest'],
  ['GET', '/rest/api/3', 'API root'],
  // methods
  ['POST', '/rest/api/3/users', 'POST'],
  ['PUT', '/rest/api/3/issue/ABC-1', 'PUT'],
  ['DELETE', '/rest/api/3/issue/ABC-1', 'DELETE'],
  ['PATCH', '/rest/api/3/myself', 'PATCH'],
  ['OPTIONS', '/rest/api/3/users', 'OPTIONS'],
  ['TRACE', '/rest/api/3/users', 'TRACE'],
  ['get', '/rest/api/3/users', 'lower-case method'],
  ['POST', '/oauth/token/accessible-resources', 'POST to the gateway path'],
  ['PUT', '/rest/api/3/search/jql', 'PUT on the search path'],
  ['DELETE', '/rest/api/3/search/jql', 'DELETE on the search path'],
  ['PATCH', '/rest/api/3/changelog/bulkfetch', 'PATCH on the bulk changelog path'],
  ['GET', '/rest/api/3/changelog/bulkfetch', 'GET on a POST-only read'],
  ['POST', '/rest/api/3/users/search', 'POST on a GET-only read'],
  ['DELETE', '/rest/api/3/worklog/list', 'DELETE on the worklog list'],
  ['POST', '/rest/api/3/worklog/updated', 'POST on worklogs changed since'],
  ['POST', '/rest/api/3/search/jql?jql=a', 'a GET parameter on a POST search'],
  ['POST', '/rest/api/3/worklog/list?expand=comment', 'expand value the POST does not allow'],
  // query parameters
  ['GET', '/rest/api/3/users?expand=groups', 'parameter the endpoint does not allow'],
  ['GET', '/rest/api/3/users?startAt=0&startAt=50', 'repeated parameter'],
  ['GET', '/rest/api/3/users?startAt=-1', 'negative startAt'],
  ['GET', '/rest/api/3/users?startAt=1e3', 'startAt not digits'],
  ['GET', '/rest/api/3/users?maxResults=100000', 'maxResults too long'],
  ['GET', '/rest/api/3/users?startAt=0%26expand%3Dgroups', 'encoded & smuggling a parameter'],
  ['GET', '/rest/api/3/search/jql?jql=a&jql=b', 'repeated JQL'],
  ['GET', '/rest/api/3/search/jql?expand=evil&jql=a', 'expand value not allowed on search'],
  ['GET', '/rest/api/3/worklog/updated?since=-1', 'negative since'],
  ['GET', '/rest/api/3/search/jql?jql=', 'empty JQL'],
  ['GET', '/rest/api/3/search/jql?nextPageToken=abc%20def', 'page token with a space'],
  ['GET', '/rest/api/3/myself?expand=groups,operations', 'expand option not allowed'],
  ['GET', '/rest/api/3/group/member?groupId=../../x', 'group id not a UUID'],
  ['GET', '/rest/api/3/group/member?includeInactiveUsers=yes', 'boolean not true/false'],
  ['GET', '/rest/api/3/issue/ABC-1?fields=summary&expand=renderedFields', 'expand on issue'],
  ['GET', '/rest/api/3/issue/ABC-1?fields=%3Cscript%3E', 'fields with markup'],
  ['GET', '/rest/api/3/users?startAt', 'parameter without a value'],
  ['GET', '/rest/api/3/users?startAt=0%230', 'encoded # in a value'],
  ['GET', '/oauth/token/accessible-resources?x=1', 'parameter on the gateway path'],
  // the length limit holds for what goes upstream, after re-encoding
  ['GET', LONG_ONCE_ENCODED, 'query string over the limit once re-encoded', 414],
  [
    'GET',
    `/rest/api/3/search/jql?jql=${FITS_ONCE_ENCODED}(`,
    'one character over the limit once re-encoded',
    414,
  ],
];

const OFF_WIRE = /[^\u0021-\u007e]/;

const hostile =
  (stage: HostileRequest['stage']) =>
  ([method, target, why, status = 403]: Row): HostileRequest => ({
    method,
    target,
    why,
    status,
    stage,
    wire: target !== '' && !OFF_WIRE.test(target),
  });

export const HOSTILE: HostileRequest[] = [
  ...CANONICAL_ROWS.map(hostile('canonical')),
  ...RULE_ROWS.map(hostile('rules')),
];

const VERSIONED: [id: string, path: string, query: string, upstreamQuery: string][] = [
  ['users', 'users', '?startAt=0&maxResults=50', '?startAt=0&maxResults=50'],
  ['users-search', 'users/search', '?startAt=100&maxResults=1000', '?startAt=100&maxResults=1000'],
  ['server-info', 'serverInfo', '', ''],
  ['field', 'field', '', ''],
  ['status', 'status', '', ''],
  ['priority', 'priority', '', ''],
  ['resolution', 'resolution', '', ''],
  ['issuetype', 'issuetype', '', ''],
  ['worklog-updated', 'worklog/updated', '?since=1735689600000', '?since=1735689600000'],
  ['worklog-updated', 'worklog/updated', '?since=0&expand=properties', '?since=0&expand=properties'],
  ['worklog-deleted', 'worklog/deleted', '?since=1735689600000', '?since=1735689600000'],
  [
    'search-jql',
    'search/jql',
    '?jql=project%3DENG&maxResults=100&expand=changelog,names&reconcileIssues=10001,10002',
    '?jql=project%3DENG&maxResults=100&expand=changelog,names&reconcileIssues=10001,10002',
  ],
  ['group-bulk', 'group/bulk', '?maxResults=100&startAt=200', '?maxResults=100&startAt=200'],
  [
    'group-member',
    'group/member',
    '?groupId=276f955c-63d7-42c8-9520-92d01dca0625&includeInactiveUsers=true&startAt=0&maxResults=50',
    '?groupId=276f955c-63d7-42c8-9520-92d01dca0625&includeInactiveUsers=true&startAt=0&maxResults=50',
  ],
  ['group-member', 'group/member', '?groupName=jira+users', '?groupName=jira%20users'],
  ['group-member', 'group/member', '?groupName=%C3%A9quipe%2Bops', '?groupName=%C3%A9quipe%2Bops'],
  [
    'issue-changelog',
    'issue/ABC-123/changelog',
    '?startAt=100&maxResults=100',
    '?startAt=100&maxResults=100',
  ],
  ['issue-changelog', 'issue/10001/changelog', '', ''],
  ['project-search', 'project/search', '?startAt=0&maxResults=50', '?startAt=0&maxResults=50'],
  ['myself', 'myself', '', ''],
  ['myself', 'myself', '?expand=groups,applicationRoles', '?expand=groups,applicationRoles'],
];

const V3_ONLY: [id: string, path: string, query: string, upstreamQuery: string][] = [
  [
    'search-jql',
    'search/jql',
    '?jql=project%20%3D%20ABC%20ORDER%20BY%20created&fields=summary,status&maxResults=100',
    '?jql=project%20%3D%20ABC%20ORDER%20BY%20created&fields=summary,status&maxResults=100',
  ],
  [
    'search-jql',
    'search/jql',
    '?jql=updated+%3E%3D+-1d&nextPageToken=Ch0jU3Ry%2Bn%2FQ%3D%3D&fields=*all',
    '?jql=updated%20%3E%3D%20-1d&nextPageToken=Ch0jU3Ry%2Bn%2FQ%3D%3D&fields=*all',
  ],
  [
    'search-jql',
    'search/jql',
    '?jql=summary%20~%20%22caf%c3%a9%22&fields=key&fields=-comment',
    '?jql=summary%20~%20%22caf%C3%A9%22&fields=key&fields=-comment',
  ],
  ['search-jql', 'search/jql', '?jql=text%20~%20%2250%25%22', '?jql=text%20~%20%2250%25%22'],
  ['issue', 'issue/ABC-1', '', ''],
  ['issue', 'issue/10001', '?fields=summary,customfield_10010', '?fields=summary,customfield_10010'],
  ['issue-comment', 'issue/ABC-1/comment', '?startAt=0&maxResults=50', '?startAt=0&maxResults=50'],
  ['issue-worklog', 'issue/PROJ_2-77/worklog', '?startAt=0', '?startAt=0'],
];

function legitimate(): LegitimateRequest[] {
  const rows: LegitimateRequest[] = [];
  const add = (endpointId: string, logical: string, query: string, upstreamQuery: string) => {
    const upstream = `${J}${logical}${upstreamQuery}`;
    rows.push({ method: 'GET', target: `${logical}${query}`, upstream, endpointId });
    rows.push({ method: 'GET', target: `${J}${logical}${query}`, upstream, endpointId });
  };
  for (const [id, path, query, upstreamQuery] of VERSIONED) {
    for (const version of ['2', '3']) add(id, `/rest/api/${version}/${path}`, query, upstreamQuery);
  }
  for (const [id, path, query, upstreamQuery] of V3_ONLY)
    add(id, `/rest/api/3/${path}`, query, upstreamQuery);
  rows.push({
    method: 'GET',
    target: '/oauth/token/accessible-resources',
    upstream: '/oauth/token/accessible-resources',
    endpointId: 'accessible-resources',
  });
  rows.push({
    method: 'GET',
    target: '/ex/jira/{CLOUDID}/rest/api/3/users',
    upstream: `${J}/rest/api/3/users`,
    endpointId: 'users',
  });
  rows.push({
    method: 'HEAD',
    target: '/rest/api/3/myself',
    upstream: `${J}/rest/api/3/myself`,
    endpointId: 'myself',
  });
  return rows;
}

export const LEGITIMATE: LegitimateRequest[] = legitimate();
