import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  JIRA_SOFTWARE_SCOPES,
  PSOXY_SCOPES,
  SANDBOX_SITE,
  type Sandbox,
  startSandbox,
} from '../../src/sandbox';
import { startProxy, type TestProxy } from '../helpers/proxy';
import { header, sendRaw, type WireResponse } from './wire';

/**
 * Issue 24's allowlist attack tests for read-only POSTs, end to end: hostile bodies, oversized
 * arrays and bodies, smuggling, and write methods on the paths the reads share, sent raw to the
 * proxy as `serve` runs it. The sandbox's log is the judge: nothing refused may reach it.
 */

let sandbox: Sandbox;
let proxy: TestProxy;

beforeAll(async () => {
  sandbox = await startSandbox();
  proxy = await startProxy({
    existingSandbox: sandbox,
    scopes: [...PSOXY_SCOPES, ...JIRA_SOFTWARE_SCOPES],
    env: { RULE_SET: 'jira-cloud,jira-software' },
  });
});
afterAll(async () => {
  await proxy?.close();
  await sandbox?.close();
});

const apiHits = (from: number) => sandbox.requests.slice(from).filter((r) => r.rawPath.startsWith('/ex/'));

/** A request with a body and its framing: Content-Length unless `chunked`. */
function send(
  method: string,
  target: string,
  body: string | Buffer,
  headers: [string, string][] = [['Content-Type', 'application/json']],
  chunked = false,
): Promise<WireResponse> {
  const bytes = Buffer.from(body);
  const framing: [string, string][] = chunked
    ? [['Transfer-Encoding', 'chunked']]
    : [['Content-Length', String(bytes.length)]];
  const payload = chunked
    ? Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from('\r\n0\r\n\r\n')])
    : bytes;
  return sendRaw(proxy.url, method, target, [...headers, ...framing], payload);
}

function expectRefused(res: WireResponse, status: number, code: string): string {
  expect(res.status, res.body).toBe(status);
  expect(header(res, 'content-type')).toMatch(/^application\/json/);
  expect(header(res, 'x-psoxy-error')).toBe(status === 403 ? 'BLOCKED_BY_RULES' : 'INVALID_REQUEST');
  const body = JSON.parse(res.body) as { error: { code: string; message: string } };
  expect(body.error.code).toBe(code);
  return body.error.message;
}

const BULK = '/rest/api/3/changelog/bulkfetch';
const keys = (n: number) => Array.from({ length: n }, (_, i) => `ENG-${i + 1}`);

