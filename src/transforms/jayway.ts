// Jayway syntax that jsonpath-plus accepts but reads differently, rewritten (once, at compile time)
// into jsonpath-plus's own spelling of Jayway's meaning. The expression is already syntax-checked.
//
// - A bare `@.name` filter operand tests that the key exists, whatever its value; jsonpath-plus
//   would test the value for truth, so `[?(@.accountId)]` would skip a person whose id is "" or null.
// - A union of quoted names, `['a','b']`, selects each name; jsonpath-plus selects nothing for it,
//   and only understands the unquoted `[a,b]`.

/** `expression` as jsonpath-plus must read it to mean what Jayway means. */
export function forJsonPathPlus(expression: string): string {
  let out = '';
  let pos = 0;
  for (let open = bracketStart(expression, 0); open !== -1; open = bracketStart(expression, pos)) {
    if (expression.startsWith('[?(', open)) {
      const close = filterEnd(expression, open + 2);
      out += `${expression.slice(pos, open + 3)}${withExistenceTests(expression.slice(open + 3, close))}`;
      pos = close;
    } else {
      const close = bracketClose(expression, open);
      out += `${expression.slice(pos, open + 1)}${unquotedUnion(expression.slice(open + 1, close))}`;
      pos = close;
    }
  }
  return out + expression.slice(pos);
}

// a filter operand that is only a path from @ (`@.a`, `@['a'].b`), between the filter's start or
// `(`, `!`, `&&`, `||` and its end or `)`, `&&`, `||`
const BARE_PATH =
  /(?<=(?:^|[(!]|&&|\|\|)\s*)@((?:\.[A-Za-z_$][\w$]*|\['[^']*'\]|\["[^"]*"\])+)(?=\s*(?:$|\)|&&|\|\|))/g;
const PATH_STEP = /\.[A-Za-z_$][\w$]*|\['[^']*'\]|\["[^"]*"\]/g;
const QUOTED = /'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g;

/** A filter body with each bare `@.path` operand written as an explicit existence test. */
function withExistenceTests(body: string): string {
  // quoted text is blanked (same length) so that no quoted "@.x" is mistaken for an operand
  const masked = body.replace(QUOTED, (q) => `'${' '.repeat(q.length - 2)}'`);
  let out = '';
  let at = 0;
  for (const match of masked.matchAll(BARE_PATH)) {
    const steps = (body.slice(match.index, match.index + match[0].length).match(PATH_STEP) ?? []).map(
      (_, i, all) => `@${all.slice(0, i + 1).join('')}`,
    );
    // every step before the last must be an object to read the next one from
    const guards = steps.slice(0, -1).map((step) => `${step} != null && `);
    out += `${body.slice(at, match.index)}(${guards.join('')}${steps.at(-1)} !== undefined)`;
    at = match.index + match[0].length;
  }
  return out + body.slice(at);
}

// what jsonpath-plus reads as one plain name inside an unquoted union
const PLAIN_NAME = /^[A-Za-z_$][\w$-]*$/;

/** The inside of `[...]`: a union of quoted names unquoted; anything else as it is. */
function unquotedUnion(inside: string): string {
  const items = inside.match(QUOTED);
  if (!items || items.length < 2 || items.join(',') !== inside.replace(/\s*,\s*/g, ',').trim()) return inside;
  const names = items.map((item) => item.slice(1, -1));
  const bad = names.find((name) => !PLAIN_NAME.test(name));
  if (bad !== undefined) {
    throw new Error(`the union names ${JSON.stringify(bad)}, which only a path of its own can select`);
  }
  return names.join(',');
}

// Position of the next `[` outside quoted names, or -1.
function bracketStart(expression: string, from: number): number {
  for (let pos = from; pos < expression.length; pos++) {
    const char = expression[pos];
    if (char === "'" || char === '"') {
      pos = quoteEnd(expression, pos);
      if (pos === -1) return -1;
    } else if (char === '[') {
      return pos;
    }
  }
  return -1;
}

// Position of the `]` closing the (non-filter) bracket that opens at `open`, skipping quoted text.
function bracketClose(expression: string, open: number): number {
  for (let pos = open + 1; pos < expression.length; pos++) {
    const char = expression[pos];
    if (char === "'" || char === '"') {
      pos = quoteEnd(expression, pos);
      if (pos === -1) break;
    } else if (char === ']') {
      return pos;
    }
  }
  return expression.length;
}

/** Position of the `)` matching the `(` at `open`, skipping quoted text; -1 when unbalanced. */
export function filterEnd(expression: string, open: number): number {
  let depth = 0;
  for (let pos = open; pos < expression.length; pos++) {
    const char = expression[pos];
    if (char === "'" || char === '"') {
      const close = quoteEnd(expression, pos);
      if (close === -1) return -1;
      pos = close;
    } else if (char === '(') {
      depth++;
    } else if (char === ')') {
      depth--;
      if (depth === 0) return pos;
    }
  }
  return -1;
}

/** Position of the quote closing the one at `open`; -1 when unterminated. */
export function quoteEnd(expression: string, open: number): number {
  const quote = expression[open];
  for (let pos = open + 1; pos < expression.length; pos++) {
    if (expression[pos] === '\\') pos++;
    else if (expression[pos] === quote) return pos;
  }
  return -1;
}
