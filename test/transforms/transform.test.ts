import { describe, expect, it } from 'vitest';
import { compileTransform, pseudonymize } from '../../src/transforms';

const SALT = 'engine-test-salt';
const tok = (value: string) => pseudonymize(value, SALT);

describe('compileTransform: JSONPath checks', () => {
  it.each([
    'values[*].name',
    '$.',
    '$..',
    '$.values[',
    "$['name",
    '$.values[?(@.name == "x"]',
    '$.values[*]name',
    '$.values~',
    '$..name^',
    '$.values[a b]',
    '$.values[]',
    '$.values[-1]',
    '',
  ])('rejects %j, naming it', (bad) => {
    expect(() => compileTransform({ redact: [bad] })).toThrow(/^transform redact\[0\]: invalid JSONPath /);
  });

  it('says which list and entry is wrong', () => {
    expect(() => compileTransform({ redact: ['$..self'], pseudonymize: ['$..accountId', '$.['] })).toThrow(
      'transform pseudonymize[1]: invalid JSONPath "$.[": ',
    );
    expect(() => compileTransform({ redact: '$..self' as unknown as string[] })).toThrow(/must be a list/);
  });

  it.each([
    '$',
    '$..accountId',
    '$.values[*].avatarUrls',
    "$['values'][0]['48x48']",
    '$.issues[*].fields..self',
    '$..attachment[*]..filename',
    '$.values[0,2]',
    '$.values[-1:]',
    '$..[?(@.type == "mention")].attrs.id',
    '$.fields.sub-tasks',
  ])('accepts %j', (good) => {
    expect(() => compileTransform({ redact: [good] })).not.toThrow();
  });
});

describe('compileTransform: redact', () => {
  it('removes object keys wherever a deep path reaches them', () => {
    const body = { self: 'u', values: [{ self: 'a', id: '1', nested: { self: 'b', keep: true } }] };
    expect(compileTransform({ redact: ['$..self'] }).apply(body, SALT)).toStrictEqual({
      values: [{ id: '1', nested: { keep: true } }],
    });
  });

  it('splices out array elements without shifting the wrong ones', () => {
    const body = { values: ['a', 'b', 'c', 'd', 'e'] };
    expect(
      compileTransform({ redact: ['$.values[1]', '$.values[2]'] }).apply(structuredClone(body), SALT),
    ).toStrictEqual({
      values: ['a', 'c', 'e'],
    });
    expect(compileTransform({ redact: ['$.values[0,1,3]'] }).apply(body, SALT)).toStrictEqual({
      values: ['c', 'e'],
    });
    const rows = { rows: [{ kind: 'x' }, { kind: 'y' }, { kind: 'x' }, { kind: 'z' }] };
    expect(compileTransform({ redact: ["$.rows[?(@.kind == 'x')]"] }).apply(rows, SALT)).toStrictEqual({
      rows: [{ kind: 'y' }, { kind: 'z' }],
    });
  });

  it('takes the last element with a negative slice', () => {
    expect(compileTransform({ redact: ['$.values[-1:]'] }).apply({ values: [1, 2, 3] }, SALT)).toStrictEqual({
      values: [1, 2],
    });
  });

  it('lets a filter on a missing property simply not match', () => {
    const body = { rows: [{ a: { b: 1 } }, { c: 2 }] };
    expect(compileTransform({ redact: ['$.rows[?(@.a.b == 1)]'] }).apply(body, SALT)).toStrictEqual({
      rows: [{ c: 2 }],
    });
  });

  it('reads a bare @.key in a filter as "the key exists", whatever its value, as Jayway does', () => {
    const rows = {
      rows: [
        { id: '' },
        { id: null },
        { id: 0 },
        { id: false },
        { id: 'x' },
        { other: 1 },
        'text',
        null,
        { a: null },
      ],
    };
    expect(compileTransform({ redact: ['$.rows[?(@.id)]'] }).apply(rows, SALT)).toStrictEqual({
      rows: [{ other: 1 }, 'text', null, { a: null }],
    });
    expect(
      compileTransform({ redact: ["$.rows[?(@.other || @['id'] == 'never')]"] }).apply(rows, SALT),
    ).toStrictEqual({ rows: rows.rows.filter((r) => !(r && typeof r === 'object' && 'other' in r)) });
    // a nested path exists only when each step before it is an object
    const nested = { rows: [{ a: { b: null } }, { a: null }, { a: {} }, { a: 'b' }] };
    expect(compileTransform({ redact: ['$.rows[?(@.a.b)]'] }).apply(nested, SALT)).toStrictEqual({
      rows: [{ a: null }, { a: {} }, { a: 'b' }],
    });
  });

  it("selects each name of a quoted union ['a','b'], as Jayway does", () => {
    const body = { rows: [{ a: 1, b: 2, 'c-d': 3, e: 4 }] };
    expect(compileTransform({ redact: ["$.rows[*]['a', 'c-d']"] }).apply(body, SALT)).toStrictEqual({
      rows: [{ b: 2, e: 4 }],
    });
    expect(() => compileTransform({ redact: ["$.rows[*]['a','x y']"] })).toThrow(
      /invalid JSONPath .*: the union names "x y", which only a path of its own can select/,
    );
  });

  it('returns null when the root itself is redacted', () => {
    expect(compileTransform({ redact: ['$'] }).apply({ a: 1 }, SALT)).toBeNull();
  });
});

