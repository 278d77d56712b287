import { JSONPath } from 'jsonpath-plus';
import { filterEnd, forJsonPathPlus, quoteEnd } from './jayway';

// JSONPath as Psoxy's rules write it (Jayway syntax): `$`, `.name`, `..name`, `.*`, `[*]`, `['name']`,
// `[0]`, `[0:2]`, `[a,b]` unions and `[?(...)]` filters. Paths of `..`, `*`, names, unions of names
// and key-existence filters (every built-in rule) are followed by a direct walker that matches what
// jsonpath-plus matches; jsonpath-plus evaluates the rest, building a path string and a result object
// per match. Compiling checks
// the syntax strictly first, because jsonpath-plus itself accepts nearly any string and would make a
// typo in a rule match nothing, silently letting data through. Where jsonpath-plus reads Jayway's
// syntax differently, the expression is rewritten to Jayway's meaning first (jayway.ts).

export interface CompiledPath {
  readonly expression: string;
  /**
   * The path as steps a direct walker follows, when every step is one it knows: `..`, `*`, a plain
   * name, a union of plain names, or a filter that only tests which keys a child has (Jayway's
   * `[?(@.a || @.b)]`, the shape of the Service Management rules' person filter). That is the shape
   * of every built-in rule. Walking it is what jsonpath-plus does for the same steps, without the
   * path strings and result objects it builds for every match. Null for anything else (other
   * filters, indexes, slices), which jsonpath-plus evaluates.
   */
  readonly steps: readonly Step[] | null;
}

/** `..`, `*`, a name; a child with any of `has` as its own key; each name of `union` in turn. */
type Step = string | { readonly has: readonly string[] } | { readonly union: readonly string[] };

/** Called for each node a path matches; `parent` is null for the root. */
type Visit = (value: unknown, parent: object | null, key: string | number | null) => void;

interface Match {
  value: unknown;
  parent: unknown;
  parentProperty: string | number | null;
}

