// Probe values for the documented-shape golden tests. Every field Atlassian documents gets a value
// that says what it is: free text, names, URLs and file names carry SECRET (none may survive), the
// names an operator may keep with KEEP_PROJECT_NAMES carry PROJECTNAME, and people are the four
// below, whose account ids and addresses must come out as their pseudonyms wherever they survive.

export const PEOPLE = {
  ana: { accountId: '5d8e1f2a3b4c5d6e7f8a9b0c', emailAddress: 'Ana.Ruiz@Acme.Example', name: 'Ana Ruiz' },
  bo: {
    accountId: '712020:0f6e2d4c-1b3a-4c5d-9e8f-7a6b5c4d3e2f',
    emailAddress: 'bo.chen+jira@acme.example',
    name: 'Bo Chen',
  },
  kim: { accountId: '63a1b2c3d4e5f60718293a4b', emailAddress: 'kim@subsidiary.example', name: 'Kim Okafor' },
  lee: {
    accountId: 'qm:8c1d6a5e-2f4b-4e7a-9c3d-1b2a3c4d5e6f',
    emailAddress: 'lee@customer.example',
    name: 'Lee Park',
  },
};
export type Person = (typeof PEOPLE)[keyof typeof PEOPLE];

/** Free text, a name, a key or a label that must not survive. */
export const secret = (what: string) => `SECRET ${what}`;
/** A URL that must not survive (it may hold a name, a file name or a raw account id). */
export const secretUrl = (what: string) => `https://SECRET.example/${what.replace(/\s+/g, '-')}`;
/** A name the operator keeps with KEEP_PROJECT_NAMES=true, and only then. */
export const projectName = (what: string) => `PROJECTNAME ${what}`;

export const SITE = 'https://acme-example.atlassian.net';
export const API = 'https://api.atlassian.com/ex/jira/3b9a6f0e-51c2-4d7a-8e1f-2c4b6d8a0e13/rest/api/3';

export const avatarUrls = (of: string) => ({
  '16x16': secretUrl(`${of}-avatar-16`),
  '24x24': secretUrl(`${of}-avatar-24`),
  '32x32': secretUrl(`${of}-avatar-32`),
  '48x48': secretUrl(`${of}-avatar-48`),
});

/** Atlassian Document Format: text with marks, a mention, a link card, media and more. */
export function adf(mentioned: Person) {
  return {
    type: 'doc',
    version: 1,
    content: [
      {
        type: 'paragraph',
        content: [
          {
            type: 'text',
            text: secret('comment words'),
            marks: [{ type: 'link', attrs: { href: secretUrl('link') } }],
          },
          {
            type: 'mention',
            attrs: { id: mentioned.accountId, text: `@${mentioned.name}`, accessLevel: '' },
          },
          { type: 'emoji', attrs: { shortName: secret('emoji'), id: '1f600', text: secret('emoji text') } },
          { type: 'inlineCard', attrs: { url: secretUrl('card') } },
          {
            type: 'status',
            attrs: { text: secret('status lozenge'), color: 'red', localId: secret('local id') },
          },
          { type: 'date', attrs: { timestamp: '1700000000000' } },
        ],
      },
      {
        type: 'mediaSingle',
        attrs: { layout: 'center' },
        content: [
          {
            type: 'media',
            attrs: {
              id: secret('media id'),
              type: 'file',
              collection: secret('collection'),
              alt: secret('passport.pdf'),
            },
          },
        ],
      },
      {
        type: 'codeBlock',
        attrs: { language: secret('language') },
        content: [{ type: 'text', text: secret('code') }],
      },
    ],
  };
}

/** A v2 (wiki markup) body: a string, with a mention in Jira's plain-text form. */
export const wiki = (mentioned: Person) => `SECRET words [~accountid:${mentioned.accountId}]`;
