import {
  type ApiAnswer,
  type ApiContext,
  type ApiRequest,
  METHOD_NOT_ALLOWED,
  type Product,
  SCOPE_MISMATCH,
  UNAUTHORIZED,
} from './api-route';
import type { SandboxSite } from './constants';
import { JIRA } from './jira-routes';
import { JIRA_SOFTWARE } from './jira-software-routes';
import type { Grant } from './oauth';
import { SERVICE_DESK } from './servicedesk-routes';

/**
 * api.atlassian.com, the one router: accessible-resources, then `/ex/jira/{cloudId}/rest/...`
 * to the product whose API it is (Jira's `api/{2,3,latest}`, Service Management's
 * `servicedeskapi`, Jira Software's `agile/1.0` and `software/1.0`). Site, bearer, method and
 * scopes are checked here, once, for all.
 */

const SITE_PATH =
  /^\/ex\/jira\/([^/]+)\/rest\/(?:api\/(2|3|latest)|(servicedeskapi)|(agile|software)\/1\.0)\/(.+)$/;

/** Routes on the raw path: a request-target with encoded or dot segments simply matches nothing. */
export function handleApi(
  method: string,
  rawTarget: string,
  authorization: string | undefined,
  api: ApiContext,
  body = '',
): ApiAnswer {
  const qAt = rawTarget.indexOf('?');
  const path = qAt < 0 ? rawTarget : rawTarget.slice(0, qAt);
  const query = new URLSearchParams(qAt < 0 ? '' : rawTarget.slice(qAt + 1));
  const bearer = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  const grant = bearer ? api.access(bearer) : undefined;

  if (path === '/oauth/token/accessible-resources') {
    if (method !== 'GET') return METHOD_NOT_ALLOWED;
    if (!grant) return UNAUTHORIZED;
    return { status: 200, body: accessibleResources(grant, api.sites) };
  }

  const m = SITE_PATH.exec(path);
  if (!m) return { status: 404, body: { code: 404, message: 'Not Found' } };
  const [, cloudId = '', jiraVersion, serviceDesk, software, rest = ''] = m;
  const site = api.sites.find((s) => s.id === cloudId);
  if (!site) return { status: 404, body: { errorMessage: 'Site temporarily unavailable' } };
  if (!grant?.siteIds.includes(cloudId)) return UNAUTHORIZED;
  const request = {
    api,
    site,
    grant,
    method,
    version: jiraVersion ?? serviceDesk ?? software ?? '',
    query,
    body,
  };
  if (jiraVersion) return route(JIRA, method, rest, request);
  // Jira Software's two APIs share one route table, each route under its API's name
  if (software) return route(JIRA_SOFTWARE, method, `${software}/${rest}`, request);
  return route(SERVICE_DESK, method, rest, request);
}

function route<C>(product: Product<C>, method: string, rest: string, r: ApiRequest): ApiAnswer {
  for (const candidate of product.routes) {
    const m = candidate.pattern.exec(rest);
    if (!m) continue;
    if (!(candidate.methods ?? ['GET']).includes(method)) return METHOD_NOT_ALLOWED;
    if (!candidate.scopes.some((set) => set.every((s) => r.grant.scopes.includes(s)))) return SCOPE_MISMATCH;
    return candidate.handle(m, product.context(r));
  }
  return product.notFound(r, rest);
}

function accessibleResources(grant: Grant, sites: SandboxSite[]) {
  // Site scopes are the Jira ones; offline_access and the identity scope belong to the grant, not the site.
  const scopes = grant.scopes.filter((s) => s !== 'offline_access' && s !== 'read:account');
  return sites
    .filter((s) => grant.siteIds.includes(s.id))
    .map((s) => ({
      id: s.id,
      url: s.url,
      name: s.name,
      scopes,
      avatarUrl: 'https://site-admin-avatar-cdn.prod.public.atl-paas.net/avatars/240/rocket.png',
    }));
}
