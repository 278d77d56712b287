import type { TransformSpec } from './index';

// Jira Service Management sanitization in the spirit of Psoxy's Jira Cloud rules: every person
// (reporter, comment author, participant, organization member, and the people of a queue's issues)
// keeps a pseudonymized account id and email address; names, avatars and the `_links` of a person
// (their URLs carry the raw account id) are redacted. Free text goes too: comment bodies and the
// values of a request's fields, which hold `[~accountid:...]` mentions in Service Management's
// plain-text rendering. Endpoints without people return `null`: nothing to change.

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

/**
 * Every person object: one holding any of a user's identifying keys, whatever its value. A person
 * whose `accountId` is "", null or missing (a customer without an account, a deleted user) is still
 * a person, and loses name and links like any other. (A bare `@.key` in a filter tests that the key
 * exists, as in Jayway; see jayway.ts.)
 */
const PERSON = '$..[?(@.accountId || @.emailAddress || @.displayName)]';
/**
 * One path for all of a person's keys: paths are evaluated one after the other, and a person who had
 * only `displayName` to show for it would no longer be found once that was removed.
 */
const personKeys = (...keys: string[]) => `${PERSON}[${keys.map((key) => `'${key}'`).join(',')}]`;
const PERSON_REDACT = [personKeys('displayName', '_links', 'name', 'key')];
// One path per walk over the page, where the order of removals cannot matter: each deep path walks
// every node of it (docs/PERFORMANCE.md).
const PERSON_PSEUDONYMIZE = ["$..['accountId','emailAddress']"];

const PEOPLE: TransformSpec = { redact: PERSON_REDACT, pseudonymize: PERSON_PSEUDONYMIZE };

/** A request, alone or in a page, with whatever `expand` embedded (comments, participants). */
const REQUEST: TransformSpec = {
  redact: [
    ...PERSON_REDACT,
    "$..requestFieldValues[*]['value','renderedValue']",
    "$..comments.values[*]['body','renderedBody']",
  ],
  pseudonymize: PERSON_PSEUDONYMIZE,
};

export const JIRA_SERVICE_MANAGEMENT_TRANSFORMS: Record<EndpointKey, TransformSpec | null> = {
  'jsm-servicedesks': null,
  'jsm-servicedesk': null,
  'jsm-request-types': null,
  'jsm-requests': REQUEST,
  'jsm-request': REQUEST,
  'jsm-request-comments': {
    redact: [...PERSON_REDACT, '$.values[*].body', '$.values[*].renderedBody'],
    pseudonymize: PERSON_PSEUDONYMIZE,
  },
  'jsm-request-participants': PEOPLE,
  'jsm-request-sla': null,
  'jsm-request-status': null,
  // a queue's JQL may name people by account id
  'jsm-queues': { redact: ['$.values[*].jql'] },
  // Jira issue beans (REST v2 shape): there a user's `self` link and avatars hold the account id
  'jsm-queue-issues': {
    redact: [
      '$.values[*].fields.summary',
      '$.values[*].fields.description',
      '$.values[*].fields.environment',
      personKeys('displayName', 'avatarUrls', 'self', 'name', 'key'),
    ],
    pseudonymize: PERSON_PSEUDONYMIZE,
  },
  'jsm-organizations': null,
  'jsm-organization-users': PEOPLE,
};
