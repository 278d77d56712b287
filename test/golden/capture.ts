import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SANDBOX_SITE } from '../../src/sandbox';
import { secretNames } from '../../src/secrets';
import { startProxy, type TestProxy } from '../helpers/proxy';

/**
 * Issue 9's golden files: one call per endpoint of `jira-cloud-pseudonymized`, the sandbox's
 * original answer (fetched directly with the proxy's token) next to the proxy's pseudonymized one.
 * `generate.ts` writes them once; `test/e2e-http/pseudonymized.test.ts` replays the calls.
 */

export const GOLDEN_DIR = dirname(fileURLToPath(import.meta.url));
export const GOLDEN_SALT = 'golden-salt:jira-token-proxy:e2e';

/** Endpoint id -> the target a caller sends (ENG-1 is the sandbox's richest issue). */
export const CASES: Record<string, string> = {
  users: '/rest/api/3/users?startAt=0&maxResults=50',
  'group-bulk': '/rest/api/3/group/bulk?maxResults=50',
  'group-member': '/rest/api/3/group/member?groupName=engineering&includeInactiveUsers=true',
  'search-jql':
    '/rest/api/3/search/jql?jql=project%20%3D%20ENG%20ORDER%20BY%20created&fields=*all&maxResults=3',
  issue: '/rest/api/3/issue/ENG-1',
  'issue-changelog': '/rest/api/3/issue/ENG-1/changelog',
  'issue-comment': '/rest/api/3/issue/ENG-1/comment',
  'issue-worklog': '/rest/api/3/issue/ENG-1/worklog',
  'project-search': '/rest/api/3/project/search',
  myself: '/rest/api/3/myself',
  'accessible-resources': '/oauth/token/accessible-resources',
};

export interface Golden {
  endpoint: string;
  request: string;
  /** The target the sandbox received, byte for byte. */
  upstream: string;
  original: unknown;
  pseudonymized: unknown;
}

export interface Captured extends Golden {
  /** The proxy's body exactly as sent. */
  body: string;
}

export const goldenFile = (endpoint: string) => join(GOLDEN_DIR, `${endpoint}.json`);
export const readGolden = (endpoint: string): Golden =>
  JSON.parse(readFileSync(goldenFile(endpoint), 'utf8')) as Golden;

export const upstreamOf = (target: string) =>
  target.startsWith('/oauth/') ? target : `/ex/jira/${SANDBOX_SITE.id}${target}`;

/**
 * A proxy on `jira-cloud-pseudonymized` with `salt` in the store's SALT secret. The bootstrap draws a
 * salt of its own when none is stored; `undefined` overwrites it with Psoxy's Terraform placeholder,
 * which the stores read as missing: a salt never set.
 */
export async function startPseudonymizingProxy(
  salt: string | undefined,
  opts: Parameters<typeof startProxy>[0] = {},
): Promise<TestProxy> {
  const proxy = await startProxy({
    ...opts,
    env: { RULE_SET: 'jira-cloud-pseudonymized', ...opts.env },
  });
  await proxy.store.write(secretNames(proxy.config.secretPrefix).SALT, salt ?? 'TODO: fill me');
  return proxy;
}

/** The proxy's access token, to ask the sandbox for the original of each answer. */
export async function accessToken(proxy: TestProxy): Promise<string> {
  const name = secretNames(proxy.config.secretPrefix).ACCESS_TOKEN;
  const raw = (await proxy.store.read([name])).get(name)?.value ?? '{}';
  const token = (JSON.parse(raw) as { token?: string }).token;
  if (!token) throw new Error('the store holds no access token');
  return token;
}

/** Every case through the proxy, and directly from the sandbox. */
export async function captureAll(proxy: TestProxy): Promise<Captured[]> {
  const token = await accessToken(proxy);
  const out: Captured[] = [];
  for (const [endpoint, request] of Object.entries(CASES)) {
    const before = proxy.sandbox.requests.length;
    const res = await fetch(`${proxy.url}${request}`);
    const body = await res.text();
    if (res.status !== 200) throw new Error(`${endpoint}: the proxy answered ${res.status}`);
    const reached = proxy.sandbox.requests.slice(before).filter((r) => r.rawPath !== '/oauth/token');
    const upstream = reached.map((r) => r.rawPath).join(' ');
    const direct = await fetch(`${proxy.sandbox.url}${upstreamOf(request)}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (direct.status !== 200) throw new Error(`${endpoint}: the sandbox answered ${direct.status}`);
    out.push({
      endpoint,
      request,
      upstream,
      original: await direct.json(),
      pseudonymized: JSON.parse(body),
      body,
    });
  }
  return out;
}
