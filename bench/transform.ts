import { PSOXY_SCOPES, SANDBOX_CLIENT, SANDBOX_SITE, startSandbox } from '../src/sandbox';
import { compileTransform, type TransformSpec } from '../src/transforms';
import { JIRA_CLOUD_TRANSFORMS } from '../src/transforms/jira-cloud';
import { JIRA_SERVICE_MANAGEMENT_TRANSFORMS } from '../src/transforms/jira-service-management';
import { JIRA_SOFTWARE_TRANSFORMS } from '../src/transforms/jira-software';

/**
 * Pseudonymization throughput on the largest page of each pseudonymized set, and on Service
 * Management's other people pages: Jira Cloud's search, Jira Software's sprint issues and Service
 * Management's expanded requests, queue issues and organization users, each through its
 * allow-list. Each against its floor, parsing and serializing the same page, in short alternating
 * rounds. The sandbox serves no agile routes, so the sprint-issue page is its 100-issue search page
 * in the agile shape: each issue given the agile fields (sprint, closed sprints, epic, flag).
 */

const SEARCH_100 =
  '/rest/api/3/search/jql?jql=order%20by%20created&maxResults=100&fields=summary,description,status,created,updated,reporter,assignee,creator,comment,worklog';

const PAGES: {
  name: string;
  target: string;
  spec: TransformSpec;
  /** A POST's JSON body (the read-only POSTs). */
  body?: unknown;
  reshape?: (text: string) => string;
}[] = [
  { name: 'search/jql (100 issues)', target: SEARCH_100, spec: JIRA_CLOUD_TRANSFORMS['search-jql'] },
  {
    name: 'bulk changelogs (1,000 issues)',
    target: '/rest/api/3/changelog/bulkfetch',
    // every issue of the sandbox, every history (its 120 issues hold about 260)
    body: { issueIdsOrKeys: Array.from({ length: 120 }, (_, i) => String(10001 + i)), maxResults: 10_000 },
    spec: JIRA_CLOUD_TRANSFORMS['changelog-bulkfetch'],
    reshape: asThousandIssues,
  },
  {
    name: 'agile sprint issues (100 issues)',
    target: SEARCH_100,
    spec: JIRA_SOFTWARE_TRANSFORMS['sprint-issue'],
    reshape: asSprintIssuePage,
  },
  {
    name: 'servicedesk requests (100, expanded)',
    target: '/rest/servicedeskapi/request?limit=100&expand=participant,requestType,status,sla,action,comment',
    spec: JIRA_SERVICE_MANAGEMENT_TRANSFORMS['jsm-requests'],
  },
  {
    name: 'servicedesk queue issues (50)',
    target: '/rest/servicedeskapi/servicedesk/1/queue/1/issue?limit=50',
    spec: JIRA_SERVICE_MANAGEMENT_TRANSFORMS['jsm-queue-issues'],
  },
  {
    name: 'servicedesk organization users (50)',
    target: '/rest/servicedeskapi/organization/1/user?limit=50',
    spec: JIRA_SERVICE_MANAGEMENT_TRANSFORMS['jsm-organization-users'],
  },
];

export interface TransformFigures {
  page: string;
  pageBytes: number;
  mbPerSecond: number;
  floorMbPerSecond: number;
  /** Median of the rounds' own floor / transform time. */
  ratio: number;
}

export async function benchTransform(): Promise<TransformFigures[]> {
  const sandbox = await startSandbox({});
  try {
    const token = await accessToken(sandbox.url, (redirectUri) =>
      sandbox.mintCode({
        scopes: [...PSOXY_SCOPES, 'read:servicedesk-request', 'manage:servicedesk-customer'],
        redirectUri,
      }),
    );
    // every page first: a measurement takes seconds, and a keep-alive socket left idle that long
    // is closed by the server under the next fetch
    const texts: string[] = [];
    for (const page of PAGES) {
      const res = await fetch(`${sandbox.url}/ex/jira/${SANDBOX_SITE.id}${page.target}`, {
        method: page.body === undefined ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: page.body === undefined ? undefined : JSON.stringify(page.body),
      });
      const text = await res.text();
      texts.push(page.reshape ? page.reshape(text) : text);
      if (!res.ok) throw new Error(`${page.name} answered ${res.status}`);
    }
    return PAGES.map((page, i) => ({ page: page.name, ...measure(texts[i] as string, page.spec) }));
  } finally {
    await sandbox.close();
  }
}

