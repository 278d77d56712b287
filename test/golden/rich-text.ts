import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Sandbox } from '../../src/sandbox';
import type { TestProxy } from '../helpers/proxy';
import { GOLDEN_DIR, GOLDEN_SALT, startPseudonymizingProxy } from './capture';

/**
 * Issue 16's rich-text golden file: Atlassian Document Format bodies built from every node and mark
 * type Atlassian documents for Jira (text with marks, mention, inlineCard, blockCard, embedCard,
 * media, mediaInline, emoji, status, date, codeBlock, panel, table, expand, taskItem, ...), each
 * carrying probe values. A loopback upstream the test controls serves them in comment and worklog
 * pages, a single issue and a search page; the proxy's answers must keep the node tree and the
 * mentions' pseudonymized account ids, and no probe anywhere.
 */

export const AUTHOR_ID = '5b10ac8d82e05b22cc7d4ef5';
export const MENTIONED_ID = '712020:0e3f5a9e-probe-4b1c-9d2e-6f7a8b9c0d1e';
const author = {
  self: `https://probe-site.atlassian.net/rest/api/3/user?accountId=${AUTHOR_ID}`,
  accountId: AUTHOR_ID,
  accountType: 'atlassian',
  emailAddress: 'Probe.Author@Corp.Example',
  avatarUrls: { '48x48': 'https://probe-avatar.example/author.png' },
  displayName: 'Probe Author Name',
  active: true,
  timeZone: 'Europe/Lisbon',
  locale: 'pt_PT',
};

/** Strings from the bodies and people above that must not appear in any pseudonymized answer. */
export const PROBES = [
  'mailto:',
  'probe.alice@corp.example',
  'Probe Link Title',
  'probe words in a paragraph',
  'probe.bob@corp.example',
  '@Probe Mention Name',
  'CONTAINER',
  'https://probe-inline.example/card',
  'Probe JSON-LD Name',
  'https://probe-jsonld.example/doc',
  'https://probe-block.example/page',
  'https://probe-embed.example/video',
  'probe-media-id-7f3c',
  'probe-collection',
  'probe-secret-plan.pdf',
  'probe-inline-media-id',
  'probe-inline-file.docx',
  ':probe_emoji:',
  'probe-emoji-id',
  'PROBE STATUS TEXT',
  'probe-status-local',
  '1700000000000',
  'probe-lang',
  'probe_code_secret()',
  'probe-panel-icon',
  '#0probe',
  'probe-table-local',
  '#1probe',
  '4242',
  'Probe Expand Title',
  'Probe Nested Expand',
  'probe-tasklist-local',
  'probe-task-local',
  'probe-decision-local',
  '#2probe',
  'probe-annotation-id',
  'probe-extension-key',
  'probe-extension-parameter',
  'probe hard-coded caption',
  'Probe Author Name',
  'Probe.Author@Corp.Example',
  'https://probe-avatar.example',
  AUTHOR_ID,
  MENTIONED_ID,
  'Probe summary',
  'probe rendered html',
];

const text = (value: string, marks?: unknown[]) => ({
  type: 'text',
  text: value,
  ...(marks ? { marks } : {}),
});
const paragraph = (...content: unknown[]) => ({ type: 'paragraph', content });

