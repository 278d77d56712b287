import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadRules } from '../../src/rules';
import { CLOUD_ID, fill, LEGITIMATE, OTHER_CLOUD_ID } from './corpus';

/**
 * Fuzzing `decide` with paths and queries built from dangerous alphabets, and with legitimate
 * requests mutated by the same tricks. Whatever it allows must be one of the rule templates exactly,
 * rebuilt from canonical parts, and stable when decided again.
 */

const rules = await loadRules({ ruleSets: ['jira-cloud'] }, CLOUD_ID);

// An oracle written independently of the rules engine: the built-in endpoints and their parameters.
const SITE = `/ex/jira/${CLOUD_ID}/rest/api`;
const ISSUE = '(?:[0-9]{1,18}|[A-Za-z][A-Za-z0-9_]{0,254}-[0-9]{1,18})';
const PAGING = ['startAt', 'maxResults'];
const SEARCH = ['jql', 'fields', 'nextPageToken', 'maxResults', 'expand', 'properties', 'fieldsByKeys'];
/** [path, GET's query parameters, POST's (undefined: no POST)]. */
const ORACLE: [RegExp, string[], string[]?][] = [
  [new RegExp(`^${SITE}/[23]/users$`), PAGING],
  [new RegExp(`^${SITE}/[23]/users/search$`), PAGING],
  [new RegExp(`^${SITE}/[23]/(?:serverInfo|field|status|priority|resolution|issuetype)$`), []],
  [new RegExp(`^${SITE}/[23]/search/jql$`), [...SEARCH, 'failFast', 'reconcileIssues'], []],
  [new RegExp(`^${SITE}/3/search/approximate-count$`), [], []],
  [new RegExp(`^${SITE}/3/changelog/bulkfetch$`), [], []],
  [new RegExp(`^${SITE}/[23]/worklog/updated$`), ['since', 'expand']],
  [new RegExp(`^${SITE}/[23]/worklog/deleted$`), ['since']],
  [new RegExp(`^${SITE}/[23]/worklog/list$`), [], ['expand']],
  [new RegExp(`^${SITE}/[23]/group/bulk$`), PAGING],
  [new RegExp(`^${SITE}/[23]/group/member$`), ['groupId', 'groupName', 'includeInactiveUsers', ...PAGING]],
  [new RegExp(`^${SITE}/3/issue/${ISSUE}$`), ['fields']],
  [new RegExp(`^${SITE}/[23]/issue/${ISSUE}/changelog$`), PAGING],
  [new RegExp(`^${SITE}/3/issue/${ISSUE}/(?:comment|worklog)$`), PAGING],
  [new RegExp(`^${SITE}/[23]/project/search$`), PAGING],
  [new RegExp(`^${SITE}/[23]/myself$`), ['expand']],
  [/^\/oauth\/token\/accessible-resources$/, []],
];
const CANONICAL_QUERY =
  /^(?:\?[A-Za-z]+=(?:[A-Za-z0-9\-._~,:@*]|%[0-9A-F]{2})*(?:&[A-Za-z]+=(?:[A-Za-z0-9\-._~,:@*]|%[0-9A-F]{2})*)*)?$/;

const TRICKS = [
  '.',
  '..',
  '...',
  '',
  '%2e',
  '%2E%2e',
  '.%2e',
  '%2f',
  '%2F',
  '%5c',
  '\\',
  '%00',
  '%0d%0a',
  '\r\n',
  '%25',
  '%252e',
  '%252F',
  ';',
  ';x=1',
  '*',
  '%75',
  '%c3%a9',
  '\u00e9',
  '#',
  '?',
  '%3f',
  '%23',
  ' ',
  '%20',
  '%ff',
  '\u0000',
  '//',
  '%u002e',
  '{cloudId}',
  OTHER_CLOUD_ID,
  CLOUD_ID.toUpperCase(),
  'http://evil',
  '&',
  '=',
  '+',
  '%26',
  '%3D',
  '%2B',
  '%E2%80%AE',
  '\u202e',
  '%C0%AE',
  '~',
  '@',
  ':',
  'ex',
  'jira',
  'rest',
  'api',
  '3',
  '2',
];
const WORDS = [
  'rest',
  'api',
  '2',
  '3',
  'users',
  'group',
  'bulk',
  'member',
  'search',
  'jql',
  'issue',
  'ABC-1',
  '10001',
  'changelog',
  'comment',
  'worklog',
  'project',
  'myself',
  'ex',
  'jira',
  CLOUD_ID,
  'oauth',
  'token',
  'accessible-resources',
  'user',
  'attachments',
];
const PARAMS = [
  'startAt',
  'maxResults',
  'jql',
  'fields',
  'nextPageToken',
  'groupId',
  'groupName',
  'includeInactiveUsers',
  'expand',
  'x',
  'start%41t',
  '',
  'startAt;',
  'accountId',
];
const METHODS = ['GET', 'HEAD', 'POST', 'get', 'DELETE', 'PUT'];

const token = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...WORDS) }, fc.constantFrom(...TRICKS));
const value = fc.oneof(
  fc.string({ unit: fc.constantFrom(...TRICKS, 'a', '0', '5', 'Z', '-', '_'), maxLength: 6 }),
  fc.nat({ max: 100_000 }).map(String),
  fc
    .uint8Array({ maxLength: 4 })
    .map((b) => [...b].map((x) => `%${x.toString(16).padStart(2, '0')}`).join('')),
);
const query = fc
  .array(fc.tuple(fc.constantFrom(...PARAMS), value), { maxLength: 4 })
  .map((pairs) => (pairs.length ? `?${pairs.map(([n, v]) => `${n}=${v}`).join('&')}` : ''));
