import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAgileClient, createCloudClient } from 'jira.js';
import { createClient } from 'jira.js/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  JIRA_SOFTWARE_SCOPES,
  PSOXY_SCOPES,
  SANDBOX_SITE,
  type Sandbox,
  startSandbox,
} from '../../src/sandbox';
import { FileStore } from '../../src/stores/file';
import { type CliRun, runCli } from '../helpers/cli';
import { sandboxConfig, seedFamily } from '../helpers/proxy';

/**
 * Issue 24: an analytics pipeline's incremental sync, as jira.js 6 (the TypeScript Jira client, a
 * pinned devDependency) runs it against `serve` with no auth of its own (the proxy adds it), on
 * `RULE_SET=jira-cloud,jira-software`; where jira.js has no method, fetch, as a pipeline would. Plus
 * the first calls of the Python `jira` client, which defaults to API version 2. Every call returns
 * data, every page is followed to the end, nothing is refused; the sandbox's log shows that each
 * request went upstream, POST bodies included.
 */

let sandbox: Sandbox;
let dir: string;
let serve: CliRun;
let base: string;

beforeAll(async () => {
  sandbox = await startSandbox();
  dir = await mkdtemp(join(tmpdir(), 'jtp-jirajs-'));
  const secretFile = join(dir, 'secrets.json');
  const config = sandboxConfig(sandbox, secretFile);
  await seedFamily(sandbox, new FileStore({ path: secretFile }), config, [
    ...PSOXY_SCOPES,
    ...JIRA_SOFTWARE_SCOPES,
  ]);
  serve = runCli(['serve', '--port', '0'], {
    SECRET_FILE: secretFile,
    ATLASSIAN_AUTH_URL: sandbox.url,
    ATLASSIAN_API_URL: sandbox.url,
    JIRA_CLOUD_ID: SANDBOX_SITE.id,
    RULE_SET: 'jira-cloud,jira-software',
  });
  base = (await serve.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/))[1] as string;
}, 60_000);

afterAll(async () => {
  serve?.proc.kill('SIGTERM');
  await serve?.done;
  await sandbox?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** What the proxy sent upstream since `from`: method and path, without the site prefix and query. */
function upstreamSince(from: number): string[] {
  return sandbox.requests
    .slice(from)
    .filter((r) => r.rawPath.startsWith('/ex/'))
    .map(
      (r) => `${r.method} ${(r.rawPath.split('?')[0] as string).replace(`/ex/jira/${SANDBOX_SITE.id}`, '')}`,
    );
}

async function json<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    ...init,
    headers: { accept: 'application/json', ...(init.body ? { 'content-type': 'application/json' } : {}) },
  });
  expect(res.status, `${init.method ?? 'GET'} ${path}: ${res.status}`).toBe(200);
  return (await res.json()) as T;
}