/** One document with every node and mark type, each holding a probe. */
export const RICH_DOC = {
  type: 'doc',
  version: 1,
  content: [
    paragraph(
      text('probe words in a paragraph ', [
        { type: 'strong' },
        { type: 'textColor', attrs: { color: '#2probe' } },
      ]),
      text('probe.alice@corp.example', [
        { type: 'link', attrs: { href: 'mailto:probe.alice@corp.example', title: 'Probe Link Title' } },
        { type: 'annotation', attrs: { id: 'probe-annotation-id', annotationType: 'inlineComment' } },
      ]),
      { type: 'hardBreak' },
      text('write to probe.bob@corp.example', [{ type: 'em' }]),
      {
        type: 'mention',
        attrs: {
          id: MENTIONED_ID,
          text: '@Probe Mention Name',
          accessLevel: 'CONTAINER',
          userType: 'DEFAULT',
        },
      },
      { type: 'mention', attrs: { id: AUTHOR_ID, text: '@Probe Author Name' } },
      { type: 'inlineCard', attrs: { url: 'https://probe-inline.example/card' } },
      {
        type: 'inlineCard',
        attrs: {
          data: { '@type': 'Document', url: 'https://probe-jsonld.example/doc', name: 'Probe JSON-LD Name' },
        },
      },
      { type: 'emoji', attrs: { shortName: ':probe_emoji:', id: 'probe-emoji-id', text: '🦊' } },
      {
        type: 'status',
        attrs: { text: 'PROBE STATUS TEXT', color: 'yellow', localId: 'probe-status-local' },
      },
      { type: 'date', attrs: { timestamp: '1700000000000' } },
      {
        type: 'mediaInline',
        attrs: { id: 'probe-inline-media-id', collection: '', type: 'file', alt: 'probe-inline-file.docx' },
      },
    ),
    { type: 'blockCard', attrs: { url: 'https://probe-block.example/page' } },
    {
      type: 'embedCard',
      attrs: { url: 'https://probe-embed.example/video', layout: 'center', width: 42.42 },
    },
    {
      type: 'mediaSingle',
      attrs: { layout: 'center', width: 4242 },
      content: [
        {
          type: 'media',
          attrs: {
            id: 'probe-media-id-7f3c',
            type: 'file',
            collection: 'probe-collection',
            alt: 'probe-secret-plan.pdf',
            width: 4242,
            height: 4242,
          },
          marks: [{ type: 'link', attrs: { href: 'mailto:probe.alice@corp.example' } }],
        },
        { type: 'caption', content: [text('probe hard-coded caption')] },
      ],
    },
    {
      type: 'mediaGroup',
      content: [
        { type: 'media', attrs: { id: 'probe-media-id-7f3c', type: 'file', collection: 'probe-collection' } },
      ],
    },
    {
      type: 'codeBlock',
      attrs: { language: 'probe-lang' },
      content: [text('probe_code_secret()')],
    },
    {
      type: 'panel',
      attrs: { panelType: 'custom', panelIconText: 'probe-panel-icon', panelColor: '#0probe' },
      content: [paragraph(text('probe words in a paragraph'))],
    },
    {
      type: 'table',
      attrs: { isNumberColumnEnabled: false, layout: 'default', localId: 'probe-table-local' },
      content: [
        {
          type: 'tableRow',
          content: [
            {
              type: 'tableHeader',
              attrs: { colwidth: [4242] },
              content: [paragraph(text('probe words in a paragraph'))],
            },
            {
              type: 'tableCell',
              attrs: { background: '#1probe', colspan: 1, rowspan: 1 },
              content: [
                paragraph({ type: 'mention', attrs: { id: MENTIONED_ID, text: '@Probe Mention Name' } }),
              ],
            },
          ],
        },
      ],
    },
    {
      type: 'expand',
      attrs: { title: 'Probe Expand Title' },
      content: [
        {
          type: 'nestedExpand',
          attrs: { title: 'Probe Nested Expand' },
          content: [paragraph(text('probe words in a paragraph'))],
        },
      ],
    },
    {
      type: 'taskList',
      attrs: { localId: 'probe-tasklist-local' },
      content: [
        {
          type: 'taskItem',
          attrs: { localId: 'probe-task-local', state: 'DONE' },
          content: [text('probe words in a paragraph')],
        },
      ],
    },
    {
      type: 'decisionList',
      attrs: { localId: 'probe-decision-local' },
      content: [
        { type: 'decisionItem', attrs: { localId: 'probe-decision-local', state: 'DECIDED' }, content: [] },
      ],
    },
    {
      type: 'bulletList',
      content: [{ type: 'listItem', content: [paragraph(text('probe.bob@corp.example'))] }],
    },
    { type: 'rule' },
    {
      type: 'extension',
      attrs: {
        extensionType: 'com.atlassian.ecosystem',
        extensionKey: 'probe-extension-key',
        parameters: { value: 'probe-extension-parameter' },
      },
    },
  ],
};

const comment = (id: string) => ({
  self: `https://probe-site.atlassian.net/rest/api/3/issue/10001/comment/${id}`,
  id,
  author,
  body: RICH_DOC,
  renderedBody: '<p>probe rendered html <a href="mailto:probe.alice@corp.example">mail</a></p>',
  updateAuthor: author,
  created: '2025-03-04T10:00:00.000+0000',
  updated: '2025-03-04T10:00:00.000+0000',
  jsdPublic: true,
  properties: [{ key: 'probe-extension-key', value: { note: 'probe-extension-parameter' } }],
});

