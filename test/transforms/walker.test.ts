import { describe, expect, it } from 'vitest';
import {
  type CompiledPath,
  compileJsonPath,
  removeMatches,
  replaceMatches,
} from '../../src/transforms/jsonpath';

// The direct walker (paths of `..`, `*` and names) must match exactly what jsonpath-plus matches for
// the same path: the same nodes, in the same order. Each case runs both ways on its own copy.

const DOCUMENT = {
  id: 'root-id',
  issues: [
    {
      id: '1',
      fields: {
        reporter: { accountId: 'a-1', emailAddress: 'Ana <ana@example.com>', self: 'u1', length: 3 },
        comment: {
          comments: [
            { author: { accountId: 'a-2', self: 'u2' }, body: { content: [{ attrs: { id: 'a-1' } }] } },
            { author: null, body: null, id: 7 },
          ],
        },
        labels: ['x', 'y', { name: 'z' }],
        nested: { nested: { name: 'deep', id: '' } },
        empty: {},
        zero: 0,
      },
      self: 'i1',
    },
    null,
    'a string',
    [{ name: 'in-array' }],
  ],
  values: [{ self: 's', name: 'n', accountId: 42 }, { name: null }],
  // Service Management people: an account id that is "" or absent, a person inside a person
  people: [
    { accountId: '', displayName: 'No Account', _links: { self: 'l1' }, key: 'k1' },
    { emailAddress: null, name: 'n2', reporter: { displayName: 'Inner', name: 'n3', _links: {} } },
    { displayName: 'Only a name' },
    'not a person',
    { notAPerson: true, displayName: undefined },
  ],
};

const PATHS = [
  '$',
  '$..id',
  '$..name',
  '$..self',
  '$..accountId',
  '$.issues[*]..accountId',
  '$.issues[*].fields..self',
  '$.issues[*]..body..id',
  '$..nested',
  '$..nested..name',
  '$.values[*].name',
  '$.values.*',
  '$..*',
  '$.issues[*]',
  "$['issues'][*]['self']",
  '$..comment',
  "$..[?(@.accountId || @.emailAddress || @.displayName)]['displayName','_links','name','key']",
  '$..[?(@.accountId)]',
  '$.values[?(@.name)]',
  "$.values[*]['self','name']",
  "$.people[*]['key','name']",
  '$..[?(@.displayName)].name',
];
// paths that match nothing here: an inherited key (`constructor`) is not an own key
const NO_MATCH = [
  '$.missing..name',
  '$..constructor',
  '$.issues[*].fields.empty.toString',
  "$.people['toString','valueOf']",
];

const viaJsonPathPlus = (path: CompiledPath): CompiledPath => ({ ...path, steps: null });

describe('the direct JSONPath walker', () => {
  it.each([...PATHS, ...NO_MATCH])('walks %j', (expression) => {
    expect(compileJsonPath(expression).steps).not.toBeNull();
  });

  it.each([
    '$.values[0]',
    '$.values[0:1]',
    "$.values[?(@.name == 'n')]",
    '$..[?(@.constructor)]',
    '$..[?(@.accountId || @.length)]',
    '$..length',
    "$.values['self',0]",
  ])('leaves %j to jsonpath-plus', (expression) => {
    expect(compileJsonPath(expression).steps).toBeNull();
  });

  it.each([...PATHS, ...NO_MATCH])('removes what jsonpath-plus removes for %j', (expression) => {
    const path = compileJsonPath(expression);
    expect(removeMatches(structuredClone(DOCUMENT), path)).toEqual(
      removeMatches(structuredClone(DOCUMENT), viaJsonPathPlus(path)),
    );
  });

  it.each([...PATHS, ...NO_MATCH])(
    'replaces what jsonpath-plus replaces, in its order, for %j',
    (expression) => {
      const path = compileJsonPath(expression);
      const run = (compiled: CompiledPath) => {
        const order: unknown[] = [];
        const result = replaceMatches(
          structuredClone(DOCUMENT),
          compiled,
          (value) => {
            order.push(value);
            return `<${order.length}>`;
          },
          new Map(),
        );
        return { result, order };
      };
      const walked = run(path);
      expect(walked).toEqual(run(viaJsonPathPlus(path)));
      expect(walked.order.length > 0).toBe(!NO_MATCH.includes(expression));
    },
  );
});
