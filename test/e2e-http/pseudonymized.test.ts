import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/sandbox';
import {
  CASES,
  type Captured,
  captureAll,
  GOLDEN_SALT,
  readGolden,
  startPseudonymizingProxy,
} from '../golden/capture';
import {
  AUTHOR_ID,
  MENTIONED_ID,
  PROBES,
  RICH_DOC,
  type RichTextGolden,
  readRichTextGolden,
  startRichTextRun,
} from '../golden/rich-text';
import type { TestProxy } from '../helpers/proxy';
import { header, sendRaw } from './wire';

/**
 * Issue 9, end to end: `RULE_SET=jira-cloud-pseudonymized` through the running proxy, against the
 * sandbox's fixed-seed data, compared with the committed golden files (test/golden/*.json, written
 * by test/golden/generate.ts).
 */

const REGENERATE = 'regenerate with `npx tsx test/golden/generate.ts` and review the diff';

// Psoxy's URL_SAFE_TOKEN as docs/ATLASSIAN.md states it, written here independently of src/transforms.
const hashed = (text: string, salt: string) =>
  `t~${createHash('sha256')
    .update(text + salt, 'utf8')
    .digest('base64url')}`;
function pseudonymOf(value: string, salt: string): string {
  const email = /^([^@\s]+)@([^@\s]+)$/.exec(value);
  if (!email) return hashed(value, salt);
  const [, local = '', domain = ''] = email;
  const canonical = `${local.toLowerCase().split('+')[0]}@${domain.toLowerCase()}`;
  return `${hashed(canonical, salt)}@${domain}`;
}

const PERSON_KEYS = new Set([
  'accountId',
  'emailAddress',
  'leadAccountId',
  'tmpFromAccountId',
  'tmpToAccountId',
]);
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
const isObject = (x: unknown): x is { [key: string]: Json } =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * Walks an original body and its pseudonymized copy side by side (redaction removes keys, never
 * array elements) and calls `visit` for every person identifier present in both.
 */
function pairs(original: unknown, pseudonymized: unknown, visit: (from: string, to: unknown) => void): void {
  if (Array.isArray(original) && Array.isArray(pseudonymized)) {
    for (const [i, o] of original.entries()) pairs(o, pseudonymized[i], visit);
    return;
  }
  if (!isObject(original) || !isObject(pseudonymized)) return;
  // an ADF mention node names a person by account id in attrs.id
  if (original.type === 'mention' && isObject(original.attrs) && typeof original.attrs.id === 'string') {
    visit(original.attrs.id, isObject(pseudonymized.attrs) ? pseudonymized.attrs.id : undefined);
  }
  for (const [key, value] of Object.entries(original)) {
    if (!(key in pseudonymized)) continue;
    if (typeof value === 'string' && PERSON_KEYS.has(key)) visit(value, pseudonymized[key]);
    else pairs(value, pseudonymized[key], visit);
  }
}

/** Every person-identifying string in an original body: ids, addresses and their local parts, names. */
function sensitive(original: unknown, out = new Set<string>(), key = ''): Set<string> {
  if (Array.isArray(original)) for (const o of original) sensitive(o, out, key);
  else if (isObject(original)) {
    const mentionText = original.type === 'mention' && isObject(original.attrs) ? original.attrs : undefined;
    if (mentionText && typeof mentionText.text === 'string') out.add(mentionText.text);
    if (mentionText && typeof mentionText.id === 'string') out.add(mentionText.id);
    for (const [k, v] of Object.entries(original)) sensitive(v, out, k);
  } else if (typeof original === 'string') {
    if (PERSON_KEYS.has(key) || key === 'displayName') out.add(original);
    if (key === 'emailAddress') out.add(original.slice(0, original.indexOf('@') + 1));
  }
  return out;
}

let sandbox: Sandbox;
let proxy: TestProxy;
let live: Captured[];

beforeAll(async () => {
  sandbox = await startSandbox();
  proxy = await startPseudonymizingProxy(GOLDEN_SALT, { existingSandbox: sandbox });
  live = await captureAll(proxy);
});
afterAll(async () => {
  await proxy?.close();
  await sandbox?.close();
});