const built = fc
  .tuple(fc.array(token, { minLength: 1, maxLength: 8 }), fc.boolean(), query)
  .map(([segments, site, q]) => `${site ? `/ex/jira/${CLOUD_ID}` : ''}/${segments.join('/')}${q}`);

// A legitimate request with one to three tricks applied: the closest calls are the likeliest to slip.
const mutation = fc.oneof(
  fc.tuple(fc.constant('insert' as const), fc.nat(), fc.constantFrom(...TRICKS)),
  fc.tuple(fc.constant('encode' as const), fc.nat(), fc.boolean()),
  fc.tuple(fc.constant('case' as const), fc.nat(), fc.constant('')),
  fc.tuple(fc.constant('param' as const), fc.constantFrom(...PARAMS), fc.constantFrom(...TRICKS, '1', 'x')),
  fc.tuple(
    fc.constant('suffix' as const),
    fc.constantFrom('/', '/.', '/..', '%2f', ';', '#', '//'),
    fc.constant(''),
  ),
);
type Mutation = [
  kind: 'insert' | 'encode' | 'case' | 'param' | 'suffix',
  a: number | string,
  b: string | boolean,
];

function mutate(target: string, [kind, a, b]: Mutation): string {
  const at = typeof a === 'number' ? a % (target.length + 1) : 0;
  switch (kind) {
    case 'insert':
      return target.slice(0, at) + String(b) + target.slice(at);
    case 'encode': {
      const ch = target.charCodeAt(at % Math.max(target.length, 1));
      if (Number.isNaN(ch)) return target;
      const hex = ch.toString(16).padStart(2, '0');
      return `${target.slice(0, at)}%${b ? hex.toUpperCase() : hex}${target.slice(at + 1)}`;
    }
    case 'case': {
      const ch = target.charAt(at);
      const flipped = ch === ch.toLowerCase() ? ch.toUpperCase() : ch.toLowerCase();
      return target.slice(0, at) + flipped + target.slice(at + 1);
    }
    case 'param':
      return `${target}${target.includes('?') ? '&' : '?'}${a}=${b}`;
    case 'suffix': {
      const q = target.indexOf('?');
      return q === -1 ? target + String(a) : target.slice(0, q) + String(a) + target.slice(q);
    }
  }
}

const mutated = fc
  .tuple(fc.constantFrom(...LEGITIMATE), fc.array(mutation, { minLength: 1, maxLength: 3 }))
  .map(([l, ms]) => ms.reduce((t, m) => mutate(t, m as Mutation), fill(l.target)));

let allowed = 0;

function checkAllowed(method: string, target: string): void {
  const d = rules.decide(method, target, undefined);
  if (!d.ok) {
    expect([400, 403, 414]).toContain(d.status);
    return;
  }
  allowed++;
  expect(['GET', 'HEAD', 'POST']).toContain(method);
  // exactly one endpoint template, with only its own parameters
  const hits = ORACLE.filter(([re]) => re.test(d.upstreamPath));
  expect(hits, d.upstreamPath).toHaveLength(1);
  const allowedNames = method === 'POST' ? hits[0]?.[2] : hits[0]?.[1];
  expect(allowedNames, `${method} ${d.upstreamPath}`).toBeDefined();
  // a POST goes up only with a body rule to check its body against
  expect(d.body !== undefined).toBe(method === 'POST');
  const names =
    d.upstreamQuery === ''
      ? []
      : d.upstreamQuery
          .slice(1)
          .split('&')
          .map((p) => p.split('=')[0]);
  for (const name of names) expect(allowedNames).toContain(name);
  expect(d.upstreamQuery).toMatch(CANONICAL_QUERY);
  // nothing was normalised in the path: the caller sent exactly the canonical path
  const rawPath = target.split('?')[0] as string;
  const sent = rawPath.startsWith('/ex/jira/')
    ? `/ex/jira/${rawPath.slice(9, 45).toLowerCase()}${rawPath.slice(45)}`
    : rawPath;
  expect(
    d.upstreamPath.endsWith(sent) &&
      (sent === d.upstreamPath || d.upstreamPath === `/ex/jira/${CLOUD_ID}${sent}`),
  ).toBe(true);
  // idempotent: the canonical request decides to itself
  expect(rules.decide(method, `${d.upstreamPath}${d.upstreamQuery}`, undefined)).toEqual(d);
}

describe('fuzzed requests', () => {
  it('allow nothing outside the rules: built from dangerous alphabets', () => {
    fc.assert(fc.property(fc.constantFrom(...METHODS), built, checkAllowed), { numRuns: 4000, seed: 5 });
  });

  it('allow nothing outside the rules: legitimate requests with tricks applied', () => {
    const before = allowed;
    fc.assert(fc.property(fc.constantFrom(...METHODS), mutated, checkAllowed), { numRuns: 4000, seed: 7 });
    // the generator must reach the allowed side too, or the property proves nothing
    expect(allowed - before).toBeGreaterThan(40);
  });

  it('any random string is refused or allowed only in canonical form', () => {
    fc.assert(
      fc.property(fc.constantFrom(...METHODS), fc.string({ maxLength: 80 }), (m, s) =>
        checkAllowed(m, `/${s}`),
      ),
      { numRuns: 3000, seed: 11 },
    );
  });
});