// dot-notation names: anything but separators, quotes, whitespace and jsonpath-plus's own operators
// (`~` property names, `^` parent, `@` type selectors, backticks), which Jayway does not have
const NAME = /^[^.[\]()'"\s~^@`,]+/;
const INDEX_OR_SLICE = /^-?\d*(?::-?\d*){0,2}$/;
const DESCEND = '..';
const WILDCARD = '*';
// a name the walker follows exactly as jsonpath-plus does: an own key of an object. Excluded:
// `$` (the root step), `length` and digits, which jsonpath-plus also reads off strings and arrays.
const WALKABLE_NAME = /^[A-Za-z_][\w$]*$/;

/** Checks `expression` and prepares it once; throws an Error naming the expression when it is bad. */
export function compileJsonPath(expression: string): CompiledPath {
  let problem = syntaxProblem(expression);
  let evaluated = expression;
  try {
    if (!problem) evaluated = forJsonPathPlus(expression);
  } catch (error) {
    problem = (error as Error).message;
  }
  if (problem) throw new Error(`invalid JSONPath ${JSON.stringify(expression)}: ${problem}`);
  // also warms jsonpath-plus's parse cache, so requests never parse the expression again
  const parts = JSONPath.toPathArray(evaluated);
  const steps = parts.slice(1).map(walkerStep);
  const walkable = parts[0] === '$' && steps.every((step) => step !== null);
  return { expression: evaluated, steps: walkable ? (steps as Step[]) : null };
}

// A filter as jayway.ts writes `[?(@.a || @.b)]` for jsonpath-plus: existence tests, or-ed.
const HAS_FILTER =
  /^\?\(\(@\.[A-Za-z_][\w$]* !== undefined\)(?: \|\| \(@\.[A-Za-z_][\w$]* !== undefined\))*\)$/;
const HAS_NAME = /@\.([A-Za-z_][\w$]*) !== undefined/g;

/** The step a part of jsonpath-plus's path array is for the walker, or null if it has none. */
function walkerStep(part: string): Step | null {
  if (part === DESCEND || part === WILDCARD || walkableName(part)) return part;
  if (HAS_FILTER.test(part)) {
    const names = [...part.matchAll(HAS_NAME)].map((m) => m[1] as string);
    // an inherited key (`constructor`) would pass jsonpath-plus's test on every object
    return names.every((name) => walkableName(name) && !(name in Object.prototype)) ? { has: names } : null;
  }
  const names = part.split(',');
  return names.length > 1 && names.every(walkableName) ? { union: names } : null;
}

function walkableName(part: string): boolean {
  return WALKABLE_NAME.test(part) && part !== 'length';
}

/** Removes every node `path` matches: object keys are deleted, array elements spliced out. */
export function removeMatches(root: unknown, path: CompiledPath): unknown {
  const doomed = new Map<object, Set<string | number>>();
  let rootMatched = false;
  forEachMatch(root, path, (_value, parent, key) => {
    if (parent === null || key === null) {
      rootMatched = true;
      return;
    }
    let keys = doomed.get(parent);
    if (!keys) {
      keys = new Set();
      doomed.set(parent, keys);
    }
    keys.add(keyIn(parent, key));
  });
  if (rootMatched) return undefined;
  for (const [parent, keys] of doomed) {
    if (Array.isArray(parent)) {
      // later indexes first, so earlier removals do not shift the elements still to remove
      const indexes = [...keys].map(Number).sort((a, b) => b - a);
      for (const index of indexes) parent.splice(index, 1);
    } else {
      for (const key of keys) delete (parent as Record<string, unknown>)[key];
    }
  }
  return root;
}

/**
 * Replaces the value of every node `path` matches with `replace(value)`, in place (key order kept).
 * `seen` holds the nodes already replaced by earlier paths, so no value is ever replaced twice.
 */
export function replaceMatches(
  root: unknown,
  path: CompiledPath,
  replace: (value: unknown) => unknown,
  seen: Map<object, Set<string | number>>,
): unknown {
  let result = root;
  // every match is found before any is replaced, as jsonpath-plus does: a replacement never changes
  // what the same path matches
  const matches: Match[] = [];
  forEachMatch(root, path, (value, parent, parentProperty) => {
    matches.push({ value, parent, parentProperty });
  });
  for (const { value, parent, parentProperty } of matches) {
    if (parent === null || parentProperty === null) {
      result = replace(value);
      continue;
    }
    const container = parent as Record<string | number, unknown>;
    const key = keyIn(container, parentProperty);
    let done = seen.get(container);
    if (!done) {
      done = new Set();
      seen.set(container, done);
    }
    if (done.has(key)) continue;
    done.add(key);
    container[key] = replace(value);
  }
  return result;
}

// jsonpath-plus reports an array index as a number from `[*]` and `..` but as a string from `[0]`
function keyIn(parent: object, property: string | number): string | number {
  return Array.isArray(parent) ? Number(property) : String(property);
}

function forEachMatch(root: unknown, path: CompiledPath, visit: Visit): void {
  // jsonpath-plus returns nothing for a falsy document; nothing to match in a scalar anyway
  if (root === null || typeof root !== 'object') return;
  if (path.steps !== null) {
    walk(path.steps, 0, root, null, null, visit);
    return;
  }
  for (const match of evaluate(root, path)) {
    visit(match.value, match.parent as object | null, match.parentProperty);
  }
}

/**
 * jsonpath-plus's own trace for the walker's steps: `..` tries the rest of the path on the node
 * itself, then descends into every child whose typeof is 'object'; `*` takes every element or own
 * key's value; a name takes an object's own key; a union takes each of its names in turn; a `has`
 * filter takes every child that is an object holding one of its keys. Matches come in the same order.
 */
function walk(
  steps: readonly Step[],
  at: number,
  value: unknown,
  parent: object | null,
  key: string | number | null,
  visit: Visit,
): void {
  if (at === steps.length) {
    visit(value, parent, key);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const step = steps[at] as Step;
  const object = value as Record<string, unknown>;
  // plain loops rather than a per-child callback: this runs for every node of every page
  if (step === DESCEND) {
    walk(steps, at + 1, value, parent, key, visit);
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        if (typeof value[i] === 'object') walk(steps, at, value[i], value, i, visit);
      }
    } else {
      for (const name of Object.keys(object)) {
        if (typeof object[name] === 'object') walk(steps, at, object[name], value, name, visit);
      }
    }
  } else if (step === WILDCARD) {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) walk(steps, at + 1, value[i], value, i, visit);
    } else {
      for (const name of Object.keys(object)) walk(steps, at + 1, object[name], value, name, visit);
    }
  } else if (typeof step === 'string') {
    if (Object.hasOwn(value, step)) walk(steps, at + 1, object[step], value, step, visit);
  } else if ('union' in step) {
    for (const name of step.union) {
      if (Object.hasOwn(value, name)) walk(steps, at + 1, object[name], value, name, visit);
    }
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (holdsAny(value[i], step.has)) walk(steps, at + 1, value[i], value, i, visit);
    }
  } else {
    for (const name of Object.keys(object)) {
      if (holdsAny(object[name], step.has)) walk(steps, at + 1, object[name], value, name, visit);
    }
  }
}

