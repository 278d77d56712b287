import { ISSUE_TYPES, PRIORITIES } from './jira-data';
import { STATUSES } from './jira-model';
import { statusJson, type View } from './jira-render';

/**
 * The site's metadata as Jira Cloud answers it: server info, fields (system and the Jira Software
 * custom fields), statuses, priorities, resolutions and issue types. None of it names a person.
 */

export function serverInfoJson(siteUrl: string) {
  // No `serverTime`: the sandbox's answers depend on its data only, so golden files stay stable.
  return {
    baseUrl: siteUrl,
    displayUrl: siteUrl,
    displayUrlServicedeskHelpCenter: `${siteUrl}/servicedesk/customer/portals`,
    displayUrlConfluence: `${siteUrl}/wiki`,
    version: '1001.0.0-SNAPSHOT',
    versionNumbers: [1001, 0, 0],
    deploymentType: 'Cloud',
    buildNumber: 100_291,
    buildDate: '2026-11-30T00:00:00.000+0000',
    scmInfo: '3f6c1a9e0b7d4c2a8e5f1b6d9c0a7e3f4b2d8c1a',
    serverTitle: 'Jira',
    defaultLocale: { locale: 'en_US' },
    serverTimeZone: 'Etc/UTC',
  };
}

type FieldSchema = { type: string; items?: string; system?: string; custom?: string; customId?: number };
const SYSTEM: [id: string, name: string, schema: FieldSchema][] = [
  ['summary', 'Summary', { type: 'string', system: 'summary' }],
  ['description', 'Description', { type: 'string', system: 'description' }],
  ['issuetype', 'Issue Type', { type: 'issuetype', system: 'issuetype' }],
  ['project', 'Project', { type: 'project', system: 'project' }],
  ['status', 'Status', { type: 'status', system: 'status' }],
  ['priority', 'Priority', { type: 'priority', system: 'priority' }],
  ['resolution', 'Resolution', { type: 'resolution', system: 'resolution' }],
  ['resolutiondate', 'Resolved', { type: 'datetime', system: 'resolutiondate' }],
  ['assignee', 'Assignee', { type: 'user', system: 'assignee' }],
  ['reporter', 'Reporter', { type: 'user', system: 'reporter' }],
  ['creator', 'Creator', { type: 'user', system: 'creator' }],
  ['created', 'Created', { type: 'datetime', system: 'created' }],
  ['updated', 'Updated', { type: 'datetime', system: 'updated' }],
  [
    'statuscategorychangedate',
    'Status Category Changed',
    { type: 'datetime', system: 'statuscategorychangedate' },
  ],
  ['labels', 'Labels', { type: 'array', items: 'string', system: 'labels' }],
  ['timespent', 'Time Spent', { type: 'number', system: 'timespent' }],
  ['watches', 'Watchers', { type: 'watches', system: 'watches' }],
  ['comment', 'Comment', { type: 'comments-page', system: 'comment' }],
  ['worklog', 'Log Work', { type: 'array', items: 'worklog', system: 'worklog' }],
];
const GREENHOPPER = 'com.pyxis.greenhopper.jira:gh';
const CUSTOM: [id: number, name: string, type: string, custom: string, items?: string][] = [
  [10016, 'Story point estimate', 'number', 'com.atlassian.jira.plugin.system.customfieldtypes:float'],
  [10019, 'Rank', 'any', `${GREENHOPPER}-lexo-rank`],
  [10020, 'Sprint', 'array', `${GREENHOPPER}-sprint`, 'json'],
  [10021, 'Flagged', 'array', 'com.atlassian.jira.plugin.system.customfieldtypes:multicheckboxes', 'option'],
];

export function fieldsJson() {
  const system = SYSTEM.map(([id, name, schema]) => ({
    id,
    key: id,
    name,
    custom: false,
    orderable: ![
      'created',
      'updated',
      'creator',
      'statuscategorychangedate',
      'timespent',
      'watches',
    ].includes(id),
    navigable: !['comment', 'worklog'].includes(id),
    searchable: true,
    clauseNames: [id],
    schema,
  }));
  const custom = CUSTOM.map(([n, name, type, plugin, items]) => ({
    id: `customfield_${n}`,
    key: `customfield_${n}`,
    name,
    untranslatedName: name,
    custom: true,
    orderable: true,
    navigable: true,
    searchable: true,
    clauseNames: [`cf[${n}]`, name],
    schema: { type, ...(items ? { items } : {}), custom: plugin, customId: n },
  }));
  return [...system, ...custom];
}

export const statusesJson = (v: View) => STATUSES.map((s) => statusJson(s, v));

const COLORS = ['#d04437', '#f15C75', '#f79232', '#707070', '#999999'];

export function prioritiesJson(v: View) {
  return PRIORITIES.map((p, i) => ({
    self: `${v.base}/priority/${p.id}`,
    statusColor: COLORS[i],
    description: `${p.name} priority`,
    iconUrl: `https://sandbox.atlassian.net/images/icons/priorities/${p.name.toLowerCase()}.svg`,
    name: p.name,
    id: p.id,
  }));
}

export function resolutionsJson(v: View) {
  return [
    ['10000', 'Done', 'Work has been done.'],
    ['10001', "Won't Do", 'This issue will not be actioned.'],
    ['10002', 'Duplicate', 'The problem is a duplicate of an existing issue.'],
    ['10003', 'Cannot Reproduce', 'All attempts at reproducing this issue failed.'],
  ].map(([id, name, description]) => ({ self: `${v.base}/resolution/${id}`, id, description, name }));
}

export function issueTypesJson(v: View) {
  return ISSUE_TYPES.map((t) => ({
    self: `${v.base}/issuetype/${t.id}`,
    id: t.id,
    description: `A ${t.name.toLowerCase()}.`,
    iconUrl: `https://sandbox.atlassian.net/rest/api/2/universal_avatar/view/type/issuetype/avatar/${t.id}?size=medium`,
    name: t.name,
    untranslatedName: t.name,
    subtask: false,
    avatarId: Number(t.id),
    hierarchyLevel: 0,
  }));
}
