import { createHash } from 'node:crypto';
import type { SandboxSite } from './constants';
import type { JiraData } from './jira-model';
import type { Grant } from './oauth';

/**
 * What the API router (api.ts) and the products it serves (jira-routes.ts,
 * servicedesk-routes.ts) share: an answer, the sandbox state a handler reads, and a product's
 * route table. Products import this module, never the router, so nothing imports in a circle.
 */

export interface ApiAnswer {
  status: number;
  body?: unknown;
}

export interface ApiContext {
  sites: SandboxSite[];
  data: JiraData;
  now: () => number;
  /** The grant behind a bearer token, if the token is live. */
  access(token: string): Grant | undefined;
}

/** A request the router has matched to a site the grant covers. */
export interface ApiRequest {
  api: ApiContext;
  site: SandboxSite;
  grant: Grant;
  method: string;
  /** The version segment as requested: `2`, `3` or `latest` (Jira), `servicedeskapi`, `agile`, `software`. */
  version: string;
  query: URLSearchParams;
  /** The request body as received (UTF-8); empty for a GET. */
  body: string;
}

export interface Route<C> {
  pattern: RegExp;
  /** Default GET only; anything else is a 405. */
  methods?: string[];
  /** Alternatives: the grant must hold every scope of at least one (`[[]]`: none needed). */
  scopes: string[][];
  handle(m: RegExpExecArray, c: C): ApiAnswer;
}

/** One REST API on the site (`/rest/api/{v}/...` or `/rest/servicedeskapi/...`). */
export interface Product<C> {
  routes: Route<C>[];
  /** What this product's handlers read, built once the route, method and scopes passed. */
  context(r: ApiRequest): C;
  /** The product's own 404 for a path under it that no route matches. */
  notFound(r: ApiRequest, rest: string): ApiAnswer;
}

export const UNAUTHORIZED: ApiAnswer = { status: 401, body: { code: 401, message: 'Unauthorized' } };
export const SCOPE_MISMATCH: ApiAnswer = {
  status: 401,
  body: { code: 401, message: 'Unauthorized; scope does not match' },
};
export const METHOD_NOT_ALLOWED: ApiAnswer = { status: 405 };

export const isAnswer = (x: object): x is ApiAnswer => 'status' in x;

/** A POST's JSON object body as Jira reads it, or Jira's 400 when it is not one. */
export function jsonBody(r: ApiRequest): Record<string, unknown> | ApiAnswer {
  try {
    const value: unknown = JSON.parse(r.body);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // answered below
  }
  return { status: 400, body: { errorMessages: ['The request body is not a JSON object.'], errors: {} } };
}

/** A paging parameter as Atlassian reads it: absent or empty is the default, else digits or NaN. */
export function countParam(q: URLSearchParams, name: string, dflt: number): number {
  const raw = q.get(name);
  if (raw === null || raw === '') return dflt;
  return /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
}

/**
 * Token paging as Jira's newer APIs do it (`search/jql`, bulk changelogs, Jira Software's issues): an
 * opaque token bound to the request it continues; reusing it with another request is a 400.
 */
export function tokenPage<T>(
  all: T[],
  boundTo: string,
  token: string | undefined,
  size: number,
): { items: T[]; next: string | undefined } | ApiAnswer {
  const bound = createHash('sha256').update(boundTo).digest('base64url').slice(0, 12);
  let offset = 0;
  if (token) {
    const [b, o] = Buffer.from(token, 'base64url').toString().split(':');
    if (b !== bound || !/^\d+$/.test(o ?? '')) {
      return {
        status: 400,
        body: { errorMessages: ['The provided next page token is invalid.'], errors: {} },
      };
    }
    offset = Number(o);
  }
  const items = all.slice(offset, offset + size);
  const end = offset + items.length;
  return { items, next: end < all.length ? Buffer.from(`${bound}:${end}`).toString('base64url') : undefined };
}