/**
 * A bulk changelog page for 1,000 issues, the most one call may ask for: the sandbox's 120 issues'
 * changelogs cycled over 1,000 issue ids (the same people recur, as on a real site).
 */
function asThousandIssues(text: string): string {
  const { issueChangeLogs } = JSON.parse(text) as { issueChangeLogs: { changeHistories: unknown[] }[] };
  const logs = Array.from({ length: 1000 }, (_, i) => ({
    issueId: String(10001 + i),
    changeHistories: (issueChangeLogs[i % issueChangeLogs.length] as { changeHistories: unknown[] })
      .changeHistories,
  }));
  return JSON.stringify({ issueChangeLogs: logs });
}

/** A search page as `/rest/agile/1.0/sprint/{id}/issue` answers: offset paged, with the agile fields. */
function asSprintIssuePage(text: string): string {
  const { issues } = JSON.parse(text) as { issues: { fields: Record<string, unknown> }[] };
  const sprint = (id: number) => ({
    id,
    self: `https://sandbox.atlassian.net/rest/agile/1.0/sprint/${id}`,
    state: 'closed',
    name: `Sprint ${id}`,
    startDate: '2025-03-01T09:00:00.000Z',
    endDate: '2025-03-14T17:00:00.000Z',
    completeDate: '2025-03-14T16:00:00.000Z',
    originBoardId: 1,
    goal: 'Ship the export',
  });
  for (const issue of issues) {
    Object.assign(issue.fields, {
      sprint: sprint(2),
      closedSprints: [sprint(1)],
      flagged: false,
      epic: {
        id: 10500,
        key: 'ENG-5',
        name: 'Export',
        summary: 'Export epic',
        color: { key: 'color_4' },
        done: false,
      },
    });
  }
  return JSON.stringify({
    expand: 'schema,names',
    startAt: 0,
    maxResults: 100,
    total: issues.length,
    issues,
  });
}

function measure(text: string, spec: TransformSpec): Omit<TransformFigures, 'page'> {
  const transform = compileTransform(spec);
  const pageBytes = Buffer.byteLength(text);
  // Parse and serialise are part of the cost the proxy pays per page; they alone are the floor.
  const rate = (once: () => string) => {
    let runs = 0;
    const started = performance.now();
    while (performance.now() - started < 400) {
      once();
      runs++;
    }
    return (pageBytes * runs) / ((performance.now() - started) / 1000) / 1e6;
  };
  const floor = () => JSON.stringify(JSON.parse(text));
  const ours = () => JSON.stringify(transform.apply(JSON.parse(text), 'bench-salt'));
  for (let i = 0; i < 20; i++) {
    floor();
    ours();
  }
  // Short alternating rounds, each compared with its own floor: the machine's speed drifts.
  const rounds = Array.from({ length: 6 }, () => ({ floor: rate(floor), ours: rate(ours) }));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  return {
    pageBytes,
    mbPerSecond: median(rounds.map((r) => r.ours)),
    floorMbPerSecond: median(rounds.map((r) => r.floor)),
    ratio: median(rounds.map((r) => r.floor / r.ours)),
  };
}

/** An access token for the sandbox's client through the authorization-code grant. */
async function accessToken(sandboxUrl: string, mintCode: (redirectUri: string) => string): Promise<string> {
  const redirectUri = 'http://localhost:8080/callback';
  const res = await fetch(`${sandboxUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'authorization_code',
      client_id: SANDBOX_CLIENT.clientId,
      client_secret: SANDBOX_CLIENT.clientSecret,
      code: mintCode(redirectUri),
      redirect_uri: redirectUri,
    }),
  });
  if (!res.ok) throw new Error(`the sandbox's token endpoint answered ${res.status}`);
  return ((await res.json()) as { access_token: string }).access_token;
}
