import type { Issue } from './jira-model';

/**
 * The slice of JQL an analytics pipeline sends: clauses joined by AND over project, key, id,
 * status, issuetype, assignee, reporter, created and updated (=, !=, in, <, <=, >, >=; dates as
 * "yyyy-MM-dd[ HH:mm]" or relative like -7d), then an optional ORDER BY. Anything else is a 400,
 * as Jira answers a query it cannot parse, so a client never gets silently unfiltered results.
 */

export class JqlError extends Error {}

export interface Query {
  matches(issue: Issue): boolean;
  compare(a: Issue, b: Issue): number;
}

type Field =
  | 'project'
  | 'key'
  | 'id'
  | 'status'
  | 'issuetype'
  | 'assignee'
  | 'reporter'
  | 'created'
  | 'updated';
const ALIASES: Record<string, Field> = {
  project: 'project',
  key: 'key',
  issuekey: 'key',
  id: 'id',
  status: 'status',
  issuetype: 'issuetype',
  type: 'issuetype',
  assignee: 'assignee',
  reporter: 'reporter',
  created: 'created',
  createddate: 'created',
  updated: 'updated',
  updateddate: 'updated',
};
const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export function parseJql(jql: string, now: number): Query {
  const [where = '', order] = jql.split(/\border\s+by\b/i);
  const clauses = where.trim()
    ? where
        .trim()
        .split(/\s+and\s+/i)
        .map((c) => clause(c.trim(), now))
    : [];
  return {
    matches: (issue) => clauses.every((c) => c(issue)),
    compare: ordering(order),
  };
}

function clause(text: string, now: number): (i: Issue) => boolean {
  const m = /^([\w]+)\s*(!=|>=|<=|=|>|<|\bnot\s+in\b|\bin\b)\s*(.+)$/i.exec(text);
  if (!m) throw new JqlError(`Error in the JQL Query: cannot parse '${text}'.`);
  const [, rawField = '', rawOp = '', rawValue = ''] = m;
  const field = ALIASES[rawField.toLowerCase()];
  if (!field)
    throw new JqlError(`Field '${rawField}' does not exist or you do not have permission to view it.`);
  const op = rawOp.toLowerCase().replace(/\s+/g, ' ');
  const values = op.endsWith('in') ? list(rawValue) : [unquote(rawValue)];

  if (field === 'created' || field === 'updated') {
    if (op.endsWith('in'))
      throw new JqlError(`The operator '${op}' is not supported by the '${field}' field.`);
    const at = instant(values[0] ?? '', now);
    const cmp = COMPARE[op];
    if (!cmp) throw new JqlError(`The operator '${op}' is not supported by the '${field}' field.`);
    return (i) => cmp(i[field], at);
  }
  if (!['=', '!=', 'in', 'not in'].includes(op)) {
    throw new JqlError(`The operator '${op}' is not supported by the '${field}' field.`);
  }
  const wanted = values.map((v) => v.toLowerCase());
  const hit = (i: Issue) => candidates(field, i).some((c) => wanted.includes(c.toLowerCase()));
  return op === '=' || op === 'in' ? hit : (i) => !hit(i);
}

function candidates(field: Exclude<Field, 'created' | 'updated'>, i: Issue): string[] {
  switch (field) {
    case 'project':
      return [i.project.key, i.project.id, i.project.name];
    case 'key':
      return [i.key];
    case 'id':
      return [i.id];
    case 'status':
      return [i.status.name, i.status.id];
    case 'issuetype':
      return [i.issueType.name, i.issueType.id];
    case 'assignee':
      return i.assignee ? [i.assignee.accountId] : ['empty', 'null'];
    case 'reporter':
      return [i.reporter.accountId];
  }
}

const COMPARE: Record<string, (a: number, b: number) => boolean> = {
  '=': (a, b) => a === b,
  '!=': (a, b) => a !== b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
};

function instant(value: string, now: number): number {
  const rel = /^([+-]?)(\d+)([mhdw])$/i.exec(value);
  if (rel) {
    const ms = Number(rel[2]) * (UNITS[(rel[3] ?? '').toLowerCase()] ?? 0);
    return rel[1] === '-' ? now - ms : now + ms;
  }
  const abs = /^(\d{4})[-/](\d{2})[-/](\d{2})(?: (\d{2}):(\d{2}))?$/.exec(value);
  if (!abs) throw new JqlError(`Date value '${value}' for field is invalid.`);
  const [, y, mo, d, h = '0', mi = '0'] = abs;
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi));
}

function list(raw: string): string[] {
  const m = /^\((.*)\)$/.exec(raw.trim());
  if (!m) throw new JqlError(`Error in the JQL Query: expected a list in '${raw}'.`);
  return (m[1] ?? '')
    .split(',')
    .map((s) => unquote(s.trim()))
    .filter(Boolean);
}

function unquote(v: string): string {
  const t = v.trim();
  return /^(["']).*\1$/.test(t) ? t.slice(1, -1) : t;
}

function ordering(order: string | undefined): (a: Issue, b: Issue) => number {
  // Without ORDER BY, newest first: what the sandbox documents, and stable for paging.
  const spec = (order ?? 'created DESC').trim();
  const keys = spec.split(',').map((part) => {
    const [name = '', dir = 'ASC'] = part.trim().split(/\s+/);
    const field = ALIASES[name.toLowerCase()];
    if (!field || !['created', 'updated', 'key', 'id'].includes(field)) {
      throw new JqlError(`Not able to sort using field '${name}'.`);
    }
    if (!/^(asc|desc)$/i.test(dir))
      throw new JqlError(`Error in the JQL Query: bad sort direction '${dir}'.`);
    const sign = dir.toLowerCase() === 'desc' ? -1 : 1;
    return (a: Issue, b: Issue) => sign * sortValue(field, a, b);
  });
  // Ties broken by id so every page boundary is deterministic.
  return (a, b) => {
    for (const k of keys) {
      const c = k(a, b);
      if (c) return c;
    }
    return Number(a.id) - Number(b.id);
  };
}

function sortValue(field: Field, a: Issue, b: Issue): number {
  if (field === 'created' || field === 'updated') return a[field] - b[field];
  if (field === 'key') {
    return (
      a.project.key.localeCompare(b.project.key) || Number(a.key.split('-')[1]) - Number(b.key.split('-')[1])
    );
  }
  return Number(a.id) - Number(b.id);
}
