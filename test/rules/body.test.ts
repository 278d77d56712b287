import { describe, expect, it } from 'vitest';
import { loadRules, RulesError } from '../../src/rules';
import { type BodyResult, checkBody, duplicateKey } from '../../src/rules/body';
import { CLOUD_ID } from './corpus';

/**
 * Read-only POSTs in the rules: which requests get a body rule, and what `checkBody` makes of a
 * body, with the built-in rules and with a custom rules file.
 */

const rules = await loadRules({ ruleSets: ['jira-cloud'] }, CLOUD_ID);
const JSON_TYPE = 'application/json';

/** The built-in rule's check of `body` sent to `target` as `POST`. */
function post(target: string, body: string | Uint8Array, contentType: string | null = JSON_TYPE): BodyResult {
  const d = rules.decide('POST', target, undefined);
  if (!d.ok || !d.body) throw new Error(`POST ${target} has no body rule: ${JSON.stringify(d)}`);
  const raw = typeof body === 'string' ? Buffer.from(body) : body;
  return checkBody(
    d.body.rule,
    contentType,
    null,
    raw.length > d.body.rule.maxBytes ? undefined : raw,
    d.body.what,
  );
}
const refused = (code: string, message: RegExp | string) => ({
  ok: false,
  code,
  message: typeof message === 'string' ? expect.stringContaining(message) : expect.stringMatching(message),
});
const keys = <T = string>(n: number, f: (i: number) => T = (i) => `ENG-${i + 1}` as T): T[] =>
  Array.from({ length: n }, (_, i) => f(i));

describe('which requests carry a body rule', () => {
  it('POST on a read with a body rule; GET on the same path has none and keeps its query list', () => {
    const p = rules.decide('POST', '/rest/api/3/search/jql', undefined);
    expect(p).toMatchObject({
      ok: true,
      endpointId: 'search-jql',
      body: { what: 'POST /rest/api/3/search/jql' },
    });
    const g = rules.decide('GET', '/rest/api/3/search/jql?jql=a', undefined);
    expect(g).toMatchObject({ ok: true, endpointId: 'search-jql' });
    expect(g.ok && g.body).toBeUndefined();
  });

  it('write methods stay refused on every path a read POST shares', () => {
    for (const path of [
      '/rest/api/3/search/jql',
      '/rest/api/2/search/jql',
      '/rest/api/3/search/approximate-count',
      '/rest/api/3/changelog/bulkfetch',
      '/rest/api/3/worklog/list',
    ]) {
      for (const method of ['PUT', 'PATCH', 'DELETE']) {
        expect(rules.decide(method, path, undefined), `${method} ${path}`).toMatchObject({
          ok: false,
          status: 403,
          code: 'blocked_by_rules',
          message: expect.stringContaining('is not allowed (allowed:'),
        });
      }
    }
  });

  it("a POST's query is its own short list: GET's parameters are refused on it", () => {
    expect(rules.decide('POST', '/rest/api/3/search/jql?jql=a', undefined)).toMatchObject({
      ok: false,
      message: 'POST /rest/api/3/search/jql: query parameter jql is not allowed (none allowed)',
    });
    expect(rules.decide('POST', '/rest/api/2/worklog/list?expand=properties', undefined)).toMatchObject({
      ok: true,
      upstreamQuery: '?expand=properties',
    });
  });

  it('the scopes of a POST are checked like a GET', () => {
    expect(
      rules.decide('POST', '/rest/api/3/changelog/bulkfetch', new Set(['read:issue.changelog:jira'])),
    ).toMatchObject({ ok: false, message: expect.stringContaining('needs scopes read:jira-work') });
    expect(rules.decide('POST', '/rest/api/3/changelog/bulkfetch', new Set(['read:jira-work'])).ok).toBe(
      true,
    );
  });
});