describe('every endpoint of jira-cloud-pseudonymized against its golden file', () => {
  it('covers every endpoint of the set', () => {
    expect(proxy.config.ruleSets).toEqual(['jira-cloud-pseudonymized']);
    expect(live.map((c) => c.endpoint).sort()).toEqual(Object.keys(CASES).sort());
  });

  it.each(Object.keys(CASES))('%s', (endpoint) => {
    const got = live.find((c) => c.endpoint === endpoint) as Captured;
    const golden = readGolden(endpoint);
    expect(got.upstream, 'the sandbox received another target').toBe(golden.upstream);
    expect(got.original, `the sandbox's data changed: ${REGENERATE}`).toEqual(golden.original);
    expect(got.pseudonymized, `the proxy's output changed: ${REGENERATE}`).toEqual(golden.pseudonymized);
    // byte for byte: the golden file holds the parsed body, its compact form is what was sent
    expect(got.body).toBe(JSON.stringify(golden.pseudonymized));
  });
});

describe('what the pseudonymized answers hold', () => {
  it('no email address, display name, raw account id or mention text from any original survives anywhere', () => {
    const words = new Set<string>();
    for (const c of live) sensitive(c.original, words);
    expect(words.size).toBeGreaterThan(60);
    for (const c of live) {
      const body = c.body.toLowerCase();
      const leaked = [...words].filter((w) => body.includes(w.toLowerCase()));
      expect(leaked, `${c.endpoint} leaks`).toEqual([]);
    }
  });

  it("every pseudonym is Psoxy's token of its original, and the same person gets the same token everywhere", () => {
    const tokenOf = new Map<string, string>();
    const personOf = new Map<string, string>();
    const seenIn = new Map<string, Set<string>>();
    let count = 0;
    for (const c of live) {
      pairs(c.original, c.pseudonymized, (from, to) => {
        count++;
        expect(to, `${c.endpoint}: ${from.slice(0, 6)}...`).toBe(pseudonymOf(from, GOLDEN_SALT));
        const token = to as string;
        expect(tokenOf.get(from) ?? token, 'one person, two tokens').toBe(token);
        expect(personOf.get(token) ?? from, 'one token, two people').toBe(from);
        tokenOf.set(from, token);
        personOf.set(token, from);
        seenIn.set(from, (seenIn.get(from) ?? new Set()).add(c.endpoint));
      });
    }
    expect(count).toBeGreaterThan(100);
    // people met on several endpoints: users, group members, authors, mentions, the consenting user
    const across = [...seenIn.values()].filter((s) => s.size >= 3);
    expect(across.length).toBeGreaterThanOrEqual(5);
    const myself = live.find((c) => c.endpoint === 'myself')?.original as { accountId: string };
    expect(seenIn.get(myself.accountId)?.has('users')).toBe(true);
  });

  it("an account id in an ADF mention gets the same token as that person's accountId", () => {
    const comments = live.find((c) => c.endpoint === 'issue-comment') as Captured;
    const users = live.find((c) => c.endpoint === 'users') as Captured;
    const usersOut = JSON.stringify(users.pseudonymized);
    const mentions = [...comments.body.matchAll(/"type":"mention","attrs":\{"id":"(t~[A-Za-z0-9_-]{43})"/g)];
    expect(mentions.length).toBeGreaterThan(0);
    for (const [, token] of mentions) expect(usersOut).toContain(`"accountId":"${token}"`);
  });

  it('another salt gives other tokens for the same people', async () => {
    const other = await startPseudonymizingProxy('another-salt', { existingSandbox: sandbox });
    try {
      const res = await fetch(`${other.url}${CASES.users}`);
      const body = (await res.json()) as { accountId: string; emailAddress?: string }[];
      const original = readGolden('users').original as { accountId: string; emailAddress?: string }[];
      const golden = readGolden('users').pseudonymized as { accountId: string }[];
      expect(body).toHaveLength(original.length);
      body.forEach((u, i) => {
        expect(u.accountId).not.toBe(golden[i]?.accountId);
        expect(u.accountId).toBe(pseudonymOf(original[i]?.accountId ?? '', 'another-salt'));
        if (u.emailAddress)
          expect(u.emailAddress).toBe(pseudonymOf(original[i]?.emailAddress ?? '', 'another-salt'));
      });
    } finally {
      await other.close();
    }
  });

  it('KEEP_PROJECT_NAMES=true keeps project names and keys, and only those', async () => {
    const named = await startPseudonymizingProxy(GOLDEN_SALT, {
      existingSandbox: sandbox,
      env: { KEEP_PROJECT_NAMES: 'true' },
    });
    try {
      const body = (await (await fetch(`${named.url}${CASES['project-search']}`)).json()) as {
        values: Record<string, unknown>[];
      };
      const { original, pseudonymized } = readGolden('project-search') as {
        original: { values: { key: string; name: string }[] };
        pseudonymized: { values: Record<string, unknown>[] };
      };
      expect(body.values.map((p) => [p.key, p.name])).toEqual(original.values.map((p) => [p.key, p.name]));
      // the rest is the default answer, field for field
      expect(body.values.map(({ key: _k, name: _n, ...rest }) => rest)).toEqual(pseudonymized.values);
    } finally {
      await named.close();
    }
  });
});

describe('the salt', () => {
  it("/_health shows the salt's SHA-256, never the salt", async () => {
    const sha = createHash('sha256').update(GOLDEN_SALT).digest('hex');
    for (const headers of [[], [['X-Psoxy-Health-Check', '1']]] as [string, string][][]) {
      const res = await sendRaw(
        proxy.url,
        'GET',
        headers.length ? '/rest/api/3/myself' : '/_health',
        headers,
      );
      expect(res.status).toBe(200);
      const body = JSON.parse(res.body) as { status: string; configured: { saltSha256: string } };
      expect(body.status).toBe('healthy');
      expect(body.configured.saltSha256).toBe(sha);
      expect(res.body.includes(GOLDEN_SALT), 'the salt itself is in /_health').toBe(false);
    }
  });

  it('a missing SALT secret gives 503 not_configured naming the secret, and /_health says unhealthy', async () => {
    const bare = await startPseudonymizingProxy(undefined, { existingSandbox: sandbox });
    try {
      const res = await sendRaw(bare.url, 'GET', CASES.users as string);
      expect(res.status).toBe(503);
      expect(header(res, 'x-psoxy-error')).toBe('CONNECTION_SETUP');
      const { error } = JSON.parse(res.body) as { error: { code: string; message: string } };
      expect(error.code).toBe('not_configured');
      expect(error.message).toContain('PSOXY_JIRA_CLOUD_SALT');
      expect(res.body).not.toContain('accountId');
      const health = await sendRaw(bare.url, 'GET', '/_health');
      expect(health.status).toBe(503);
      expect((JSON.parse(health.body) as { configured: { saltSha256: unknown } }).configured.saltSha256).toBe(
        null,
      );
    } finally {
      await bare.close();
    }
  });
});

describe('bodies the transforms cannot read', () => {
  const MARKER = 'Priya Novak priya.novak@acme.example';
  let fake: Server;
  let answer: { status: number; type: string; body: string };
  let p: TestProxy;
  beforeAll(async () => {
    // Jira's API gateway as a stand-in answering whatever the test sets; tokens still come from the sandbox.
    fake = createServer((_req, res) => {
      res.writeHead(answer.status, { 'content-type': answer.type }).end(answer.body);
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    const api = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
    p = await startPseudonymizingProxy(GOLDEN_SALT, {
      existingSandbox: sandbox,
      env: { ATLASSIAN_API_URL: api },
    });
  });
  afterAll(async () => {
    await p?.close();
    fake.closeAllConnections();
    await new Promise((r) => fake.close(r));
  });

  it('a 200 that is not JSON gives 502 transform_failed and none of the raw body', async () => {
    answer = { status: 200, type: 'text/html', body: `<html><body>${MARKER}</body></html>` };
    const res = await sendRaw(p.url, 'GET', CASES.users as string);
    expect(res.status).toBe(502);
    expect(header(res, 'x-psoxy-error')).toBe('API_ERROR');
    expect((JSON.parse(res.body) as { error: { code: string } }).error.code).toBe('transform_failed');
    expect(res.body).not.toContain('Priya');
    expect(res.body).not.toContain('<html');
  });

  it('JSON of the wrong shape (an object where an account id goes) comes out as null, nothing of it', async () => {
    answer = {
      status: 200,
      type: 'application/json',
      body: JSON.stringify([{ accountId: { name: MARKER } }]),
    };
    const res = await sendRaw(p.url, 'GET', CASES.users as string);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toStrictEqual([{ accountId: null }]);
  });

  it('an upstream error keeps its status and withholds its body', async () => {
    answer = { status: 500, type: 'text/html', body: `<html>${MARKER}</html>` };
    const res = await sendRaw(p.url, 'GET', CASES.myself as string);
    expect(res.status).toBe(500);
    expect(res.body).not.toContain('Priya');
    expect(res.body).not.toContain('<html');
  });
});

describe('rich-text bodies (ADF) keep their structure only', () => {
  let captured: (RichTextGolden & { body: string })[];
  let close: () => Promise<void>;
  beforeAll(async () => {
    const run = await startRichTextRun({ existingSandbox: sandbox });
    close = run.close;
    captured = await run.capture();
  });
  afterAll(async () => {
    await close?.();
  });
  const byEndpoint = (endpoint: string) => captured.find((c) => c.endpoint === endpoint) as RichTextGolden;
  // a token is random-looking base64url and may hold any short string by chance
  const withoutTokens = (text: string) => text.replace(/t~[A-Za-z0-9_-]{43}/g, '<token>');

  it('every endpoint answers as its golden file says', () => {
    const golden = readRichTextGolden();
    expect(captured.map((c) => c.endpoint)).toEqual(golden.map((g) => g.endpoint));
    for (const [i, c] of captured.entries()) {
      expect(c.original, `the fixture changed: ${REGENERATE}`).toEqual(golden[i]?.original);
      expect(c.pseudonymized, `${c.endpoint}: the proxy's output changed: ${REGENERATE}`).toEqual(
        golden[i]?.pseudonymized,
      );
      expect(c.body).toBe(JSON.stringify(golden[i]?.pseudonymized));
    }
  });

  it.each(['issue-comment', 'issue-worklog', 'issue', 'search-jql'])(
    '%s: no probe value appears anywhere in the answer',
    (endpoint) => {
      const c = captured.find((x) => x.endpoint === endpoint) as RichTextGolden & { body: string };
      // each probe is really in what the upstream sent, so this test can fail
      const sent = JSON.stringify(captured.map((x) => x.original)).toLowerCase();
      expect(PROBES.filter((p) => !sent.includes(p.toLowerCase()))).toEqual([]);
      expect(JSON.stringify(c.original)).toContain('probe.alice@corp.example');
      const answer = withoutTokens(c.body).toLowerCase();
      expect(PROBES.filter((p) => answer.includes(p.toLowerCase()))).toEqual([]);
    },
  );

  type Node = { type?: unknown; content?: Node[]; attrs?: Record<string, unknown> };
  const tree = (node: Node): unknown => ({
    type: node.type,
    ...(node.content ? { content: node.content.map(tree) } : {}),
  });
  function* nodes(node: Node): Generator<Node> {
    yield node;
    for (const child of node.content ?? []) yield* nodes(child);
  }

  it('comment and worklog bodies keep the whole node tree, and nothing but type, content and a mention id', () => {
    const comments = byEndpoint('issue-comment').pseudonymized as { comments: { body: Node }[] };
    const worklogs = byEndpoint('issue-worklog').pseudonymized as { worklogs: { comment: Node }[] };
    const bodies = [...comments.comments.map((c) => c.body), ...worklogs.worklogs.map((w) => w.comment)];
    expect(bodies).toHaveLength(3);
    for (const body of bodies) {
      expect(tree(body)).toEqual(tree(RICH_DOC as Node));
      for (const node of nodes(body)) {
        const allowed = node.type === 'mention' ? ['attrs', 'type'] : ['content', 'type'];
        expect(
          Object.keys(node).filter((k) => !allowed.includes(k)),
          String(node.type),
        ).toEqual([]);
        if (node.type === 'mention') expect(Object.keys(node.attrs ?? {})).toEqual(['id']);
      }
    }
  });

  it("a mention's account id gets the same token as that person's accountId elsewhere", () => {
    const page = byEndpoint('issue-comment').pseudonymized as {
      comments: { author: { accountId: string }; body: Node }[];
    };
    const [first] = page.comments;
    const mentioned = [...nodes(first?.body ?? {})]
      .filter((n) => n.type === 'mention')
      .map((n) => n.attrs?.id);
    expect(mentioned).toEqual([
      pseudonymOf(MENTIONED_ID, GOLDEN_SALT),
      pseudonymOf(AUTHOR_ID, GOLDEN_SALT),
      pseudonymOf(MENTIONED_ID, GOLDEN_SALT),
    ]);
    expect(mentioned[1]).toBe(first?.author.accountId);
  });

  it('issue and search answers drop description, environment, rich-text custom fields and rendered fields', () => {
    for (const endpoint of ['issue', 'search-jql']) {
      const body = JSON.stringify(byEndpoint(endpoint).pseudonymized);
      for (const key of [
        'description',
        'environment',
        'customfield_10050',
        'renderedFields',
        '"body"',
        '"comment"',
      ]) {
        expect(body, `${endpoint} holds ${key}`).not.toContain(key);
      }
    }
  });
});

describe('HEAD on a pseudonymized endpoint', () => {
  /** Every byte the server sends for one request on a connection it then closes. */
  function rawExchange(method: string, target: string): Promise<string> {
    const { hostname, port } = new URL(proxy.url);
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      const socket = connect(Number(port), hostname, () =>
        socket.write(
          `${method} ${target} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: close\r\n\r\n`,
        ),
      );
      socket.on('data', (d: Buffer) => chunks.push(d));
      socket.on('error', reject);
      socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    });
  }
  const IGNORED = new Set([
    'date',
    'content-length',
    'transfer-encoding',
    'x-request-id',
    'connection',
    'keep-alive',
  ]);
  // names only: the rate-limit values move between two calls
  const headersOf = (r: Awaited<ReturnType<typeof sendRaw>>) =>
    [...r.headers.keys()].filter((name) => !IGNORED.has(name)).sort();

  it.each(Object.entries(CASES))(
    '%s answers with the status and headers of GET, and no body',
    async (_, target) => {
      const before = sandbox.requests.length;
      const head = await sendRaw(proxy.url, 'HEAD', target);
      const methods = sandbox.requests.slice(before).filter((r) => r.rawPath !== '/oauth/token');
      // Jira need not answer HEAD (the sandbox does not): the proxy asks for the GET it stands for
      expect(methods.map((r) => r.method)).toEqual(['GET']);
      const get = await sendRaw(proxy.url, 'GET', target);
      expect(head.status).toBe(200);
      expect(head.status).toBe(get.status);
      expect(headersOf(head)).toEqual(headersOf(get));
      expect(headersOf(head)).toContain('x-ratelimit-remaining');
      expect(header(head, 'content-type')).toBe(header(get, 'content-type'));
      expect(header(head, 'etag')).toBe(header(get, 'etag'));
      const raw = await rawExchange('HEAD', target);
      expect(raw.slice(raw.indexOf('\r\n\r\n') + 4)).toBe('');
    },
  );

  it('an upstream error keeps its status on HEAD too', async () => {
    const target = '/rest/api/3/issue/NOPE-999999';
    const get = await sendRaw(proxy.url, 'GET', target);
    const head = await sendRaw(proxy.url, 'HEAD', target);
    expect(get.status).toBe(404);
    expect(head.status).toBe(404);
    expect(header(head, 'content-type')).toBe('application/json');
  });
});
