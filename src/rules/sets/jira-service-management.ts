import type { RulesDocument } from '../schema';

/**
 * Built-in `jira-service-management`: the read-only Service Management surface that Service Desk
 * connectors cover (service desks, request types, customer requests with their comments,
 * participants, SLAs and status history, queues, organizations). Ids start with `jsm-` so the set
 * combines with `jira-cloud`. Scopes: the classic alternative first, then the granular one.
 */

const BASE = '/rest/servicedeskapi';
/** A service desk id, or (as Atlassian allows) its project id or key. */
const SERVICE_DESK_ID = { serviceDeskId: '[0-9]{1,18}|[A-Za-z][A-Za-z0-9_]{0,254}' };
const ISSUE_ID = { issueIdOrKey: '[0-9]{1,18}|[A-Za-z][A-Za-z0-9_]{0,254}-[0-9]{1,18}' };
const NUMBER = '[0-9]{1,18}';
const PAGING = { start: '[0-9]{1,9}', limit: '[0-9]{1,4}' };
const BOOLEAN = 'true|false';
/** `expand` as a comma list, repeatable; only the names Atlassian documents for customer requests. */
const REQUEST_EXPAND = {
  pattern:
    '(participant|status|sla|requestType|serviceDesk|attachment|action|comment)(,(participant|status|sla|requestType|serviceDesk|attachment|action|comment)){0,7}',
  multiple: true,
};

const REQUEST = [['read:servicedesk-request'], ['read:request:jira-service-management', 'read:user:jira']];
const SERVICE_DESK = [['read:servicedesk-request'], ['read:servicedesk:jira-service-management']];
const QUEUE = [['read:servicedesk-request'], ['read:queue:jira-service-management']];

export const JIRA_SERVICE_MANAGEMENT: RulesDocument = {
  endpoints: [
    {
      id: 'jsm-servicedesks',
      description: 'Service desks, paged',
      path: `${BASE}/servicedesk`,
      query: PAGING,
      scopes: SERVICE_DESK,
    },
    {
      id: 'jsm-servicedesk',
      description: 'One service desk',
      path: `${BASE}/servicedesk/{serviceDeskId}`,
      params: SERVICE_DESK_ID,
      scopes: SERVICE_DESK,
    },
    {
      id: 'jsm-request-types',
      description: "A service desk's request types, paged",
      path: `${BASE}/servicedesk/{serviceDeskId}/requesttype`,
      params: SERVICE_DESK_ID,
      query: { searchQuery: '.{1,255}', groupId: NUMBER, ...PAGING },
      scopes: [['read:servicedesk-request'], ['read:requesttype:jira-service-management']],
    },
    {
      id: 'jsm-requests',
      description: 'Customer requests visible to the user, newest activity first, paged',
      path: `${BASE}/request`,
      query: {
        searchTerm: '.{1,255}',
        requestOwnership: {
          pattern:
            'OWNED_REQUESTS|PARTICIPATED_REQUESTS|APPROVER|ORGANIZATION|ALL_ORGANIZATIONS|ALL_REQUESTS',
          multiple: true,
        },
        requestStatus: 'OPEN_REQUESTS|CLOSED_REQUESTS|ALL_REQUESTS',
        approvalStatus: 'MY_PENDING_APPROVAL|MY_HISTORY_APPROVAL',
        organizationId: NUMBER,
        serviceDeskId: NUMBER,
        requestTypeId: NUMBER,
        expand: REQUEST_EXPAND,
        ...PAGING,
      },
      scopes: REQUEST,
    },
    {
      id: 'jsm-request',
      description: 'One customer request',
      path: `${BASE}/request/{issueIdOrKey}`,
      params: ISSUE_ID,
      query: { expand: REQUEST_EXPAND },
      scopes: REQUEST,
    },
    {
      id: 'jsm-request-comments',
      description: "A request's comments, paged",
      path: `${BASE}/request/{issueIdOrKey}/comment`,
      params: ISSUE_ID,
      query: {
        public: BOOLEAN,
        internal: BOOLEAN,
        expand: { pattern: '(attachment|renderedBody)(,(attachment|renderedBody))?', multiple: true },
        ...PAGING,
      },
      scopes: [['read:servicedesk-request'], ['read:request.comment:jira-service-management']],
    },
    {
      id: 'jsm-request-participants',
      description: "A request's participants, paged",
      path: `${BASE}/request/{issueIdOrKey}/participant`,
      params: ISSUE_ID,
      query: PAGING,
      scopes: [['read:servicedesk-request'], ['read:request.participant:jira-service-management']],
    },
    {
      id: 'jsm-request-sla',
      description: "A request's SLA records, paged",
      path: `${BASE}/request/{issueIdOrKey}/sla`,
      params: ISSUE_ID,
      query: PAGING,
      scopes: [['read:servicedesk-request'], ['read:request.sla:jira-service-management']],
    },
    {
      id: 'jsm-request-status',
      description: "A request's status history, paged",
      path: `${BASE}/request/{issueIdOrKey}/status`,
      params: ISSUE_ID,
      query: PAGING,
      scopes: [['read:servicedesk-request'], ['read:request.status:jira-service-management']],
    },
    {
      id: 'jsm-queues',
      description: "A service desk's queues, paged",
      path: `${BASE}/servicedesk/{serviceDeskId}/queue`,
      params: SERVICE_DESK_ID,
      query: { includeCount: BOOLEAN, ...PAGING },
      scopes: QUEUE,
    },
    {
      id: 'jsm-queue-issues',
      description: 'The issues in a queue, paged',
      path: `${BASE}/servicedesk/{serviceDeskId}/queue/{queueId}/issue`,
      params: { ...SERVICE_DESK_ID, queueId: NUMBER },
      query: PAGING,
      scopes: QUEUE,
    },
    {
      id: 'jsm-organizations',
      description: 'Organizations, paged',
      path: `${BASE}/organization`,
      query: { accountId: '[A-Za-z0-9:-]{1,128}', ...PAGING },
      scopes: [['manage:servicedesk-customer'], ['read:organization:jira-service-management']],
    },
    {
      id: 'jsm-organization-users',
      description: "An organization's members, paged",
      path: `${BASE}/organization/{organizationId}/user`,
      params: { organizationId: NUMBER },
      query: PAGING,
      scopes: [['manage:servicedesk-customer'], ['read:organization.user:jira-service-management']],
    },
  ],
};