describe('a body that passes', () => {
  it('goes upstream re-serialized from the checked value, nulls left out', () => {
    const sent = post(
      '/rest/api/3/search/jql',
      ' {"jql" : "project = ENG", "fields":["summary","-comment"],\n"maxResults": 100, "nextPageToken": null, "fieldsByKeys": false}',
    );
    expect(sent.ok && sent.body.toString()).toBe(
      '{"jql":"project = ENG","fields":["summary","-comment"],"maxResults":100,"fieldsByKeys":false}',
    );
  });

  it('takes 1,000 issue keys and 10 field ids for bulk changelogs, 1,000 worklog ids', () => {
    expect(
      post(
        '/rest/api/3/changelog/bulkfetch',
        JSON.stringify({ issueIdsOrKeys: keys(1000), fieldIds: keys(10, (i) => `customfield_${i}`) }),
      ),
    ).toMatchObject({ ok: true });
    expect(post('/rest/api/3/worklog/list', JSON.stringify({ ids: keys(1000, (i) => i + 1) }))).toMatchObject(
      { ok: true },
    );
  });

  it('accepts Content-Type with charset=utf-8 in any case', () => {
    expect(
      post('/rest/api/3/search/approximate-count', '{"jql":"a"}', 'Application/JSON; charset=UTF-8'),
    ).toMatchObject({
      ok: true,
    });
  });
});