describe('compileTransform: pseudonymize', () => {
  it('replaces values in place, keeping key order, nulls and blanks as null', () => {
    const body = { before: 1, accountId: 'abc', emailAddress: 'Ana@Acme.Example', after: 2, blank: ' ' };
    const out = compileTransform({ pseudonymize: ['$.accountId', '$.emailAddress', '$.blank'] }).apply(
      body,
      SALT,
    );
    expect(JSON.stringify(out)).toBe(
      JSON.stringify({
        before: 1,
        accountId: tok('abc'),
        emailAddress: tok('Ana@Acme.Example'),
        after: 2,
        blank: null,
      }),
    );
  });

  it('hashes a value once even when two paths reach it', () => {
    const body = { author: { accountId: 'abc' } };
    const out = compileTransform({ pseudonymize: ['$..accountId', '$.author.accountId'] }).apply(body, SALT);
    expect(out).toStrictEqual({ author: { accountId: tok('abc') } });
    const ids = compileTransform({ pseudonymize: ['$.ids[0]', '$.ids[*]'] }).apply({ ids: ['a', 'b'] }, SALT);
    expect(ids).toStrictEqual({ ids: [tok('a'), tok('b')] });
  });

  it('redacts before it pseudonymizes', () => {
    const body = { a: { accountId: 'abc' }, b: { accountId: 'def' } };
    const out = compileTransform({ redact: ['$.a'], pseudonymize: ['$..accountId'] }).apply(body, SALT);
    expect(out).toStrictEqual({ b: { accountId: tok('def') } });
  });

  it('fails on a path that reaches an object, without echoing the value', () => {
    const transform = compileTransform({ pseudonymize: ['$.author'] });
    expect(() => transform.apply({ author: { emailAddress: 'ana@acme.example' } }, SALT)).toThrow(
      'only strings and numbers can be pseudonymized, not an object',
    );
  });

  it('refuses an empty salt', () => {
    expect(() => compileTransform({ pseudonymize: ['$..accountId'] }).apply({}, '')).toThrow(/salt is empty/);
  });
});

