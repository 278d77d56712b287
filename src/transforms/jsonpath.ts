import { JSONPath } from 'jsonpath-plus';
import { filterEnd, forJsonPathPlus, quoteEnd } from './jayway';

// JSONPath as Psoxy's rules write it (Jayway syntax): `$`, `.name`, `..name`, `.*`, `[*]`, `['name']`,
// `[0]`, `[0:2]`, `[a,b]` unions and `[?(...)]` filters. Evaluation is jsonpath-plus; compiling checks
// the syntax strictly first, because jsonpath-plus itself accepts nearly any string and would make a
// typo in a rule match nothing, silently letting data through. Where jsonpath-plus reads Jayway's
// syntax differently, the expression is rewritten to Jayway's meaning first (jayway.ts).

export interface CompiledPath {
  readonly expression: string;
}

interface Match {
  value: unknown;
  parent: unknown;
  parentProperty: string | number | null;
}

// dot-notation names: anything but separators, quotes, whitespace and jsonpath-plus's own operators
// (`~` property names, `^` parent, `@` type selectors, backticks), which Jayway does not have
const NAME = /^[^.[\]()'"\s~^@`,]+/;
const INDEX_OR_SLICE = /^-?\d*(?::-?\d*){0,2}$/;

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
  // warms jsonpath-plus's parse cache so requests never parse the expression again
  JSONPath.toPathArray(evaluated);
  return { expression: evaluated };
}

/** Removes every node `path` matches: object keys are deleted, array elements spliced out. */
export function removeMatches(root: unknown, path: CompiledPath): unknown {
  const doomed = new Map<object, Set<string | number>>();
  for (const match of evaluate(root, path)) {
    if (match.parent === null || match.parentProperty === null) return undefined;
    const parent = match.parent as object;
    let keys = doomed.get(parent);
    if (!keys) {
      keys = new Set();
      doomed.set(parent, keys);
    }
    keys.add(keyIn(parent, match.parentProperty));
  }
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
  for (const { value, parent, parentProperty } of evaluate(root, path)) {
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

function evaluate(root: unknown, path: CompiledPath): Match[] {
  // jsonpath-plus returns nothing for a falsy document; nothing to match in a scalar anyway
  if (root === null || typeof root !== 'object') return [];
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
