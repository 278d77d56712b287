import { type ApiAnswer, countParam, isAnswer } from './api-route';

/**
 * The two envelopes every Service Management answer comes in: its error (`errorMessage` with an
 * i18n key) and its page (`size`, `start`, `limit`, `isLastPage`, `values`, `_links`), which is
 * not Jira's PageBean.
 */

export const jsmError = (status: number, message: string, key: string): ApiAnswer => ({
  status,
  body: { errorMessage: message, i18nErrorMessage: { i18nKey: key, parameters: [] } },
});

interface Paging {
  start: number;
  limit: number;
}

/** Where a page's links point: the API base and the caller's query, repeated in `next`/`prev`. */
interface PageLinks {
  /** `https://<site>/rest/servicedeskapi` */
  base: string;
  query: URLSearchParams;
}

/** `start`/`limit` as Service Management reads them: integers, `limit` capped at 50. */
function paging(q: URLSearchParams): Paging | ApiAnswer {
  const start = countParam(q, 'start', 0);
  const limit = countParam(q, 'limit', 50);
  if (Number.isNaN(start) || Number.isNaN(limit)) {
    return jsmError(
      400,
      'The start and limit parameters must be non-negative integers.',
      'sd.paging.invalid',
    );
  }
  return { start, limit: Math.min(Math.max(limit, 1), 50) };
}

/** The page envelope; `next`/`prev` repeat the caller's other parameters, as Atlassian's do. */
function page<T>(all: readonly T[], p: Paging, self: string, { base, query }: PageLinks) {
  const values = all.slice(p.start, p.start + p.limit);
  const isLastPage = p.start + values.length >= all.length;
  const link = (start: number) => {
    const params = new URLSearchParams(query);
    params.set('start', String(start));
    params.set('limit', String(p.limit));
    return `${self}?${params}`;
  };
  return {
    _expands: [],
    size: values.length,
    start: p.start,
    limit: p.limit,
    isLastPage,
    _links: {
      self: link(p.start),
      base,
      context: '',
      ...(isLastPage ? {} : { next: link(p.start + p.limit) }),
      ...(p.start > 0 ? { prev: link(Math.max(0, p.start - p.limit)) } : {}),
    },
    values,
  };
}

/** A list endpoint's answer: the page the caller's `start`/`limit` ask for, or their 400. */
export function paged<T>(all: readonly T[], self: string, links: PageLinks): ApiAnswer {
  const p = paging(links.query);
  if (isAnswer(p)) return p;
  return { status: 200, body: page(all, p, self, links) };
}

/** An embedded collection (an `expand` of a request): its first page, its own links. */
export const embedded = <T>(all: readonly T[], self: string, links: { base: string }) =>
  page(all, { start: 0, limit: 50 }, self, { base: links.base, query: new URLSearchParams() });
