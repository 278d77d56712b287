import type { CompiledTransform } from '../transforms';
import type { CompiledBody } from './body';
import { type CanonicalTarget, canonicalise, encodeValue, MAX_QUERY_LENGTH, type Refusal } from './canonical';
import { type CompiledEndpoint, matchesPath, type QueryRule } from './compile';

export type Decision =
  | {
      ok: true;
      endpointId: string;
      upstreamPath: string;
      upstreamQuery: string;
      transform?: CompiledTransform;
      /** A POST whose JSON body must pass `rule` (src/rules/body.ts); `what` names the call in messages. */
      body?: { rule: CompiledBody; what: string };
      /** What goes upstream as the body: set by the core once `body` has passed, never by the rules. */
      upstreamBody?: Buffer;
    }
  | {
      ok: false;
      status: 400 | 403 | 404 | 405 | 414;
      code: 'blocked_by_rules' | 'bad_request';
      message: string;
    };

const METHOD_TOKEN = /^[A-Z]{1,16}$/;
const MAX_ECHOED_PATH = 200;

const refuse = (message: string): Refusal => ({ ok: false, status: 403, code: 'blocked_by_rules', message });

/** The per-request check: canonical form first, then path, method, query parameters, scopes. */
export function decide(
  endpoints: readonly CompiledEndpoint[],
  cloudId: string,
  method: string,
  rawTarget: string,
  grantedScopes: ReadonlySet<string> | undefined,
): Decision {
  const target = canonicalise(rawTarget, cloudId);
  if (!target.ok) return target;
  // Only the canonical path is echoed: it holds safe characters only.
  const shown =
    target.path.length > MAX_ECHOED_PATH ? `${target.path.slice(0, MAX_ECHOED_PATH)}...` : target.path;
  const verb = METHOD_TOKEN.test(method) ? method : '(invalid method)';

  let pathMatch: CompiledEndpoint | undefined;
  let endpoint: CompiledEndpoint | undefined;
  for (const e of endpoints) {
    if (!matchesPath(e, target.path, target.segments)) continue;
    pathMatch ??= e;
    if (e.methods.has(method)) {
      endpoint = e;
      break;
    }
  }
  if (!pathMatch) return refuse(`no rule allows ${shown}`);
  if (!endpoint) {
    return refuse(`${verb} ${shown} is not allowed (allowed: ${[...pathMatch.methods].join(', ')})`);
  }

  const what = `${verb} ${shown}`;
  // A POST with a body rule takes its parameters in the body; its query has its own (short) list.
  const bodyRule = method === 'POST' ? endpoint.body : undefined;
  const problem = checkQuery(bodyRule ? bodyRule.query : endpoint.query, target, what);
  if (problem) return problem;

  if (grantedScopes !== undefined && endpoint.scopes.length > 0) {
    const missing = missingScopes(endpoint.scopes, grantedScopes);
    if (missing) return refuse(`${what} needs scopes ${missing}`);
  }

  let upstreamQuery = '';
  for (const { name, value } of target.query) {
    upstreamQuery += `${upstreamQuery === '' ? '?' : '&'}${name}=${encodeValue(value)}`;
  }
  // The limit holds for what is sent: re-encoding can triple a value (a raw "(" goes as "%28").
  if (upstreamQuery.length - 1 > MAX_QUERY_LENGTH) {
    return {
      ok: false,
      status: 414,
      code: 'bad_request',
      message: `the query string is longer than ${MAX_QUERY_LENGTH} once encoded for Jira`,
    };
  }
  return {
    ok: true,
    endpointId: endpoint.id,
    upstreamPath: target.site ? `/ex/jira/${cloudId}${target.path}` : target.path,
    upstreamQuery,
    transform: endpoint.transform,
    ...(bodyRule ? { body: { rule: bodyRule.rule, what } } : {}),
  };
}

function checkQuery(
  rules: ReadonlyMap<string, QueryRule>,
  target: CanonicalTarget,
  what: string,
): Refusal | undefined {
  const seen = target.query.length > 1 ? new Set<string>() : undefined;
  for (const { name, value } of target.query) {
    const rule = rules.get(name);
    if (!rule) {
      const allowed = [...rules.keys()];
      return refuse(
        `${what}: query parameter ${name} is not allowed (${allowed.length ? `allowed: ${allowed.join(', ')}` : 'none allowed'})`,
      );
    }
    if (seen) {
      if (seen.has(name) && !rule.multiple) return refuse(`${what}: query parameter ${name} is repeated`);
      seen.add(name);
    }
    // the value is never echoed: it may be a JQL query naming people
    if (rule.pattern && !rule.pattern.test(value)) {
      return refuse(`${what}: query parameter ${name} has a value the rules do not allow`);
    }
  }
  return undefined;
}

/** undefined when one alternative is fully granted; else the text naming what is missing. */
function missingScopes(
  alternatives: readonly (readonly string[])[],
  granted: ReadonlySet<string>,
): string | undefined {
  const missing: string[][] = [];
  let noneGranted = true;
  for (const alternative of alternatives) {
    const lacking = alternative.filter((s) => !granted.has(s));
    if (lacking.length === 0) return undefined;
    if (lacking.length < alternative.length) noneGranted = false;
    missing.push(lacking);
  }
  const needed = alternatives.map((a) => a.join(' ')).join(', or ');
  return noneGranted
    ? `${needed} (not granted)`
    : `${needed} (not granted: ${missing.map((m) => m.join(' ')).join('; or ')})`;
}
