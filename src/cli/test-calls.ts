import { NO_CREDENTIALS } from '../stores/aws-errors';
import { fetchCause } from '../tokens/atlassian';

/**
 * `test-calls --url`: the health check and the example API calls against a deployed proxy,
 * signed the way its platform requires (SigV4 for a Lambda function URL, a Google ID token for a
 * Cloud Function), printed as a table.
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

type Signer = (url: URL) => Promise<Record<string, string>>;

const LAMBDA_URL = /^[a-z0-9]+\.lambda-url\.([a-z0-9-]+)\.on\.aws$/;
const GCP_URL = /(\.cloudfunctions\.net|\.run\.app)$/;

export async function testCalls(flags: TestCallsFlags): Promise<void> {
  const base = proxyUrl(flags.url);
  const sign = await signerFor(base, flags);
  const results: CallResult[] = [];
  const call = async (name: string, path: string) => {
    const url = new URL(base.pathname.replace(/\/$/, '') + path, base);
    const started = performance.now();
    try {
      const res = await fetch(url, { headers: { accept: 'application/json', ...(await sign(url)) } });
      const body = Buffer.from(await res.arrayBuffer());
      results.push({
        call: name,
        status: res.status,
        ms: Math.round(performance.now() - started),
        bytes: body.length,
        headroom: headroom(res.headers),
      });
      return res.ok ? body : undefined;
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
  await call('users', '/rest/api/3/users?startAt=0&maxResults=5');
  await call('groups', '/rest/api/3/group/bulk?startAt=0&maxResults=5');
  const page = await call(
    'search/jql',
    '/rest/api/3/search/jql?jql=order%20by%20created%20DESC&maxResults=5&fields=summary',
  );
  const issueId = page
    ? (JSON.parse(page.toString('utf8')) as { issues?: { id?: string }[] }).issues?.[0]?.id
    : undefined;
  if (issueId) {
    for (const part of ['changelog', 'comment', 'worklog']) {
      await call(
        `issue ${part}`,
        `/rest/api/3/issue/${encodeURIComponent(issueId)}/${part}?startAt=0&maxResults=5`,
      );
    }
  } else {
    results.push({
      call: 'issue changelog/comment/worklog',
      status: 'skipped: no issue found',
      ms: 0,
      bytes: 0,
      headroom: '-',
    });
  }
  await call('projects', '/rest/api/3/project/search?startAt=0&maxResults=5');

  console.table(results);
  const failed = results.filter((r) => (typeof r.status === 'number' ? r.status >= 300 : !skipped(r)));
  if (failed.length) {
    throw new Error(
      `${failed.length} of ${results.filter((r) => !skipped(r)).length} calls failed (${failed.map((f) => f.call).join(', ')})`,
    );
  }
}

const skipped = (r: CallResult) => typeof r.status === 'string' && r.status.startsWith('skipped');

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
  return async (url) => {
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = v;
    const signed = await signer.sign({
      method: 'GET',
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query,
      headers: { host: url.host, accept: 'application/json' },
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
