import { en } from 'zod/locales';
import * as z from 'zod/mini';
import { RuleProblem } from './errors';

/** The rules document as written in a rules file (YAML or JSON) or a built-in set. */

// zod/mini, not the classic API: it tree-shakes to what is used, which keeps the function bundles
// (and their cold start) small.

export const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type Method = (typeof METHODS)[number];

/** zod/mini loads no locale: messages the schema does not set come from the English one. */
export const english = en().localeError;

// Only custom rules (RULES_FILE, RULES) are checked against it, so zod loads with them: the
// built-in sets are typed constants, checked by test/rules/built-in-sets.test.ts.
const pattern = (re: RegExp, message: string) => z.string().check(z.regex(re, message));

const scope = pattern(/^[A-Za-z0-9:._-]{1,100}$/, 'must be an OAuth scope such as read:jira-work');

const queryParam = z.union(
  [
    z.null(),
    z.string(),
    z.strictObject({ pattern: z.optional(z.nullable(z.string())), multiple: z.optional(z.boolean()) }),
  ],
  { error: 'must be null (any value), a regular expression, or { pattern, multiple }' },
);

const int = (min: number, max: number) => z.int().check(z.minimum(min), z.maximum(max));

/** A JSON scalar a body key may hold; every string and array has a bound, explicit or default. */
const bodyScalar = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('string'),
    pattern: z.optional(z.string()),
    maxLength: z.optional(int(1, 1_048_576)),
  }),
  z.strictObject({
    type: z.literal('integer'),
    minimum: z.optional(int(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)),
    maximum: z.optional(int(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)),
  }),
  z.strictObject({ type: z.literal('boolean') }),
]);

const bodyValue = z.union(
  [
    bodyScalar,
    z.strictObject({
      type: z.literal('array'),
      items: bodyScalar,
      maxItems: int(0, 100_000),
      minItems: z.optional(int(0, 100_000)),
    }),
  ],
  { error: 'must be { type: string | integer | boolean } or { type: array, items, maxItems }' },
);

const bodyKey = pattern(/^[A-Za-z0-9_.-]{1,64}$/, 'must be a plain key name');

/** A read-only POST's JSON body: an object with these keys only, each checked (src/rules/body.ts). */
const body = z.strictObject({
  keys: z.record(bodyKey, bodyValue),
  required: z.optional(z.array(bodyKey)),
  maxBytes: z.optional(int(2, 1_048_576)),
  query: z.optional(
    z.record(pattern(/^[A-Za-z0-9_.-]{1,64}$/, 'must be a plain parameter name'), queryParam),
  ),
});

const endpoint = z
  .strictObject({
    id: pattern(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and -'),
    description: z.optional(z.string()),
    path: z.optional(z.string()),
    pathRegex: z.optional(z.string()),
    params: z.optional(z.record(z.string(), z.string())),
    methods: z.optional(
      z.array(z.enum(METHODS, { error: `must be one of ${METHODS.join(', ')}` })).check(z.minLength(1)),
    ),
    query: z.optional(
      z.record(pattern(/^[A-Za-z0-9_.-]{1,64}$/, 'must be a plain parameter name'), queryParam),
    ),
    body: z.optional(body),
    scopes: z.optional(
      z.array(z.array(scope).check(z.minLength(1, 'an alternative needs at least one scope'))),
    ),
    transforms: z.optional(
      z.strictObject({
        redact: z.optional(z.array(z.string())),
        pseudonymize: z.optional(z.array(z.string())),
        responseSchema: z.optional(z.unknown()),
      }),
    ),
  })
  .check(
    z.refine((e) => (e.path === undefined) !== (e.pathRegex === undefined), {
      message: 'needs exactly one of path or pathRegex',
    }),
  );

export const rulesDocument = z.strictObject({
  endpoints: z.array(endpoint).check(z.minLength(1, 'needs at least one endpoint')),
});

export type RulesDocument = z.input<typeof rulesDocument>;
export type EndpointRule = z.output<typeof endpoint>;
export type BodyRule = z.output<typeof body>;
export type BodyValueRule = z.output<typeof bodyValue>;

/** A parsed rules file as a checked document; a problem carries the document path to it. */
export function checkRulesDocument(input: unknown): z.output<typeof rulesDocument> {
  // one parse per document: compiling zod's JIT parser for it would cost more than it saves
  const parsed = rulesDocument.safeParse(input, { error: english, jitless: true });
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const at = (issue?.path ?? []) as (string | number)[];
  if (issue?.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    throw new RuleProblem(at, `unknown key ${JSON.stringify(key)}`, key);
  }
  throw new RuleProblem(at, issue?.message ?? 'invalid');
}