describe('a body that is refused, naming the key and never the value', () => {
  it.each([
    [
      'an array over its bound',
      JSON.stringify({ issueIdsOrKeys: keys(1001) }),
      'body key issueIdsOrKeys holds more than 1000 items',
    ],
    [
      'too many field ids',
      JSON.stringify({ issueIdsOrKeys: ['A-1'], fieldIds: keys(11, (i) => `f${i}`) }),
      'body key fieldIds holds more than 10 items',
    ],
    [
      'an empty key list',
      JSON.stringify({ issueIdsOrKeys: [] }),
      'body key issueIdsOrKeys holds fewer than 1 items',
    ],
    [
      'an unknown key',
      '{"issueIdsOrKeys":["A-1"],"expand":"renderedFields"}',
      'body key expand is not allowed (allowed: issueIdsOrKeys, fieldIds, maxResults, nextPageToken)',
    ],
    [
      'a prototype key',
      '{"issueIdsOrKeys":["A-1"],"__proto__":{"isAdmin":true}}',
      'body key __proto__ is not allowed',
    ],
    ['a wrong type', '{"issueIdsOrKeys":"ENG-1"}', 'body key issueIdsOrKeys must be an array'],
    [
      'a wrong item type',
      '{"issueIdsOrKeys":[10001]}',
      'body key issueIdsOrKeys has an item that must be a string',
    ],
    [
      'an item the pattern refuses',
      '{"issueIdsOrKeys":["ENG-1/../x"]}',
      'body key issueIdsOrKeys has an item that has a value the rules do not allow',
    ],
    ['a missing required key', '{"fieldIds":["status"]}', 'body key issueIdsOrKeys is required'],
    [
      'a number out of range',
      '{"issueIdsOrKeys":["A-1"],"maxResults":10001}',
      'body key maxResults must be between 1 and 10000',
    ],
    ['a fraction', '{"issueIdsOrKeys":["A-1"],"maxResults":1.5}', 'body key maxResults must be an integer'],
    [
      'an unsafe integer',
      '{"issueIdsOrKeys":["A-1"],"maxResults":1e400}',
      'body key maxResults must be an integer',
    ],
    [
      'a duplicate key (JSON.parse would keep the last)',
      '{"issueIdsOrKeys":["A-1"],"issueIdsOrKeys":["B-1"]}',
      'body key issueIdsOrKeys appears twice',
    ],
    [
      'a duplicate key written with an escape',
      '{"issueIdsOrKeys":["A-1"],"issueIdsOrKey\\u0073":["B-1"]}',
      'body key issueIdsOrKeys appears twice',
    ],
    [
      'an odd key name, not echoed',
      '{"issueIdsOrKeys":["A-1"],"a\\u202eb":1}',
      'body key (a name with characters no rule allows) is not allowed',
    ],
  ])('%s', (_why, body, message) => {
    const result = post('/rest/api/3/changelog/bulkfetch', body);
    expect(result).toEqual(refused('blocked_by_rules', `POST /rest/api/3/changelog/bulkfetch: ${message}`));
  });

  it.each([
    ['a control character in JQL', '{"jql":"project = A\\r\\nX-Evil: 1"}'],
    ['a right-to-left override', '{"jql":"a\\u202eb"}'],
    ['a zero-width space', '{"jql":"a\\u200bb"}'],
    ['a NUL', '{"jql":"a\\u0000"}'],
    ['a lone surrogate', '{"jql":"a\\ud800"}'],
  ])('a string with %s, as a query value would be', (_why, body) => {
    const result = post('/rest/api/3/search/approximate-count', body);
    expect(result).toEqual(
      refused('blocked_by_rules', 'body key jql holds a control, invisible or bidirectional character'),
    );
    expect(JSON.stringify(result)).not.toContain('Evil');
  });

  it('JQL longer than its bound; a value the pattern refuses is not echoed', () => {
    expect(post('/rest/api/3/search/approximate-count', JSON.stringify({ jql: 'a'.repeat(32_769) }))).toEqual(
      refused('blocked_by_rules', 'body key jql is longer than 32768 characters'),
    );
    const token = post('/rest/api/3/search/jql', '{"nextPageToken":"secret value"}');
    expect(token).toEqual(
      refused('blocked_by_rules', 'body key nextPageToken has a value the rules do not allow'),
    );
    expect(JSON.stringify(token)).not.toContain('secret');
  });

  it.each([
    ['empty', '', 'the body is empty; send a JSON object'],
    ['not JSON', '{"jql":bad}', 'the body is not valid JSON'],
    ['JSON with a trailing comma', '{"jql":"a",}', 'the body is not valid JSON'],
    ['a JSON array', '[{"jql":"a"}]', 'the body must be a JSON object'],
    ['a JSON string', '"jql"', 'the body must be a JSON object'],
    ['null', 'null', 'the body must be a JSON object'],
  ])('a body that is %s: 400', (_why, body, message) => {
    expect(post('/rest/api/3/search/approximate-count', body)).toEqual(refused('bad_request', message));
  });

  it('a body that is not UTF-8: 400', () => {
    const latin1 = Buffer.from('{"jql":"caf\xe9"}', 'latin1');
    expect(post('/rest/api/3/search/approximate-count', latin1)).toEqual(refused('bad_request', 'not UTF-8'));
  });

  it.each([
    [null],
    ['text/plain;charset=UTF-8'],
    ['application/x-www-form-urlencoded'],
    ['application/json; charset=latin1'],
    ['application/json, text/plain'],
    ['multipart/form-data; boundary=x'],
  ])('Content-Type %s: 415', (type) => {
    expect(post('/rest/api/3/search/approximate-count', '{"jql":"a"}', type)).toEqual(
      refused('unsupported_media_type', 'send the body as Content-Type: application/json'),
    );
  });

  it('a compressed body: 415', () => {
    const d = rules.decide('POST', '/rest/api/3/search/approximate-count', undefined);
    if (!d.ok || !d.body) throw new Error('no body rule');
    expect(checkBody(d.body.rule, JSON_TYPE, 'gzip', Buffer.from('{}'), d.body.what)).toEqual(
      refused('unsupported_media_type', 'a compressed body is not accepted'),
    );
  });

  it('a body over the size limit (the adapter stopped reading): 413', () => {
    expect(post('/rest/api/3/search/approximate-count', `{"jql":"${'a'.repeat(70_000)}"}`)).toEqual(
      refused('payload_too_large', 'the body is larger than 65536 bytes'),
    );
  });
});

