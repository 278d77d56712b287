import type { TransformSpec } from './index';
import { issuePeople } from './jira-cloud';
import {
  COMMENTS_SCHEMA,
  ORGANIZATIONS_SCHEMA,
  QUEUE_ISSUES_SCHEMA,
  QUEUES_SCHEMA,
  REQUEST_TYPES_SCHEMA,
  requestSchema,
  requestsSchema,
  SLA_SCHEMA,
  STATUS_SCHEMA,
  serviceDeskSchema,
  serviceDesksSchema,
  USERS_SCHEMA,
} from './jira-service-management-schemas';
import { DEFAULT_PSEUDONYMIZATION, type PseudonymizationOptions } from './options';

// Jira Service Management sanitization: every answer through an allow-list, and every person
// (reporter, comment and attachment author, participant, organization member, and the people of a
// queue's issues) keeps a pseudonymized account id and email address: the same tokens as the Jira
// Cloud set gives, so a person joins across Jira and Service Management.

export type EndpointKey =
  | 'jsm-servicedesks'
  | 'jsm-servicedesk'
  | 'jsm-request-types'
  | 'jsm-requests'
  | 'jsm-request'
  | 'jsm-request-comments'
  | 'jsm-request-participants'
  | 'jsm-request-sla'
  | 'jsm-request-status'
  | 'jsm-queues'
  | 'jsm-queue-issues'
  | 'jsm-organizations'
  | 'jsm-organization-users';

/** One walk over the page for both keys: after the schema, only people hold them. */
const PEOPLE = ["$..['accountId','emailAddress']"];
/** A page of people: no deep walk needed. */
const PAGE_OF_PEOPLE = ["$.values[*]['accountId','emailAddress']"];

/** The transforms of `jira-service-management-pseudonymized`, by endpoint id, for `options`. */
export function jiraServiceManagementTransforms(
  options: PseudonymizationOptions,
): Record<EndpointKey, TransformSpec> {
  const keep = options.keepProjectNames;
  return {
    'jsm-servicedesks': { responseSchema: serviceDesksSchema(keep) },
    'jsm-servicedesk': { responseSchema: serviceDeskSchema(keep) },
    'jsm-request-types': { responseSchema: REQUEST_TYPES_SCHEMA },
    'jsm-requests': { responseSchema: requestsSchema(keep), pseudonymize: PEOPLE },
    'jsm-request': { responseSchema: requestSchema(keep), pseudonymize: PEOPLE },
    'jsm-request-comments': { responseSchema: COMMENTS_SCHEMA, pseudonymize: PEOPLE },
    'jsm-request-participants': { responseSchema: USERS_SCHEMA, pseudonymize: PAGE_OF_PEOPLE },
    'jsm-request-sla': { responseSchema: SLA_SCHEMA },
    'jsm-request-status': { responseSchema: STATUS_SCHEMA },
    'jsm-queues': { responseSchema: QUEUES_SCHEMA },
    'jsm-queue-issues': { responseSchema: QUEUE_ISSUES_SCHEMA, pseudonymize: issuePeople('$.values[*]') },
    'jsm-organizations': { responseSchema: ORGANIZATIONS_SCHEMA },
    'jsm-organization-users': { responseSchema: USERS_SCHEMA, pseudonymize: PAGE_OF_PEOPLE },
  };
}

/** The transforms with the default options (service desk project names and issue keys removed). */
export const JIRA_SERVICE_MANAGEMENT_TRANSFORMS = jiraServiceManagementTransforms(DEFAULT_PSEUDONYMIZATION);