describe('compileTransform: responseSchema', () => {
  const transform = compileTransform({
    responseSchema: {
      type: 'object',
      properties: {
        id: { type: 'string' },
        count: { type: 'integer' },
        ok: { type: 'boolean' },
        tags: { type: 'array', items: { type: 'string' } },
        owner: { type: 'object', properties: { accountId: { type: 'string' } } },
        ratio: { type: 'number' },
      },
    },
    pseudonymize: ['$.owner.accountId'],
  });

  it('keeps only listed properties, in the response order, and nulls wrong types', () => {
    const body = {
      secret: 'x',
      ratio: 0.5,
      owner: { accountId: 'abc', displayName: 'Ana Ruiz' },
      ok: 'yes',
      tags: ['a', 3, null, 'b'],
      count: 4.7,
      id: 12,
    };
    const out = transform.apply(body, SALT);
    expect(JSON.stringify(out)).toBe(
      JSON.stringify({
        ratio: 0.5,
        owner: { accountId: tok('abc') },
        ok: null,
        tags: ['a', 'b'],
        count: 4,
        id: null,
      }),
    );
  });

  it('keeps nulls for listed properties and leaves absent ones absent', () => {
    expect(transform.apply({ owner: null, count: null }, SALT)).toStrictEqual({ owner: null, count: null });
  });

  it('does not let an own "__proto__" key reach the prototype', () => {
    const body = JSON.parse('{"__proto__": {"polluted": true}, "id": "1"}');
    const out = compileTransform({
      responseSchema: {
        type: 'object',
        properties: { ['__proto__']: { type: 'object' }, id: { type: 'string' } },
      },
    }).apply(body, SALT) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.hasOwn(out, '__proto__')).toBe(true);
    expect((out as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it.each([
    [{ type: 'date' }, 'unsupported type "date"'],
    [
      { type: 'object', properties: { a: { $ref: '#/definitions/x' } } },
      'at $.a: $ref "#/definitions/x" names no entry',
    ],
    [{ type: 'object', properties: { a: { $ref: 'https://example.com/s.json' } } }, 'names no entry'],
    [
      {
        $ref: '#/definitions/a',
        definitions: { a: { $ref: '#/definitions/b' }, b: { $ref: '#/definitions/a' } },
      },
      'loops',
    ],
    [{ type: 'object', properties: { a: { definitions: {} } } }, 'definitions are read at the root only'],
    [{ type: 'object', discriminator: { propertyName: 'type' } }, 'discriminator must be'],
    [
      {
        type: 'object',
        discriminator: { propertyName: 'type', mapping: { x: '#' } },
      },
      'must not have a discriminator itself',
    ],
    [
      {
        type: 'object',
        discriminator: { propertyName: 'type', mapping: { x: '#/definitions/s' } },
        definitions: { s: { type: 'string' } },
      },
      'the mapped schema must be of type object',
    ],
    [{ type: 'array', items: 'string' }, 'at $[] must be an object'],
  ])('rejects the schema %j', (schema, message) => {
    expect(() => compileTransform({ responseSchema: schema as never })).toThrow(message);
  });
});

describe('compileTransform: recursive schemas ($ref, definitions, discriminator)', () => {
  // a tree of nodes where a "leaf" keeps its label and every other node only its kind and children
  const transform = compileTransform({
    responseSchema: {
      type: 'object',
      properties: { root: { $ref: '#/definitions/node' } },
      definitions: {
        node: {
          type: 'object',
          properties: {
            kind: { type: 'string' },
            children: { type: 'array', items: { $ref: '#/definitions/node' } },
          },
          discriminator: { propertyName: 'kind', mapping: { leaf: '#/definitions/leaf' } },
        },
        leaf: { type: 'object', properties: { kind: { type: 'string' }, label: { type: 'string' } } },
      },
    },
  });

  it('follows $ref at every depth and picks the mapped schema by the discriminating property', () => {
    const body = {
      drop: 1,
      root: {
        kind: 'branch',
        label: 'gone',
        children: [
          { kind: 'leaf', label: 'kept', children: [{ kind: 'leaf' }] },
          {
            kind: 'branch',
            children: [{ kind: 'branch', label: 'gone', children: [{ kind: 'leaf', label: 'deep' }] }],
          },
          { kind: 'toString', label: 'gone' },
          { kind: ['leaf'], label: 'gone' },
        ],
      },
    };
    expect(transform.apply(body, SALT)).toStrictEqual({
      root: {
        kind: 'branch',
        children: [
          { kind: 'leaf', label: 'kept' },
          { kind: 'branch', children: [{ kind: 'branch', children: [{ kind: 'leaf', label: 'deep' }] }] },
          { kind: 'toString' },
          { kind: null },
        ],
      },
    });
  });

  it('# refers to the root schema', () => {
    const nested = compileTransform({
      responseSchema: { type: 'object', properties: { id: { type: 'string' }, child: { $ref: '#' } } },
    });
    expect(nested.apply({ id: 'a', x: 1, child: { id: 'b', x: 2, child: { id: 'c' } } }, SALT)).toStrictEqual(
      {
        id: 'a',
        child: { id: 'b', child: { id: 'c' } },
      },
    );
  });
});

describe('compileTransform: apply', () => {
  const transform = compileTransform({ redact: ['$..displayName'], pseudonymize: ['$..accountId'] });

  it('takes the body over: sanitized in place, no copy made; calls on equal bodies agree', () => {
    const body = { values: [{ accountId: 'abc', displayName: 'Ana Ruiz' }] };
    const again = structuredClone(body);
    const first = transform.apply(body, SALT);
    expect(first).toBe(body);
    expect(first).toStrictEqual({ values: [{ accountId: tok('abc') }] });
    expect(transform.apply(again, SALT)).toStrictEqual(first);
  });

  it('with a response schema, builds the allowed tree anew and leaves the body as it was', () => {
    const schema = compileTransform({
      responseSchema: { type: 'object', properties: { accountId: { type: 'string' } } },
      pseudonymize: ['$.accountId'],
    });
    const body = { accountId: 'abc', displayName: 'Ana Ruiz' };
    expect(schema.apply(body, SALT)).toStrictEqual({ accountId: tok('abc') });
    expect(body).toStrictEqual({ accountId: 'abc', displayName: 'Ana Ruiz' });
  });

  it('passes scalars and empty documents through', () => {
    expect(transform.apply('plain', SALT)).toBe('plain');
    expect(transform.apply([], SALT)).toStrictEqual([]);
    expect(transform.apply(null, SALT)).toBeNull();
  });

  it('returns the body itself when there is nothing to do', () => {
    const body = { a: 1 };
    expect(compileTransform({}).apply(body, SALT)).toBe(body);
  });
});