describe('jira.js 6 through serve: an incremental sync', { timeout: 60_000 }, () => {
  it('runs end to end: every call answers with data, pages followed to the end, nothing refused', async () => {
    const from = sandbox.requests.length;
    // no auth: the proxy holds the token; a schema mismatch would mean the sandbox is not Jira's shape
    const client = createClient({ host: base, onSchemaMismatch: 'throw' });
    const jira = createCloudClient(client);
    const agile = createAgileClient(client);

    // 1. the site and its metadata
    expect((await jira.serverInfo.getServerInfo()).deploymentType).toBe('Cloud');
    const fields = await jira.issueFields.getFields();
    expect(fields.some((f) => f.id === 'customfield_10020')).toBe(true);
    expect((await jira.workflowStatuses.getStatuses()).length).toBeGreaterThan(0);
    expect((await jira.issueTypes.getIssueAllTypes()).length).toBeGreaterThan(0);
    // jira.js has no list method for these two
    expect((await json<unknown[]>('/rest/api/3/priority')).length).toBeGreaterThan(0);
    expect((await json<unknown[]>('/rest/api/3/resolution')).length).toBeGreaterThan(0);

    // 2. users, paged to the end
    const users: string[] = [];
    for (let startAt = 0; ; startAt += 10) {
      const page = await jira.users.getAllUsers({ startAt, maxResults: 10 });
      users.push(...page.map((u) => u.accountId as string));
      if (page.length < 10) break;
    }
    expect(users.length).toBe(30);

    // 3. the issues changed since the last run: POST and GET search, each to the end
    const jql = 'updated >= "2025-01-01" ORDER BY created ASC';
    const { count } = await jira.issueSearch.countIssues({ jql });
    const viaPost: string[] = [];
    let nextPageToken: string | undefined;
    do {
      const page = await jira.issueSearch.searchAndReconsileIssuesUsingJqlPost({
        jql,
        fields: ['summary', 'status', 'updated'],
        maxResults: 25,
        nextPageToken,
      });
      viaPost.push(...(page.issues ?? []).map((i) => i.id as string));
      nextPageToken = page.nextPageToken ?? undefined;
    } while (nextPageToken);
    const viaGet: string[] = [];
    do {
      const page = await jira.issueSearch.searchAndReconsileIssuesUsingJql({
        jql,
        fields: ['summary'],
        maxResults: 40,
        nextPageToken,
      });
      viaGet.push(...(page.issues ?? []).map((i) => i.id as string));
      nextPageToken = page.nextPageToken ?? undefined;
    } while (nextPageToken);
    expect(viaPost.length).toBe(120);
    expect(viaGet).toEqual(viaPost);
    expect(count).toBe(viaPost.length);

    // 4. their changelogs, up to 1,000 issues per call, paged to the end
    const histories = new Map<string, number>();
    do {
      const page = await jira.issues.getBulkChangelogs({
        issueIdsOrKeys: viaPost,
        maxResults: 50,
        nextPageToken,
      });
      for (const log of page.issueChangeLogs ?? []) {
        histories.set(
          log.issueId as string,
          (histories.get(log.issueId as string) ?? 0) + (log.changeHistories?.length ?? 0),
        );
      }
      nextPageToken = page.nextPageToken ?? undefined;
    } while (nextPageToken);
    const total = [...histories.values()].reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(100);

    // 5. worklogs changed since the last run: ids by page (following `nextPage`), then the worklogs
    const worklogIds: number[] = [];
    for (let since = 0, last = false; !last; ) {
      const page = await jira.issueWorklogs.getIdsOfWorklogsModifiedSince({ since });
      worklogIds.push(...(page.values ?? []).map((v) => v.worklogId as number));
      last = page.lastPage ?? true;
      since = page.until as number;
    }
    expect(worklogIds.length).toBeGreaterThan(100);
    const deleted = await jira.issueWorklogs.getIdsOfWorklogsDeletedSince({ since: 0 });
    expect((deleted.values ?? []).length).toBeGreaterThan(0);
    const worklogs = await jira.issueWorklogs.getWorklogsForIds({ ids: worklogIds });
    expect(worklogs.map((w) => Number(w.id))).toEqual(worklogIds);

    // 6. boards, their sprints, and each sprint's issues in both forms
    const boards = await agile.board.getAllBoards({ maxResults: 50 });
    expect(boards.isLast).toBe(true);
    let sprintIssues = 0;
    for (const board of (boards.values ?? []).filter((b) => b.type === 'scrum')) {
      const sprints = await agile.board.getAllSprints({ boardId: board.id as number });
      expect(sprints.isLast).toBe(true);
      for (const s of sprints.values ?? []) {
        expect((await agile.sprint.getSprint({ sprintId: s.id as number })).name).toBe(s.name);
        const tokenPaged: string[] = [];
        do {
          const page = await agile.sprint.getIssuesForSprint({
            sprintId: s.id as number,
            maxResults: 10,
            nextPageToken,
          });
          tokenPaged.push(...(page.issues ?? []).map((i) => i.key as string));
          nextPageToken = page.nextPageToken ?? undefined;
        } while (nextPageToken);
        // the start-paged Agile form: no jira.js 6 method, fetch
        const startPaged: string[] = [];
        for (let startAt = 0, end = 1; startAt < end; startAt += 10) {
          const page = await json<{ issues: { key: string }[]; total: number }>(
            `/rest/agile/1.0/sprint/${s.id}/issue?startAt=${startAt}&maxResults=10`,
          );
          startPaged.push(...page.issues.map((i) => i.key));
          end = page.total;
        }
        expect(startPaged).toEqual(tokenPaged);
        sprintIssues += tokenPaged.length;
      }
    }
    expect(sprintIssues).toBeGreaterThan(80);

    // every call went upstream as made, POSTs with their bodies
    const sent = upstreamSince(from);
    for (const call of [
      'GET /rest/api/3/serverInfo',
      'GET /rest/api/3/users/search',
      'POST /rest/api/3/search/jql',
      'GET /rest/api/3/search/jql',
      'POST /rest/api/3/search/approximate-count',
      'POST /rest/api/3/changelog/bulkfetch',
      'GET /rest/api/3/worklog/updated',
      'GET /rest/api/3/worklog/deleted',
      'POST /rest/api/3/worklog/list',
      'GET /rest/agile/1.0/board',
      'GET /rest/software/1.0/sprint/1/issue',
    ]) {
      expect(sent).toContain(call);
    }
    const bulk = sandbox.requests.slice(from).find((r) => r.rawPath.endsWith('/changelog/bulkfetch'));
    expect(JSON.parse(bulk?.body ?? '{}').issueIdsOrKeys).toHaveLength(120);
  });

  it("the Python jira client's first calls: serverInfo and search/jql in API version 2", async () => {
    const info = await json<{ deploymentType: string; versionNumbers: number[] }>('/rest/api/2/serverInfo');
    expect(info.deploymentType).toBe('Cloud');
    const page = await json<{ issues: { fields: { description: unknown } }[]; isLast: boolean }>(
      '/rest/api/2/search/jql?jql=project%20%3D%20ENG&fields=summary,description&maxResults=5',
    );
    expect(page.issues).toHaveLength(5);
    // v2 answers rich text as strings, not ADF
    expect(typeof page.issues[0]?.fields.description).toBe('string');
  });
});
