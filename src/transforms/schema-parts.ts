import type { ResponseSchema } from './schema-filter';

// The building blocks of the built-in allow-lists (response schemas). Every schema here names what
// survives; what it does not name is dropped, at any depth.

export const text: ResponseSchema = { type: 'string' };
export const integer: ResponseSchema = { type: 'integer' };
export const flag: ResponseSchema = { type: 'boolean' };

export const object = (properties: Record<string, ResponseSchema>): ResponseSchema => ({
  type: 'object',
  properties,
});
export const array = (items: ResponseSchema): ResponseSchema => ({ type: 'array', items });
export const idOnly = object({ id: text });

/** Offset paging, as the older Jira pages (comments, worklogs, agile issues) do it. */
export const offsetPage = (items: string, item: ResponseSchema): Record<string, ResponseSchema> => ({
  maxResults: integer,
  startAt: integer,
  total: integer,
  [items]: array(item),
});

/** Jira's `PageBean`: offset paging with `isLast`, the items in `values`. */
export const pageBean = (item: ResponseSchema): Record<string, ResponseSchema> => ({
  isLast: flag,
  ...offsetPage('values', item),
});

/** Service Management paging: `start`, `limit`, `size`, `isLastPage`; its `_links` (page URLs) go. */
export const servicePage = (item: ResponseSchema): ResponseSchema =>
  object({ isLastPage: flag, limit: integer, size: integer, start: integer, values: array(item) });

/**
 * What an Atlassian Document Format body keeps: each node's `type` and `content`, and the account id
 * a `mention` names in `attrs.id` (pseudonymized like any account id). Every other attribute (link
 * and card URLs, media ids and alt text, emoji names, status text, dates), every mark and every
 * `text` is dropped, as is the document's `version`: the node tree is all that remains. Spread
 * into the root of a schema that uses `richText`.
 */
const RICH_TEXT_DEFINITIONS: Record<string, ResponseSchema> = {
  adfNode: {
    type: 'object',
    properties: { type: text, content: array({ $ref: '#/definitions/adfNode' }) },
    discriminator: { propertyName: 'type', mapping: { mention: '#/definitions/adfMention' } },
  },
  adfMention: object({ type: text, attrs: object({ id: text }) }),
};
export const richText: ResponseSchema = { $ref: '#/definitions/adfNode' };

/** A root schema that may use `richText` below it. */
export const withRichText = (schema: ResponseSchema): ResponseSchema => ({
  ...schema,
  definitions: RICH_TEXT_DEFINITIONS,
});
