import { describe, expect, it } from 'vitest';
import { compileTransform, pseudonymize } from '../../src/transforms';
import { type EndpointKey, JIRA_CLOUD_TRANSFORMS } from '../../src/transforms/jira-cloud';
import { PEOPLE, RESPONSES, SENSITIVE } from './jira-responses';

const SALT = 'jira-golden-salt';
const KEYS = Object.keys(RESPONSES) as EndpointKey[];

const tok = (value: string) => pseudonymize(value, SALT) as string;
const ana = tok(PEOPLE.ana.accountId);
const bo = tok(PEOPLE.bo.accountId);
const kim = tok(PEOPLE.kim.accountId);

// biome-ignore lint/suspicious/noExplicitAny: the sanitized documents are walked ad hoc below
function sanitize(key: EndpointKey): any {
  return compileTransform(JIRA_CLOUD_TRANSFORMS[key]).apply(structuredClone(RESPONSES[key]), SALT);
}

describe('JIRA_CLOUD_TRANSFORMS', () => {
  it('every spec compiles', () => {
    for (const spec of Object.values(JIRA_CLOUD_TRANSFORMS))
      expect(() => compileTransform(spec)).not.toThrow();
  });

  it.each(KEYS)('%s: no name, address, raw account id or free text survives', (key) => {
    // tokens are random-looking base64url and could contain any short word by chance
    const serialized = JSON.stringify(sanitize(key)).replace(/t~[A-Za-z0-9_-]{43}/g, '<token>');
    const leaks = SENSITIVE.filter((word) => serialized.toLowerCase().includes(word.toLowerCase()));
    expect(leaks).toStrictEqual([]);
  });

  it('users: ids and addresses become tokens, the domain stays as written', () => {
    expect(sanitize('users')).toStrictEqual([
      {
        accountId: ana,
        emailAddress: tok(PEOPLE.ana.emailAddress),
        active: true,
        timeZone: 'Europe/Madrid',
        accountType: 'atlassian',
      },
      { accountId: bo, active: true, timeZone: 'Europe/Madrid', accountType: 'atlassian' },
      {
        accountId: kim,
        emailAddress: tok(PEOPLE.kim.emailAddress),
        active: true,
        timeZone: 'Europe/Madrid',
        accountType: 'app',
      },
    ]);
    expect(tok(PEOPLE.ana.emailAddress)).toMatch(/^t~[A-Za-z0-9_-]{43}@Acme\.Example$/);
  });

  it('one person gets one token on every endpoint, mention nodes included', () => {
    const comments = sanitize('issue-comment').comments;
    expect(comments[0].author.accountId).toBe(kim);
    expect(comments[1].author.accountId).toBe(bo);
    const mentionNode = comments[0].body.content[0].content[1];
    expect(mentionNode).toStrictEqual({ type: 'mention', attrs: { id: ana } });
    expect(sanitize('myself').accountId).toBe(ana);
    expect(sanitize('issue').fields.assignee.accountId).toBe(ana);
    expect(sanitize('issue-worklog').worklogs[0].comment.content[0].content[1].attrs.id).toBe(kim);
  });

  it('issue-comment keeps the ADF structure but not its words', () => {
    const [first] = sanitize('issue-comment').comments;
    expect(first.body.content[0].content.map((node: { type: string }) => node.type)).toStrictEqual([
      'text',
      'mention',
      'text',
    ]);
    expect(first.body.content[0].content[0]).toStrictEqual({ type: 'text' });
    expect(first.author).toStrictEqual({
      accountId: kim,
      emailAddress: tok(PEOPLE.kim.emailAddress),
      active: true,
      timeZone: 'Europe/Madrid',
      accountType: 'atlassian',
    });
  });

  it('issue-changelog drops field values and pseudonymizes the assignee ids', () => {
    const [, reassignment] = sanitize('issue-changelog').values;
    expect(reassignment.items).toStrictEqual([
      {
        field: 'assignee',
        fieldtype: 'jira',
        fieldId: 'assignee',
        tmpFromAccountId: kim,
        tmpToAccountId: ana,
      },
    ]);
  });

  it('search-jql keeps paging and the allow-listed fields only', () => {
    const page = sanitize('search-jql');
    expect(page.nextPageToken).toBe('CAEaAggD');
    expect(page.isLast).toBe(false);
    const [found] = page.issues;
    expect(Object.keys(found)).toStrictEqual(['id', 'self', 'fields', 'changelog']);
    expect(found.fields.assignee.accountId).toBe(ana);
    expect(found.fields.reporter.accountId).toBe(bo);
    expect(found.fields.updated).toBeNull();
    expect(found.fields.worklog.worklogs[0].author.accountId).toBe(ana);
    expect(found.fields).not.toHaveProperty('summary');
    expect(found.fields).not.toHaveProperty('comment');
    expect(found.changelog.histories[0].items).toStrictEqual([{ field: 'summary', fieldtype: 'jira' }]);
  });

  it('issue applies the same allow-list to a single issue', () => {
    const single = sanitize('issue');
    expect(single.fields.attachment).toStrictEqual([
      {
        id: '50001',
        author: expect.objectContaining({ accountId: ana }),
        created: '2025-03-04T09:00:00.000+0100',
        size: 2048,
      },
    ]);
    expect(single.fields.project).toStrictEqual({
      id: '10010',
      projectTypeKey: 'software',
      simplified: true,
    });
  });

  it('project-search pseudonymizes the lead and the project address', () => {
    const [project] = sanitize('project-search').values;
    expect(project.lead.accountId).toBe(kim);
    expect(project.email).toBe(tok('kim@subsidiary.example'));
    expect(project).not.toHaveProperty('description');
    expect(project).not.toHaveProperty('avatarUrls');
  });

  it('group-bulk, group-member and accessible-resources keep ids only where Psoxy does', () => {
    expect(sanitize('group-bulk').values).toStrictEqual([
      { groupId: '276f955c-63d7-42c8-9520-92d01dca0625' },
      { groupId: '6e87dc72-4f1f-421f-9382-2fee8b652487' },
    ]);
    expect(sanitize('group-member').values.map((m: { accountId: string }) => m.accountId)).toStrictEqual([
      ana,
      kim,
    ]);
    expect(sanitize('accessible-resources')).toStrictEqual([
      { id: '3b9a6f0e-51c2-4d7a-8e1f-2c4b6d8a0e13', url: 'https://acme-example.atlassian.net' },
    ]);
  });

  it('leaves the parsed responses untouched', () => {
    const before = JSON.stringify(RESPONSES);
    for (const key of KEYS) sanitize(key);
    expect(JSON.stringify(RESPONSES)).toBe(before);
  });
});
