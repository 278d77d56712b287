import { JIRA_SOFTWARE_SCOPES, PSOXY_SCOPES } from '../../src/sandbox';
import type { TestProxy } from '../helpers/proxy';
import { accessToken, type Captured, startPseudonymizingProxy, upstreamOf } from './capture';

/**
 * Issue 24's golden files: one call per pipeline endpoint of `jira-cloud-pseudonymized` and
 * `jira-software-pseudonymized` (POSTs with their bodies), the sandbox's original answer next to the
 * proxy's pseudonymized one, as capture.ts does for the GET endpoints of issue 9. `generate.ts`
 * writes them; `test/e2e-http/pseudonymized-pipeline.test.ts` replays them.
 */

export interface PipelineCase {
  method: 'GET' | 'POST';
  target: string;
  body?: unknown;
}

/** Golden name -> the call (`<endpoint id>` or `<endpoint id>-<variant>`). */
export const PIPELINE_CASES: Record<string, PipelineCase> = {
  'server-info': { method: 'GET', target: '/rest/api/2/serverInfo' },
  'users-search': { method: 'GET', target: '/rest/api/3/users/search?startAt=0&maxResults=20' },
  field: { method: 'GET', target: '/rest/api/3/field' },
  status: { method: 'GET', target: '/rest/api/3/status' },
  priority: { method: 'GET', target: '/rest/api/3/priority' },
  resolution: { method: 'GET', target: '/rest/api/3/resolution' },
  issuetype: { method: 'GET', target: '/rest/api/3/issuetype' },
  'search-jql-post': {
    method: 'POST',
    target: '/rest/api/3/search/jql',
    body: { jql: 'project = ENG ORDER BY created', fields: ['*all'], maxResults: 3 },
  },
  'search-jql-v2': {
    method: 'GET',
    target: '/rest/api/2/search/jql?jql=project%20%3D%20ENG%20ORDER%20BY%20created&fields=*all&maxResults=3',
  },
  'search-approximate-count': {
    method: 'POST',
    target: '/rest/api/3/search/approximate-count',
    body: { jql: 'project = ENG' },
  },
  'changelog-bulkfetch': {
    method: 'POST',
    target: '/rest/api/3/changelog/bulkfetch',
    body: { issueIdsOrKeys: ['ENG-1', 'OPS-1', 'DES-1', 'SUP-1', 'ENG-2'], maxResults: 12 },
  },
  'worklog-updated': { method: 'GET', target: '/rest/api/3/worklog/updated?since=0' },
  'worklog-deleted': { method: 'GET', target: '/rest/api/3/worklog/deleted?since=0' },
  'worklog-list': {
    method: 'POST',
    target: '/rest/api/3/worklog/list',
    body: { ids: [20024, 20033, 20025] },
  },
  board: { method: 'GET', target: '/rest/agile/1.0/board' },
  'board-sprint': { method: 'GET', target: '/rest/agile/1.0/board/1/sprint' },
  sprint: { method: 'GET', target: '/rest/agile/1.0/sprint/4' },
  'sprint-issue': { method: 'GET', target: '/rest/agile/1.0/sprint/4/issue?maxResults=3' },
  'software-sprint-issue': { method: 'GET', target: '/rest/software/1.0/sprint/4/issue?maxResults=3' },
};

/** A proxy on both pseudonymized sets, its family granted Jira Software's scopes too. */
export function startPipelineProxy(salt: string, opts: Parameters<typeof startPseudonymizingProxy>[1] = {}) {
  return startPseudonymizingProxy(salt, {
    ...opts,
    scopes: [...PSOXY_SCOPES, ...JIRA_SOFTWARE_SCOPES],
    env: { RULE_SET: 'jira-cloud-pseudonymized,jira-software-pseudonymized', ...opts.env },
  });
}

/** Every pipeline case through the proxy, and directly from the sandbox. */
export async function capturePipeline(proxy: TestProxy): Promise<Captured[]> {
  const token = await accessToken(proxy);
  const out: Captured[] = [];
  for (const [endpoint, c] of Object.entries(PIPELINE_CASES)) {
    const init = (headers: Record<string, string>): RequestInit => ({
      method: c.method,
      headers: c.body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      body: c.body === undefined ? undefined : JSON.stringify(c.body),
    });
    const before = proxy.sandbox.requests.length;
    const res = await fetch(`${proxy.url}${c.target}`, init({}));
    const body = await res.text();
    if (res.status !== 200) throw new Error(`${endpoint}: the proxy answered ${res.status} ${body}`);
    const reached = proxy.sandbox.requests.slice(before).filter((r) => r.rawPath !== '/oauth/token');
    const upstream = reached.map((r) => `${r.method} ${r.rawPath}${r.body ? ` ${r.body}` : ''}`).join(' ');
    const direct = await fetch(
      `${proxy.sandbox.url}${upstreamOf(c.target)}`,
      init({ authorization: `Bearer ${token}` }),
    );
    if (direct.status !== 200) throw new Error(`${endpoint}: the sandbox answered ${direct.status}`);
    out.push({
      endpoint,
      request: `${c.method} ${c.target}${c.body === undefined ? '' : ` ${JSON.stringify(c.body)}`}`,
      upstream,
      original: await direct.json(),
      pseudonymized: JSON.parse(body),
      body,
    });
  }
  return out;
}
