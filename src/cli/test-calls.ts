import { NO_CREDENTIALS } from '../stores/aws-errors';
import { fetchCause } from '../tokens/atlassian';

/**
 * `test-calls --url`: the health check and the example API calls against a deployed proxy, the
 * read surface of an incremental sync included (metadata, search by POST, bulk changelogs, worklogs
 * changed since, and Jira Software's boards and sprints when the rule set has them), signed the way
 * its platform requires (SigV4 for a Lambda function URL, a Google ID token for a Cloud Function),
 * printed as a table.
 */

export interface TestCallsFlags {
  url: string;
  roleArn?: string;
  region?: string;
  sigv4?: boolean;
  impersonate?: string;
  idToken?: boolean;
}

interface CallResult {
  call: string;
  status: number | string;
  ms: number;
  bytes: number;
  headroom: string;
}

/** Headers that authenticate one request; a POST's body is part of what SigV4 signs. */
type Signer = (url: URL, method: string, body: string | undefined) => Promise<Record<string, string>>;

const LAMBDA_URL = /^[a-z0-9]+\.lambda-url\.([a-z0-9-]+)\.on\.aws$/;
const GCP_URL = /(\.cloudfunctions\.net|\.run\.app)$/;

export async function testCalls(flags: TestCallsFlags): Promise<void> {
  const base = proxyUrl(flags.url);
  const sign = await signerFor(base, flags);
  const results: CallResult[] = [];
  const skipped = new Set<string>();
  const skip = (call: string, why: string) => {
    skipped.add(call);
    results.push({ call, status: `skipped: ${why}`, ms: 0, bytes: 0, headroom: '-' });
  };
  /** One call; its body when it answered 2xx. `optional`: a rules refusal is a skip, not a failure. */
  const call = async (name: string, path: string, body?: unknown, optional = false) => {
    const url = new URL(base.pathname.replace(/\/$/, '') + path, base);
    const text = body === undefined ? undefined : JSON.stringify(body);
    const method = text === undefined ? 'GET' : 'POST';
    const started = performance.now();
    try {
      const res = await fetch(url, {
        method,
        headers: {
          accept: 'application/json',
          ...(text === undefined ? {} : { 'content-type': 'application/json' }),
          ...(await sign(url, method, text)),
        },
        body: text,
      });
      const bytes = Buffer.from(await res.arrayBuffer());
      if (optional && res.status === 403 && res.headers.get('x-psoxy-error') === 'BLOCKED_BY_RULES') {
        skip(name, 'not in the rule set');
        return undefined;
      }
      results.push({
        call: name,
        status: res.status,
        ms: Math.round(performance.now() - started),
        bytes: bytes.length,
        headroom: headroom(res.headers),
      });
      return res.ok ? (JSON.parse(bytes.toString('utf8')) as unknown) : undefined;
    } catch (err) {
      results.push({
        call: name,
        status: `${(err as Error).message} (${fetchCause(err)})`,
        ms: Math.round(performance.now() - started),
        bytes: 0,
        headroom: '-',
      });
      return undefined;
    }
  };

  await call('health', '/_health');
  await call('server info', '/rest/api/2/serverInfo');
  await call('users', '/rest/api/3/users?startAt=0&maxResults=5');
  await call('groups', '/rest/api/3/group/bulk?startAt=0&maxResults=5');
  await call('fields', '/rest/api/3/field');
  await call('statuses', '/rest/api/3/status');
  const page = (await call(
    'search/jql',
    '/rest/api/3/search/jql?jql=order%20by%20created%20DESC&maxResults=5&fields=summary',
  )) as { issues?: { id?: string }[] } | undefined;
  await call('search/jql POST', '/rest/api/3/search/jql', {
    jql: 'order by created DESC',
    fields: ['summary'],
    maxResults: 5,
  });
  await call('approximate count', '/rest/api/3/search/approximate-count', { jql: 'order by created DESC' });
  const issueIds = (page?.issues ?? []).flatMap((i) => (i.id ? [i.id] : []));
  const issueId = issueIds[0];
  if (issueId) {
    for (const part of ['changelog', 'comment', 'worklog']) {
      await call(
        `issue ${part}`,
        `/rest/api/3/issue/${encodeURIComponent(issueId)}/${part}?startAt=0&maxResults=5`,
      );
    }
    await call('bulk changelogs', '/rest/api/3/changelog/bulkfetch', {
      issueIdsOrKeys: issueIds,
      maxResults: 5,
    });
  } else {
    skip('issue changelog/comment/worklog', 'no issue found');
  }
  const updated = (await call('worklogs updated', '/rest/api/3/worklog/updated?since=0')) as
    | { values?: { worklogId?: number }[] }
    | undefined;
  const worklogIds = (updated?.values ?? []).slice(0, 5).flatMap((v) => (v.worklogId ? [v.worklogId] : []));
  if (worklogIds.length) await call('worklog list', '/rest/api/3/worklog/list', { ids: worklogIds });
  else skip('worklog list', 'no worklog changed');
  await call('projects', '/rest/api/3/project/search?startAt=0&maxResults=5');
  await jiraSoftware(call, skip);

  console.table(results);
  const failed = results.filter(
    (r) => !skipped.has(r.call) && (typeof r.status !== 'number' || r.status >= 300),
  );
  if (failed.length) {
    throw new Error(
      `${failed.length} of ${results.length - skipped.size} calls failed (${failed.map((f) => f.call).join(', ')})`,
    );
  }
}

