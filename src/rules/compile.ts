import type { CompiledTransform, ResponseSchema, TransformSpec } from '../transforms';
import { type CompiledBody, compileBody } from './body';
import { RuleProblem } from './errors';
import type { EndpointRule, Method } from './schema';

/** One endpoint rule, compiled once per cold start into what `decide` needs per request. */
export interface CompiledEndpoint {
  id: string;
  /** As written: the template (`/rest/api/{version}/users`) or the regular expression. */
  path: string;
  methods: ReadonlySet<string>;
  /** null: no template; the whole path is tested against `regex`. */
  template: Segment[] | null;
  regex: RegExp | null;
  query: ReadonlyMap<string, QueryRule>;
  /** POST's JSON body and its query parameters (`query` is then GET's); undefined: POST takes no body. */
  body: { rule: CompiledBody; query: ReadonlyMap<string, QueryRule> } | undefined;
  /** Alternatives: any one fully granted will do; empty = no scope needed. */
  scopes: readonly (readonly string[])[];
  transform: CompiledTransform | undefined;
}

export type Segment = { literal: string } | { param: string; pattern: RegExp | null };

export interface QueryRule {
  pattern: RegExp | null;
  multiple: boolean;
}

const LITERAL = /^[A-Za-z0-9._~:@-]+$/;
const PARAM = /^\{([A-Za-z][A-Za-z0-9_]{0,63})\}$/;
/** Psoxy writes paths in the caller's form; the configured cloud id is implied here. */
const PSOXY_PREFIX = '/ex/jira/{cloudId}/rest/';

/**
 * src/transforms' compileTransform, passed in rather than imported: the transforms (and
 * jsonpath-plus) then load only for rule sets that have one (`loadRules`).
 */
export type TransformCompiler = (spec: TransformSpec) => CompiledTransform;

export function compileEndpoint(
  rule: EndpointRule,
  at: (string | number)[],
  compileTransform?: TransformCompiler,
): CompiledEndpoint {
  const methods = new Set<string>(rule.methods ?? ['GET']);
  // HEAD is GET without a body: allowing one allows the other
  if (methods.has('GET' satisfies Method)) methods.add('HEAD');

  let template: Segment[] | null = null;
  let regex: RegExp | null = null;
  const params = rule.params ?? {};
  if (rule.path !== undefined) {
    template = compileTemplate(rule.path, params, [...at, 'path']);
  } else {
    const source = rule.pathRegex as string;
    if (!/^\^\/(rest|oauth)\//.test(source) || !source.endsWith('$')) {
      throw new RuleProblem(
        [...at, 'pathRegex'],
        'must be anchored (^...$) and start with ^/rest/ or ^/oauth/',
      );
    }
    regex = compileRegex(source, [...at, 'pathRegex'], false);
    if (Object.keys(params).length > 0) {
      throw new RuleProblem([...at, 'params'], 'params apply to {param} segments of a path template only');
    }
  }

  const query = compileQuery(rule.query, [...at, 'query']);

  let body: CompiledEndpoint['body'];
  if (rule.body) {
    if (!methods.has('POST' satisfies Method)) {
      throw new RuleProblem([...at, 'body'], 'a body rule is for POST: list POST in methods');
    }
    body = {
      rule: compileBody(rule.body, [...at, 'body']),
      query: compileQuery(rule.body.query, [...at, 'body', 'query']),
    };
  }

  let transform: CompiledTransform | undefined;
  if (rule.transforms) {
    if (!compileTransform) throw new RuleProblem([...at, 'transforms'], 'transforms cannot be compiled here');
    try {
      transform = compileTransform({
        redact: rule.transforms.redact,
        pseudonymize: rule.transforms.pseudonymize,
        responseSchema: rule.transforms.responseSchema as ResponseSchema | undefined,
      });
    } catch (err) {
      throw new RuleProblem([...at, 'transforms'], (err as Error).message);
    }
  }

  return {
    id: rule.id,
    path: rule.path ?? (rule.pathRegex as string),
    methods,
    template,
    regex,
    query,
    body,
    scopes: rule.scopes ?? [],
    transform,
  };
}

function compileQuery(spec: EndpointRule['query'], at: (string | number)[]): Map<string, QueryRule> {
  const query = new Map<string, QueryRule>();
  for (const [name, param] of Object.entries(spec ?? {})) {
    const where = [...at, name];
    if (param === null || typeof param === 'string') {
      query.set(name, { pattern: param === null ? null : compileRegex(param, where), multiple: false });
    } else {
      const pattern = param.pattern == null ? null : compileRegex(param.pattern, [...where, 'pattern']);
      query.set(name, { pattern, multiple: param.multiple ?? false });
    }
  }
  return query;
}

function compileTemplate(path: string, params: Record<string, string>, at: (string | number)[]): Segment[] {
  const logical = path.startsWith(PSOXY_PREFIX) ? `/rest/${path.slice(PSOXY_PREFIX.length)}` : path;
  if (!/^\/(rest|oauth)\//.test(logical)) {
    throw new RuleProblem(at, 'must start with /rest/ (a Jira site path) or /oauth/ (the API gateway root)');
  }
  const seen = new Set<string>();
  const segments = logical
    .slice(1)
    .split('/')
    .map((part): Segment => {
      const param = PARAM.exec(part)?.[1];
      if (param !== undefined) {
        if (seen.has(param)) throw new RuleProblem(at, `{${param}} appears twice`);
        seen.add(param);
        const pattern = params[param];
        return {
          param,
          pattern:
            pattern === undefined ? null : compileRegex(pattern, [...at.slice(0, -1), 'params', param]),
        };
      }
      if (!LITERAL.test(part) || /^\.+$/.test(part)) {
        throw new RuleProblem(
          at,
          `segment ${JSON.stringify(part)} is not allowed: use letters, digits and . _ ~ : @ -, or a whole-segment {param}`,
        );
      }
      return { literal: part };
    });
  for (const name of Object.keys(params)) {
    if (!seen.has(name))
      throw new RuleProblem([...at.slice(0, -1), 'params', name], `the path has no {${name}}`);
  }
  return segments;
}

/** Value patterns always match the whole value, anchored or not as written. */
function compileRegex(source: string, at: (string | number)[], whole = true): RegExp {
  try {
    // `u`: patterns count code points, so a length limit on a UTF-8 query value means characters
    return new RegExp(whole ? `^(?:${source})$` : source, 'u');
  } catch (err) {
    throw new RuleProblem(at, `invalid regular expression: ${(err as Error).message}`);
  }
}

export function matchesPath(endpoint: CompiledEndpoint, path: string, segments: readonly string[]): boolean {
  const template = endpoint.template;
  if (template === null) return (endpoint.regex as RegExp).test(path);
  if (template.length !== segments.length) return false;
  for (let i = 0; i < template.length; i++) {
    const t = template[i] as Segment;
    const s = segments[i] as string;
    if ('literal' in t) {
      if (t.literal !== s) return false;
    } else if (t.pattern !== null && !t.pattern.test(s)) {
      return false;
    }
  }
  return true;
}
