import { createHash } from 'node:crypto';
import type {
  Adf,
  AdfNode,
  Comment,
  Group,
  History,
  Issue,
  Project,
  Status,
  User,
  Worklog,
} from './jira-model';

/**
 * Jira Cloud's JSON shapes for the generated data. `base` is the REST base the answer's `self`
 * links use (`https://<site>/rest/api/<v>`); v2 answers carry rich text as plain strings, v3 as ADF.
 */

export interface View {
  base: string;
  version: 2 | 3;
}

export const jiraTime = (ms: number) => new Date(ms).toISOString().replace('Z', '+0000');

export function avatarUrls(u: User): Record<string, string> {
  const hash = createHash('md5').update(u.accountId).digest('hex');
  const initials = u.displayName
    .split(' ')
    .map((w) => w[0])
    .join('')
    .slice(0, 2)
    .toUpperCase();
  const fallback = encodeURIComponent(
    `https://avatar-management--avatars.us-west-2.prod.public.atl-paas.net/initials/${initials}-0.png`,
  );
  const url = `https://secure.gravatar.com/avatar/${hash}?d=${fallback}`;
  return { '48x48': url, '24x24': url, '16x16': url, '32x32': url };
}

/**
 * The data never changes, so user and issue objects are built once per REST base (and field set)
 * and shared: answers are only serialised, never mutated. Big search pages stay cheap to serve.
 */
const users = new WeakMap<User, Map<string, Record<string, unknown>>>();

export function userJson(u: User, v: View): Record<string, unknown> {
  return memo(users, u, v.base, () => buildUser(u, v));
}

function buildUser(u: User, v: View): Record<string, unknown> {
  return {
    self: `${v.base}/user?accountId=${encodeURIComponent(u.accountId)}`,
    accountId: u.accountId,
    accountType: u.accountType,
    ...(u.emailAddress ? { emailAddress: u.emailAddress } : {}),
    avatarUrls: avatarUrls(u),
    displayName: u.displayName,
    active: u.active,
    timeZone: u.timeZone,
    locale: u.locale,
  };
}

export function myselfJson(u: User, v: View): Record<string, unknown> {
  return {
    ...userJson(u, v),
    groups: { size: 1, items: [] },
    applicationRoles: { size: 1, items: [] },
    expand: 'groups,applicationRoles',
  };
}

export const groupJson = (g: Group) => ({ name: g.name, groupId: g.groupId });

function projectAvatars(p: Project, v: View): Record<string, string> {
  const url = `${v.base}/universal_avatar/view/type/project/avatar/${10400 + Number(p.id.slice(-1))}`;
  return {
    '48x48': url,
    '24x24': `${url}?size=small`,
    '16x16': `${url}?size=xsmall`,
    '32x32': `${url}?size=medium`,
  };
}

export function projectRef(p: Project, v: View) {
  return {
    self: `${v.base}/project/${p.id}`,
    id: p.id,
    key: p.key,
    name: p.name,
    projectTypeKey: 'software',
    simplified: false,
    avatarUrls: projectAvatars(p, v),
  };
}

export function projectJson(p: Project, v: View): Record<string, unknown> {
  return {
    expand: 'description,lead,issueTypes,url,projectKeys,permissions,insight',
    ...projectRef(p, v),
    style: 'classic',
    isPrivate: false,
    properties: {},
    lead: userJson(p.lead, v),
  };
}

const CATEGORY = {
  new: { id: 2, key: 'new', colorName: 'blue-gray', name: 'To Do' },
  indeterminate: { id: 4, key: 'indeterminate', colorName: 'yellow', name: 'In Progress' },
  done: { id: 3, key: 'done', colorName: 'green', name: 'Done' },
};

export function statusJson(s: Status, v: View) {
  const c = CATEGORY[s.category];
  return {
    self: `${v.base}/status/${s.id}`,
    description: '',
    iconUrl: `https://sandbox.atlassian.net/images/icons/statuses/${s.category}.png`,
    name: s.name,
    id: s.id,
    statusCategory: { self: `${v.base}/statuscategory/${c.id}`, ...c },
  };
}

export function adfText(doc: Adf): string {
  const walk = (n: AdfNode): string =>
    n.type === 'text'
      ? (n.text ?? '')
      : n.type === 'mention'
        ? `[~accountid:${String(n.attrs?.id ?? '')}]`
        : (n.content ?? []).map(walk).join('');
  return doc.content.map(walk).join('\n');
}

export const richText = (doc: Adf, v: View) => (v.version === 2 ? adfText(doc) : doc);

export function commentJson(c: Comment, issue: Issue, v: View): Record<string, unknown> {
  return {
    self: `${v.base}/issue/${issue.id}/comment/${c.id}`,
    id: c.id,
    author: userJson(c.author, v),
    body: richText(c.body, v),
    updateAuthor: userJson(c.author, v),
    created: jiraTime(c.created),
    updated: jiraTime(c.created),
    jsdPublic: true,
  };
}

export function worklogJson(w: Worklog, issue: Issue, v: View): Record<string, unknown> {
  const hours = w.timeSpentSeconds / 3600;
  return {
    self: `${v.base}/issue/${issue.id}/worklog/${w.id}`,
    author: userJson(w.author, v),
    updateAuthor: userJson(w.author, v),
    comment: richText(w.comment, v),
    created: jiraTime(w.started),
    updated: jiraTime(w.started),
    started: jiraTime(w.started),
    timeSpent: Number.isInteger(hours) ? `${hours}h` : `${Math.floor(hours)}h 30m`.replace(/^0h /, ''),
    timeSpentSeconds: w.timeSpentSeconds,
    id: w.id,
    issueId: issue.id,
  };
}

export function historyJson(h: History, v: View): Record<string, unknown> {
  return {
    id: h.id,
    author: userJson(h.author, v),
    created: jiraTime(h.created),
    items: h.items.map((i) => ({
      field: i.field,
      fieldtype: 'jira',
      fieldId: i.fieldId,
      from: i.from,
      fromString: i.fromString,
      to: i.to,
      toString: i.toString,
    })),
  };
}

export function memo<K extends object, T>(
  cache: WeakMap<K, Map<string, T>>,
  owner: K,
  key: string,
  build: () => T,
): T {
  let byKey = cache.get(owner);
  if (!byKey) {
    byKey = new Map();
    cache.set(owner, byKey);
  }
  let value = byKey.get(key);
  if (value === undefined) {
    value = build();
    byKey.set(key, value);
  }
  return value;
}