type Call = (name: string, path: string, body?: unknown, optional?: boolean) => Promise<unknown>;

/** Boards, a board's sprints and a sprint's issues in both forms, when the rule set has them. */
async function jiraSoftware(call: Call, skip: (call: string, why: string) => void): Promise<void> {
  const boards = (await call('boards', '/rest/agile/1.0/board?maxResults=5&type=scrum', undefined, true)) as
    | { values?: { id?: number }[] }
    | undefined;
  const boardId = boards?.values?.[0]?.id;
  if (boardId === undefined) return;
  const sprints = (await call('board sprints', `/rest/agile/1.0/board/${boardId}/sprint?maxResults=5`)) as
    | { values?: { id?: number }[] }
    | undefined;
  const sprintId = sprints?.values?.[0]?.id;
  if (sprintId === undefined) return skip('sprint issues', 'no sprint found');
  await call('sprint issues', `/rest/agile/1.0/sprint/${sprintId}/issue?maxResults=5`);
  await call('sprint issues (token paged)', `/rest/software/1.0/sprint/${sprintId}/issue?maxResults=5`);
}

/** The --url value as a base URL; anything else is one line with what to type instead. */
function proxyUrl(given: string): URL {
  const trimmed = given.trim().replace(/\/+$/, '');
  // `localhost:8787` parses as a URL with scheme "localhost:", so the scheme is checked first.
  if (!/^https?:\/\//i.test(trimmed)) {
    throw new Error(
      /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)
        ? `--url ${given}: the proxy is reached over http:// or https:// only`
        : `--url ${given} has no http:// or https:// in front: try --url http://${trimmed}`,
    );
  }
  try {
    return new URL(trimmed);
  } catch {
    throw new Error(
      `--url ${given} is not a URL: give the proxy's address, e.g. --url http://localhost:8787`,
    );
  }
}

function headroom(h: Headers): string {
  const remaining = h.get('x-ratelimit-remaining');
  const limit = h.get('x-ratelimit-limit');
  if (remaining && limit) return `${remaining}/${limit}`;
  return h.get('beta-ratelimit') ?? '-';
}

async function signerFor(base: URL, flags: TestCallsFlags): Promise<Signer> {
  const lambda = LAMBDA_URL.exec(base.hostname);
  if (lambda || flags.sigv4 || flags.roleArn) {
    const region = flags.region ?? lambda?.[1] ?? process.env.AWS_REGION;
    if (!region) throw new Error('SigV4 needs a region: pass --region or set AWS_REGION');
    return sigv4Signer(region, flags.roleArn);
  }
  if (GCP_URL.test(base.hostname) || flags.idToken || flags.impersonate) {
    return googleIdTokenSigner(`${base.origin}${base.pathname}`.replace(/\/$/, ''), flags.impersonate);
  }
  return async () => ({});
}

async function sigv4Signer(region: string, roleArn: string | undefined): Promise<Signer> {
  const [{ SignatureV4 }, { Sha256 }, providers] = await Promise.all([
    import('@smithy/signature-v4'),
    import('@aws-crypto/sha256-js'),
    import('@aws-sdk/credential-providers'),
  ]);
  const credentials = roleArn
    ? providers.fromTemporaryCredentials({
        params: { RoleArn: roleArn, RoleSessionName: 'jira-token-proxy-test-calls' },
        clientConfig: { region },
      })
    : providers.fromNodeProviderChain();
  // Once, before any call: without credentials every row would fail with the same message.
  await credentials().catch((err: Error) => {
    throw new Error(
      err.name === 'CredentialsProviderError'
        ? `SigV4 signing for the Lambda function URL: ${NO_CREDENTIALS}`
        : `SigV4 signing for the Lambda function URL: ${err.message}`,
    );
  });
  const signer = new SignatureV4({ service: 'lambda', region, credentials, sha256: Sha256 });
  return async (url, method, body) => {
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = v;
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query,
      headers: {
        host: url.host,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body,
    });
    const { host: _host, ...headers } = signed.headers as Record<string, string>;
    return headers;
  };
}

async function googleIdTokenSigner(audience: string, impersonate: string | undefined): Promise<Signer> {
  const { GoogleAuth, Impersonated } = await import('google-auth-library');
  const auth = new GoogleAuth();
  if (impersonate) {
    const target = new Impersonated({
      sourceClient: await auth.getClient(),
      targetPrincipal: impersonate,
      targetScopes: ['https://www.googleapis.com/auth/cloud-platform'],
      lifetime: 600,
    });
    const token = await target.fetchIdToken(audience, { includeEmail: true });
    return async () => ({ authorization: `Bearer ${token}` });
  }
  const client = await auth.getIdTokenClient(audience);
  return async (url) => {
    const headers = await client.getRequestHeaders(url.toString());
    return { authorization: headers.get('authorization') ?? '' };
  };
}