/** jsonpath-plus's `@.a !== undefined || ...` on a child; no name here is inherited (see walkerStep). */
function holdsAny(child: unknown, names: readonly string[]): boolean {
  if (child === null || typeof child !== 'object') return false;
  for (const name of names) if ((child as Record<string, unknown>)[name] !== undefined) return true;
  return false;
}

function evaluate(root: object, path: CompiledPath): Match[] {
  return JSONPath({
    path: path.expression,
    json: root,
    resultType: 'all',
    wrap: true,
    // filters run in jsonpath-plus's own interpreter, never `vm`; a filter reading a missing
    // property simply does not match, as in Jayway
    eval: 'safe',
    ignoreEvalErrors: true,
  }) as Match[];
}

function syntaxProblem(expression: string): string | null {
  if (!expression.startsWith('$')) return 'must start with $';
  let pos = 1;
  while (pos < expression.length) {
    const rest = expression.slice(pos);
    if (rest.startsWith('..')) {
      pos += 2;
      if (expression[pos] === '[') continue;
      const step = nameOrWildcard(expression.slice(pos));
      if (!step) return `expected a name, * or [ after .. at ${pos}`;
      pos += step;
    } else if (rest.startsWith('.')) {
      pos += 1;
      const step = nameOrWildcard(expression.slice(pos));
      if (!step) return `expected a name or * after . at ${pos}`;
      pos += step;
    } else if (rest.startsWith('[')) {
      const end = bracketEnd(expression, pos);
      if (typeof end === 'string') return end;
      pos = end;
    } else {
      return `unexpected ${JSON.stringify(rest[0])} at ${pos}`;
    }
  }
  return null;
}

function nameOrWildcard(text: string): number {
  if (text.startsWith('*')) return 1;
  return NAME.exec(text)?.[0].length ?? 0;
}

// Returns the position after the `]` closing the bracket that opens at `start`, or a problem.
function bracketEnd(expression: string, start: number): number | string {
  let pos = start + 1;
  if (expression.startsWith('?(', pos)) {
    const close = filterEnd(expression, pos + 1);
    if (close === -1) return `unbalanced filter starting at ${pos}`;
    if (expression[close + 1] !== ']') return `expected ] after the filter at ${close + 1}`;
    return close + 2;
  }
  const items: string[] = [];
  let current = '';
  for (; pos < expression.length; pos++) {
    const char = expression[pos] as string;
    if (char === "'" || char === '"') {
      const close = quoteEnd(expression, pos);
      if (close === -1) return `unterminated string at ${pos}`;
      current += expression.slice(pos, close + 1);
      pos = close;
    } else if (char === ',') {
      items.push(current.trim());
      current = '';
    } else if (char === ']') {
      items.push(current.trim());
      const bad = items.find((item) => !bracketItemOk(item));
      if (bad !== undefined) return `bad selector ${JSON.stringify(bad)} in brackets at ${start}`;
      return pos + 1;
    } else if (char === '[') {
      return `unexpected [ at ${pos}`;
    } else {
      current += char;
    }
  }
  return `unclosed [ at ${start}`;
}

function bracketItemOk(item: string): boolean {
  if (item === '*') return true;
  if (/^'(?:[^'\\]|\\.)+'$/.test(item) || /^"(?:[^"\\]|\\.)+"$/.test(item)) return true;
  // jsonpath-plus reads `[-1]` as a property named "-1", not Jayway's last element: `[-1:]` says it
  if (/^-\d+$/.test(item)) return false;
  return item !== '' && item !== ':' && INDEX_OR_SLICE.test(item);
}