describe('hostile POST bodies never reach Jira', () => {
  it.each([
    ['not JSON', BULK, '{"issueIdsOrKeys":bad}', 400, 'bad_request'],
    ['an empty body', BULK, '', 400, 'bad_request'],
    ['a JSON array', BULK, '[]', 400, 'bad_request'],
    [
      'invalid UTF-8',
      BULK,
      Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]),
      400,
      'bad_request',
    ],
    ['1,001 issue keys', BULK, JSON.stringify({ issueIdsOrKeys: keys(1001) }), 403, 'blocked_by_rules'],
    [
      '11 field ids',
      BULK,
      JSON.stringify({ issueIdsOrKeys: ['ENG-1'], fieldIds: keys(11) }),
      403,
      'blocked_by_rules',
    ],
    ['an unknown key', BULK, '{"issueIdsOrKeys":["ENG-1"],"properties":["x"]}', 403, 'blocked_by_rules'],
    ['a wrong type', BULK, '{"issueIdsOrKeys":"ENG-1"}', 403, 'blocked_by_rules'],
    [
      'a duplicate key',
      BULK,
      '{"issueIdsOrKeys":["ENG-1"],"issueIdsOrKeys":["OPS-1"]}',
      403,
      'blocked_by_rules',
    ],
    ['a __proto__ key', BULK, '{"issueIdsOrKeys":["ENG-1"],"__proto__":{"a":1}}', 403, 'blocked_by_rules'],
    ['CRLF in JQL', '/rest/api/3/search/jql', '{"jql":"a\\r\\nX-Evil: 1"}', 403, 'blocked_by_rules'],
    [
      'a bidi override in JQL',
      '/rest/api/3/search/approximate-count',
      '{"jql":"a\\u202eb"}',
      403,
      'blocked_by_rules',
    ],
    [
      'a worklog id that is not a number',
      '/rest/api/3/worklog/list',
      '{"ids":["1 OR 1=1"]}',
      403,
      'blocked_by_rules',
    ],
    [
      'an HTTP request as a body',
      BULK,
      'GET /rest/api/3/group/member?groupName=x HTTP/1.1\r\nHost: x\r\n\r\n',
      400,
      'bad_request',
    ],
  ])('%s', async (_why, target, body, status, code) => {
    const before = sandbox.requests.length;
    const message = expectRefused(await send('POST', target, body), status, code);
    expect(message).not.toContain('Evil');
    expect(message).not.toContain('OR 1=1');
    expect(apiHits(before)).toEqual([]);
  });

  it.each([
    ['text/plain', [['Content-Type', 'text/plain;charset=UTF-8']]],
    ['no Content-Type', []],
    ['form encoding', [['Content-Type', 'application/x-www-form-urlencoded']]],
    [
      'a compressed body',
      [
        ['Content-Type', 'application/json'],
        ['Content-Encoding', 'gzip'],
      ],
    ],
  ] as [string, [string, string][]][])('%s: 415', async (_why, headers) => {
    const before = sandbox.requests.length;
    expectRefused(
      await send('POST', BULK, '{"issueIdsOrKeys":["ENG-1"]}', headers),
      415,
      'unsupported_media_type',
    );
    expect(apiHits(before)).toEqual([]);
  });

  it.each([
    ['with Content-Length', false],
    ['chunked', true],
  ])('a body over the limit, %s: 413 and the connection closed', async (_why, chunked) => {
    const before = sandbox.requests.length;
    const big = JSON.stringify({ issueIdsOrKeys: keys(1000).map((k) => `${k}${'0'.repeat(600)}`) });
    const res = await send('POST', BULK, big, [['Content-Type', 'application/json']], chunked);
    expectRefused(res, 413, 'payload_too_large');
    expect(header(res, 'connection')).toBe('close');
    expect(apiHits(before)).toEqual([]);
  });

  it('Content-Length and Transfer-Encoding together, or two lengths: refused by the server', async () => {
    const before = sandbox.requests.length;
    const body = '{"jql":"a"}';
    const both = await sendRaw(
      proxy.url,
      'POST',
      '/rest/api/3/search/approximate-count',
      [
        ['Content-Type', 'application/json'],
        ['Content-Length', String(body.length)],
        ['Transfer-Encoding', 'chunked'],
      ],
      `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
    );
    expect(both.status).toBe(400);
    const twice = await sendRaw(
      proxy.url,
      'POST',
      '/rest/api/3/search/approximate-count',
      [
        ['Content-Type', 'application/json'],
        ['Content-Length', String(body.length)],
        ['Content-Length', '0'],
      ],
      body,
    );
    expect(twice.status).toBe(400);
    expect(apiHits(before)).toEqual([]);
  });
});

describe('write methods stay refused on the paths the reads share', () => {
  it.each([
    ['PUT', '/rest/api/3/search/jql'],
    ['DELETE', '/rest/api/3/search/jql'],
    ['PATCH', '/rest/api/2/search/jql'],
    ['PUT', BULK],
    ['DELETE', '/rest/api/3/worklog/list'],
    ['POST', '/rest/api/3/worklog/updated'],
    ['POST', '/rest/api/3/users/search'],
    ['POST', '/rest/api/3/issue/ENG-1/worklog'],
    ['POST', '/rest/agile/1.0/sprint/1/issue'],
    ['PUT', '/rest/agile/1.0/sprint/1'],
  ])('%s %s with a JSON body: 403', async (method, target) => {
    const before = sandbox.requests.length;
    const message = expectRefused(
      await send(method, target, '{"jql":"a","ids":[1]}'),
      403,
      'blocked_by_rules',
    );
    expect(message).toContain('is not allowed (allowed:');
    expect(apiHits(before)).toEqual([]);
  });
});

describe('an allowed POST', () => {
  it('goes upstream re-serialized from the checked body, with none of the caller headers', async () => {
    const before = sandbox.requests.length;
    const res = await send(
      'POST',
      '/rest/api/3/search/jql',
      '{ "jql" : "project = ENG", "maxResults": 2,\n "fields": ["summary"], "nextPageToken": null }',
      [
        ['Content-Type', 'application/json; charset=utf-8'],
        ['X-HTTP-Method-Override', 'DELETE'],
        ['Cookie', 'session=caller'],
      ],
    );
    expect(res.status, res.body).toBe(200);
    expect((JSON.parse(res.body) as { issues: unknown[] }).issues).toHaveLength(2);
    const [sent, ...more] = apiHits(before);
    expect(more).toEqual([]);
    expect(sent?.method).toBe('POST');
    expect(sent?.rawPath).toBe(`/ex/jira/${SANDBOX_SITE.id}/rest/api/3/search/jql`);
    expect(sent?.body).toBe('{"jql":"project = ENG","maxResults":2,"fields":["summary"]}');
    expect(sent?.headers['content-type']).toBe('application/json');
    expect(sent?.headers['x-http-method-override']).toBeUndefined();
    expect(sent?.headers.cookie).toBeUndefined();
  });

  it('a GET with a body: the body is neither read nor sent', async () => {
    const before = sandbox.requests.length;
    const res = await send('GET', '/rest/api/3/myself', '{"smuggled":true}');
    expect(res.status).toBe(200);
    const [sent] = apiHits(before);
    expect(sent?.body).toBe('');
    expect(sent?.headers['content-length']).toBeUndefined();
  });
});
