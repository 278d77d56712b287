import {
  PSOXY_SCOPES,
  SANDBOX_CLIENT,
  SANDBOX_SITE,
  type Sandbox,
  type SandboxOptions,
  startSandbox,
} from '../../src/sandbox';

export const CALLBACK = 'http://localhost:8080/callback';
export const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);
export const MINUTE = 60_000;
export const DAY = 86_400_000;

/** A sandbox on a fixed clock, moved only by `advance()`. */
export function sandboxAt(opts: SandboxOptions = {}): Promise<Sandbox> {
  return startSandbox({ now: () => T0, ...opts });
}

export interface TokenReply {
  status: number;
  body: Record<string, unknown>;
}

export async function postToken(
  sb: Sandbox,
  params: Record<string, string>,
  encoding: 'json' | 'form' = 'json',
): Promise<TokenReply> {
  const res = await fetch(`${sb.url}/oauth/token`, {
    method: 'POST',
    headers: {
      'content-type': encoding === 'json' ? 'application/json' : 'application/x-www-form-urlencoded',
    },
    body: encoding === 'json' ? JSON.stringify(params) : new URLSearchParams(params).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export const client = { client_id: SANDBOX_CLIENT.clientId, client_secret: SANDBOX_CLIENT.clientSecret };

export function exchange(
  sb: Sandbox,
  code: string,
  redirectUri = CALLBACK,
  encoding: 'json' | 'form' = 'json',
) {
  return postToken(
    sb,
    { grant_type: 'authorization_code', ...client, code, redirect_uri: redirectUri },
    encoding,
  );
}

export function refresh(sb: Sandbox, refreshToken: string, encoding: 'json' | 'form' = 'json') {
  return postToken(sb, { grant_type: 'refresh_token', ...client, refresh_token: refreshToken }, encoding);
}

export interface Pair {
  access: string;
  refresh: string;
}

const pairOf = (r: TokenReply): Pair => {
  if (r.status !== 200) throw new Error(`token endpoint answered ${r.status} ${String(r.body.error)}`);
  return { access: r.body.access_token as string, refresh: r.body.refresh_token as string };
};

/** A fresh family for the default client: consent shortcut, then the code exchange. */
export async function bootstrap(sb: Sandbox, scopes = PSOXY_SCOPES): Promise<Pair> {
  return pairOf(await exchange(sb, sb.mintCode({ scopes, redirectUri: CALLBACK })));
}

export async function rotate(sb: Sandbox, refreshToken: string): Promise<Pair> {
  return pairOf(await refresh(sb, refreshToken));
}

export function jira(sb: Sandbox, token: string | undefined, path: string, version = 3): Promise<Response> {
  return fetch(`${sb.url}/ex/jira/${SANDBOX_SITE.id}/rest/api/${version}${path}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
}

export async function jiraJson<T = Record<string, unknown>>(
  sb: Sandbox,
  token: string,
  path: string,
  version = 3,
): Promise<T> {
  const res = await jira(sb, token, path, version);
  if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
  return (await res.json()) as T;
}

/** Status code of a Jira call: compact assertions that never print a token. */
export async function status(sb: Sandbox, token: string, path = '/myself'): Promise<number> {
  const res = await jira(sb, token, path);
  await res.arrayBuffer();
  return res.status;
}
