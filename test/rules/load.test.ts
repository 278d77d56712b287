import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRules, RulesError } from '../../src/rules';
import type { RuleSetName } from '../../src/rules/sets/names';
import { CLOUD_ID } from './corpus';

const dir = mkdtempSync(join(tmpdir(), 'rules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function file(text: string, ext = 'yaml'): string {
  const path = join(dir, `rules-${++n}.${ext}`);
  writeFileSync(path, text);
  return path;
}

const load = (rulesFile: string) => loadRules({ rulesFile, ruleSets: ['jira-cloud'] }, CLOUD_ID);

async function loadError(text: string, ext = 'yaml'): Promise<{ path: string; message: string }> {
  const path = file(text, ext);
  try {
    await load(path);
  } catch (err) {
    expect(err).toBeInstanceOf(RulesError);
    return { path, message: (err as Error).message };
  }
  throw new Error('the rules loaded');
}

const CUSTOM = `# only users and one issue's comments, v3
endpoints:
  - id: users
    path: /rest/api/{version}/users
    params: { version: '3' }
    query:
      startAt: '\\d{1,6}'
      maxResults: null
    scopes:
      - [read:jira-user]
  - id: comments
    pathRegex: ^/rest/api/3/issue/[A-Z]+-\\d+/comment$
    methods: [GET, POST]
  - id: properties
    path: /ex/jira/{cloudId}/rest/api/3/issue/{key}/properties
    query:
      expand: { pattern: 'a|b', multiple: true }
`;

const customRules = await load(file(CUSTOM));

describe('custom rules file', () => {
  const rules = customRules;

  it('replaces the built-in set', async () => {
    expect(rules.endpoints.map((e) => e.id)).toEqual(['users', 'comments', 'properties']);
    expect(rules.decide('GET', '/rest/api/3/myself', undefined)).toMatchObject({ ok: false, status: 403 });
    expect(rules.endpoints[1]).toMatchObject({
      methods: ['GET', 'POST', 'HEAD'],
      scopes: [],
      transformed: false,
    });
  });

  it('applies params, patterns (whole value), null patterns, regex paths, methods and repeats', async () => {
    expect(rules.decide('GET', '/rest/api/3/users?startAt=10&maxResults=anything', undefined)).toMatchObject({
      ok: true,
      upstreamQuery: '?startAt=10&maxResults=anything',
    });
    expect(rules.decide('GET', '/rest/api/2/users', undefined).ok).toBe(false);
    // `\d{1,6}` as written is not anchored; patterns still match the whole value
    expect(rules.decide('GET', '/rest/api/3/users?startAt=12x', undefined).ok).toBe(false);
    expect(rules.decide('POST', '/rest/api/3/issue/AB-1/comment', undefined)).toMatchObject({
      ok: true,
      upstreamPath: `/ex/jira/${CLOUD_ID}/rest/api/3/issue/AB-1/comment`,
    });
    expect(rules.decide('DELETE', '/rest/api/3/issue/AB-1/comment', undefined).ok).toBe(false);
    expect(rules.decide('POST', '/rest/api/3/issue/AB-1/comment/x', undefined).ok).toBe(false);
    expect(
      rules.decide('GET', '/rest/api/3/issue/K-9/properties?expand=a&expand=b', undefined),
    ).toMatchObject({
      ok: true,
      endpointId: 'properties',
    });
    expect(rules.decide('GET', '/rest/api/3/issue/K-9/properties?expand=c', undefined).ok).toBe(false);
  });

  it('reads JSON (tab-indented too) and inline RULES text', async () => {
    const json = JSON.stringify(
      { endpoints: [{ id: 'me', path: '/rest/api/3/myself', scopes: [['read:jira-user']] }] },
      null,
      '\t',
    );
    expect((await load(file(json, 'json'))).endpoints.map((e) => e.id)).toEqual(['me']);
    const inline = await loadRules({ rulesInline: json, ruleSets: ['jira-cloud'] }, CLOUD_ID);
    expect(inline.decide('GET', '/rest/api/3/myself', undefined)).toMatchObject({
      ok: true,
      endpointId: 'me',
    });
  });
});

describe('the example in docs/RULES.md', () => {
  it('loads and means what the doc says', async () => {
    const doc = readFileSync(new URL('../../docs/RULES.md', import.meta.url), 'utf8');
    const example = /```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(example).toBeDefined();
    const rules = await load(file(example as string));
    expect(rules.endpoints.map((e) => [e.id, e.transformed])).toEqual([
      ['users', false],
      ['issue-comments', true],
    ]);
    expect(rules.decide('HEAD', '/rest/api/3/users?startAt=5', new Set(['read:user:jira'])).ok).toBe(true);
    expect(
      rules.decide(
        'GET',
        '/rest/api/3/issue/AB2-7/comment?expand=renderedBody&expand=renderedBody',
        undefined,
      ).ok,
    ).toBe(true);
    expect(rules.decide('GET', '/rest/api/3/issue/ab-7/comment', undefined).ok).toBe(false);
  });
});

describe('rules file errors name the file and the line', () => {
  it('bad YAML', async () => {
    const { path, message } = await loadError('endpoints:\n  - id: a\n    path: [unclosed\n');
    expect(message).toMatch(new RegExp(`^${reEscape(path)}:\\d+: not valid YAML or JSON`));
  });

  it('bad JSON', async () => {
    const { path, message } = await loadError(
      '{\n  "endpoints": [\n    {"id": "a", "path": "/rest/x"},,\n  ]\n}',
      'json',
    );
    expect(message).toMatch(new RegExp(`^${reEscape(path)}:3: not valid YAML or JSON`));
  });

  it('duplicate key', async () => {
    const { path, message } = await loadError('endpoints:\n  - id: a\n    id: b\n    path: /rest/a\n');
    expect(message).toMatch(new RegExp(`^${reEscape(path)}:3: not valid YAML or JSON: .*unique`));
  });

  it('unknown key', async () => {
    const { path, message } = await loadError(
      'endpoints:\n  - id: a\n    path: /rest/a\n  - id: b\n    path: /rest/b\n    method: [GET]\n',
    );
    expect(message).toBe(`${path}:6: endpoints[1]: unknown key "method"`);
  });

  it('bad regex in a path parameter', async () => {
    const { path, message } = await loadError(
      "endpoints:\n  - id: a\n    path: /rest/api/{version}/users\n    params:\n      version: '[23'\n",
    );
    expect(message).toMatch(
      new RegExp(`^${reEscape(path)}:5: endpoints\\[0\\]\\.params\\.version: invalid regular expression`),
    );
  });

  it('bad regex in a query pattern and in pathRegex', async () => {
    const q = await loadError("endpoints:\n  - id: a\n    path: /rest/a\n    query:\n      x: '(+'\n");
    expect(q.message).toMatch(
      new RegExp(`^${reEscape(q.path)}:5: endpoints\\[0\\]\\.query\\.x: invalid regular`),
    );
    const p = await loadError("endpoints:\n  - id: a\n    pathRegex: '^/rest/(a$'\n");
    expect(p.message).toMatch(
      new RegExp(`^${reEscape(p.path)}:3: endpoints\\[0\\]\\.pathRegex: invalid regular`),
    );
  });

  it('missing path', async () => {
    const { path, message } = await loadError(
      'endpoints:\n  - id: a\n    path: /rest/a\n  - id: b\n    methods: [GET]\n',
    );
    expect(message).toBe(`${path}:4: endpoints[1]: needs exactly one of path or pathRegex`);
  });

  it.each([
    ['a path outside /rest and /oauth', 'path: /admin/x', ':3: endpoints[0].path: must start with /rest/'],
    ['a dot segment in a template', 'path: /rest/../x', ':3: endpoints[0].path: segment ".." is not allowed'],
    ['an encoded segment in a template', 'path: /rest/a%2fb', ':3: endpoints[0].path: segment "a%2fb"'],
    ['an unanchored pathRegex', "pathRegex: '/rest/.*'", ':3: endpoints[0].pathRegex: must be anchored'],
    [
      'a params key the path lacks',
      'path: /rest/a\n    params: { v: x }',
      ':4: endpoints[0].params.v: the path has no {v}',
    ],
    [
      'an unknown method',
      'path: /rest/a\n    methods: [GETS]',
      ':4: endpoints[0].methods[0]: must be one of',
    ],
    [
      'an empty scope alternative',
      'path: /rest/a\n    scopes: [[]]',
      ':4: endpoints[0].scopes[0]: an alternative',
    ],
    [
      'a bad transform path',
      'path: /rest/a\n    transforms: { redact: ["$..["] }',
      ':4: endpoints[0].transforms: ',
    ],
  ])('%s', async (_name, body, expected) => {
    const { path, message } = await loadError(`endpoints:\n  - id: a\n    ${body}\n`);
    expect(message.startsWith(`${path}${expected}`), message).toBe(true);
  });

  it('an id used twice', async () => {
    const { path, message } = await loadError(
      'endpoints:\n  - id: a\n    path: /rest/a\n  - id: a\n    path: /rest/b\n',
    );
    expect(message).toBe(`${path}:4: endpoints[1].id: endpoint id a is used twice`);
  });

  it('no endpoints, and a missing file', async () => {
    const { path, message } = await loadError('endpoints: []\n');
    expect(message).toBe(`${path}:1: endpoints: needs at least one endpoint`);
    await expect(load(join(dir, 'absent.yaml'))).rejects.toThrow(
      /^RULES_FILE .*absent\.yaml: cannot read it \(ENOENT\)$/,
    );
  });

  it('inline RULES are named RULES', async () => {
    await expect(
      loadRules({ rulesInline: 'endpoints:\n  - id: A\n', ruleSets: [] }, CLOUD_ID),
    ).rejects.toThrow(/^RULES:2: endpoints\[0\]\.id: must be lower-case/);
  });
});

describe('built-in sets', () => {
  it('jira-cloud-pseudonymized has the same endpoints, each transformed', async () => {
    const plain = await loadRules({ ruleSets: ['jira-cloud'] }, CLOUD_ID);
    const pseudo = await loadRules({ ruleSets: ['jira-cloud-pseudonymized'] }, CLOUD_ID);
    expect(pseudo.endpoints.map(({ transformed, ...e }) => e)).toEqual(
      plain.endpoints.map(({ transformed, ...e }) => e),
    );
    expect(pseudo.endpoints.every((e) => e.transformed)).toBe(true);
    expect(plain.endpoints.some((e) => e.transformed)).toBe(false);
    const d = pseudo.decide('GET', '/rest/api/3/users', undefined);
    expect(d.ok && d.transform).toBeTruthy();
  });

  it('refuses sets that are not built in, and two sets defining one endpoint', async () => {
    // every name config accepts is built in now: a name from a newer config stands in
    const newer = 'jira-future' as RuleSetName;
    await expect(loadRules({ ruleSets: [newer] }, CLOUD_ID)).rejects.toThrow(
      'RULE_SET: the rule set jira-future is not built into this version',
    );
    await expect(
      loadRules({ ruleSets: ['jira-cloud', 'jira-cloud-pseudonymized'] }, CLOUD_ID),
    ).rejects.toThrow(
      'RULE_SET: jira-cloud and jira-cloud-pseudonymized both define the endpoint users; choose one',
    );
  });

  it('matches the configured cloud id case-insensitively and sends it lower-case', async () => {
    const rules = await loadRules({ ruleSets: ['jira-cloud'] }, CLOUD_ID.toUpperCase());
    expect(rules.decide('GET', `/ex/jira/${CLOUD_ID}/rest/api/3/myself`, undefined)).toMatchObject({
      ok: true,
      upstreamPath: `/ex/jira/${CLOUD_ID}/rest/api/3/myself`,
    });
  });
});

function reEscape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