describe('duplicateKey', () => {
  it('finds a repeated key at any depth, and only in the same object', () => {
    expect(duplicateKey('{"a":1,"b":{"c":1,"c":2}}')).toBe('c');
    expect(duplicateKey('{"a":{"x":1},"b":{"x":1}}')).toBeUndefined();
    expect(duplicateKey('{"a":["a","a"],"b":"a"}')).toBeUndefined();
    expect(duplicateKey('[{"k":1},{"k":2}]')).toBeUndefined();
    expect(duplicateKey('{"q\\"":1,"q\\u0022":2}')).toBe('q"');
    expect(duplicateKey('{"a":"\\\\","a":1}')).toBe('a');
  });
});

describe('body rules in a custom rules file', () => {
  const yaml = (body: string) => `endpoints:
  - id: count
    path: /rest/api/3/search/approximate-count
    methods: [POST]
    body:
${body}
`;

  it('compile and check as the built-in ones do', async () => {
    const custom = await loadRules(
      {
        ruleSets: [],
        rulesInline: yaml(`      keys:
        jql: { type: string, maxLength: 100, pattern: 'project = [A-Z]+' }
      required: [jql]
      maxBytes: 200`),
      },
      CLOUD_ID,
    );
    expect(custom.endpoints[0]?.bodyKeys).toEqual(['jql']);
    const d = custom.decide('POST', '/rest/api/3/search/approximate-count', undefined);
    if (!d.ok || !d.body) throw new Error('no body rule');
    expect(d.body.rule.maxBytes).toBe(200);
    const check = (b: string) => checkBody(d.body?.rule as never, JSON_TYPE, null, Buffer.from(b), 'POST x');
    expect(check('{"jql":"project = ENG"}')).toMatchObject({ ok: true });
    expect(check('{"jql":"assignee = x"}')).toMatchObject({ ok: false, code: 'blocked_by_rules' });
  });

  it('a rule may name keys that are Object.prototype names: they are kept, and required means present', async () => {
    const custom = await loadRules(
      {
        ruleSets: [],
        rulesInline: yaml(`      keys:
        constructor: { type: string }
        toString: { type: integer }
      required: [constructor]`),
      },
      CLOUD_ID,
    );
    const d = custom.decide('POST', '/rest/api/3/search/approximate-count', undefined);
    if (!d.ok || !d.body) throw new Error('no body rule');
    const check = (b: string) => checkBody(d.body?.rule as never, JSON_TYPE, null, Buffer.from(b), 'POST x');
    expect(check('{"toString":1}')).toMatchObject({
      ok: false,
      message: 'POST x: body key constructor is required',
    });
    const sent = check('{"constructor":"a","toString":2}');
    expect(sent.ok && sent.body.toString()).toBe('{"constructor":"a","toString":2}');
  });

  it.each([
    [
      'a body without POST',
      'methods: [POST]',
      'methods: [GET]',
      'a body rule is for POST: list POST in methods',
    ],
    [
      'an array without a bound',
      '      keys:\n        ids: { type: array, items: { type: integer } }',
      null,
      'maxItems',
    ],
    [
      'an unknown value type',
      '      keys:\n        ids: { type: object }',
      null,
      'must be { type: string | integer | boolean }',
    ],
    [
      'a required key that is not a key',
      '      keys:\n        jql: { type: string }\n      required: [jq]',
      null,
      'jq is not one of the body keys',
    ],
    [
      'a bad pattern',
      "      keys:\n        jql: { type: string, pattern: '(' }",
      null,
      'invalid regular expression',
    ],
    ['an unknown key in the body rule', '      keys: {}\n      schema: {}', null, 'unknown key "schema"'],
  ])('refuse %s, naming the line', async (_why, body, methods, message) => {
    let text = yaml(methods ? '      keys: {}' : body);
    if (methods) text = text.replace(body, methods);
    const load = loadRules({ ruleSets: [], rulesInline: text }, CLOUD_ID);
    await expect(load).rejects.toThrow(RulesError);
    await expect(load).rejects.toThrow(message);
    await expect(load).rejects.toThrow(/^RULES:\d+: /);
  });
});