const worklog = (id: string) => ({
  self: `https://probe-site.atlassian.net/rest/api/3/issue/10001/worklog/${id}`,
  author,
  updateAuthor: author,
  comment: RICH_DOC,
  created: '2025-03-04T10:00:00.000+0000',
  updated: '2025-03-04T10:00:00.000+0000',
  started: '2025-03-04T09:00:00.000+0000',
  timeSpent: '1h',
  timeSpentSeconds: 3600,
  id,
  issueId: '10001',
});

const issue = {
  expand: 'renderedFields',
  id: '10001',
  self: 'https://probe-site.atlassian.net/rest/api/3/issue/10001',
  key: 'PRB-1',
  renderedFields: { description: '<p>probe rendered html mailto:probe.alice@corp.example</p>' },
  fields: {
    summary: 'Probe summary',
    description: RICH_DOC,
    environment: RICH_DOC,
    customfield_10050: RICH_DOC,
    reporter: author,
    comment: { comments: [comment('20001')], maxResults: 1, total: 1, startAt: 0 },
    worklog: { worklogs: [worklog('30001')], maxResults: 1, total: 1, startAt: 0 },
  },
};

/** What the test's upstream answers, by the path the proxy asks for (query aside). */
export const RICH_TEXT_CASES: Record<string, { request: string; original: unknown }> = {
  'issue-comment': {
    request: '/rest/api/3/issue/PRB-1/comment',
    original: { startAt: 0, maxResults: 2, total: 2, comments: [comment('20001'), comment('20002')] },
  },
  'issue-worklog': {
    request: '/rest/api/3/issue/PRB-1/worklog',
    original: { startAt: 0, maxResults: 1, total: 1, worklogs: [worklog('30001')] },
  },
  issue: { request: '/rest/api/3/issue/PRB-1', original: issue },
  'search-jql': {
    request: '/rest/api/3/search/jql?jql=project%20%3D%20PRB&fields=*all',
    original: { issues: [issue], isLast: true },
  },
};

export interface RichTextGolden {
  endpoint: string;
  request: string;
  original: unknown;
  pseudonymized: unknown;
}

export const RICH_TEXT_FILE = join(GOLDEN_DIR, 'rich-text.json');
export const readRichTextGolden = (): RichTextGolden[] =>
  JSON.parse(readFileSync(RICH_TEXT_FILE, 'utf8')) as RichTextGolden[];

export interface RichTextRun {
  proxy: TestProxy;
  /** Every answer through the proxy, with its body exactly as sent. */
  capture(): Promise<(RichTextGolden & { body: string })[]>;
  close(): Promise<void>;
}

/** A pseudonymizing proxy whose Jira is a loopback server answering RICH_TEXT_CASES. */
export async function startRichTextRun(opts: { existingSandbox?: Sandbox } = {}): Promise<RichTextRun> {
  const byPath = new Map(
    Object.values(RICH_TEXT_CASES).map((c) => [
      c.request.split('?')[0] as string,
      JSON.stringify(c.original),
    ]),
  );
  const upstream: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0]?.replace(/^\/ex\/jira\/[^/]+/, '') ?? '';
    const body = byPath.get(path);
    if (body === undefined) res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
    else res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const api = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  const proxy = await startPseudonymizingProxy(GOLDEN_SALT, { ...opts, env: { ATLASSIAN_API_URL: api } });
  return {
    proxy,
    async capture() {
      const out: (RichTextGolden & { body: string })[] = [];
      for (const [endpoint, { request, original }] of Object.entries(RICH_TEXT_CASES)) {
        const res = await fetch(`${proxy.url}${request}`);
        const body = await res.text();
        if (res.status !== 200) throw new Error(`${endpoint}: the proxy answered ${res.status}: ${body}`);
        out.push({ endpoint, request, original, pseudonymized: JSON.parse(body), body });
      }
      return out;
    },
    async close() {
      await proxy.close();
      upstream.closeAllConnections();
      await new Promise((r) => upstream.close(r));
    },
  };
}
