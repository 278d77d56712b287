import { z } from 'zod';

/** The rules document as written in a rules file (YAML or JSON) or a built-in set. */

export const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type Method = (typeof METHODS)[number];

const scope = z.string().regex(/^[A-Za-z0-9:._-]{1,100}$/, 'must be an OAuth scope such as read:jira-work');

const queryParam = z.union(
  [
    z.null(),
    z.string(),
    z.strictObject({ pattern: z.string().nullable().optional(), multiple: z.boolean().optional() }),
  ],
  { error: 'must be null (any value), a regular expression, or { pattern, multiple }' },
);

const endpoint = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and -'),
    description: z.string().optional(),
    path: z.string().optional(),
    pathRegex: z.string().optional(),
    params: z.record(z.string(), z.string()).optional(),
    methods: z
      .array(z.enum(METHODS, { error: `must be one of ${METHODS.join(', ')}` }))
      .nonempty()
      .optional(),
    query: z
      .record(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be a plain parameter name'), queryParam)
      .optional(),
    scopes: z.array(z.array(scope).nonempty('an alternative needs at least one scope')).optional(),
    transforms: z
      .strictObject({
        redact: z.array(z.string()).optional(),
        pseudonymize: z.array(z.string()).optional(),
        responseSchema: z.unknown().optional(),
      })
      .optional(),
  })
  .refine((e) => (e.path === undefined) !== (e.pathRegex === undefined), {
    message: 'needs exactly one of path or pathRegex',
  });

export const rulesDocument = z.strictObject({
  endpoints: z.array(endpoint).nonempty('needs at least one endpoint'),
});

export type RulesDocument = z.input<typeof rulesDocument>;
export type EndpointRule = z.output<typeof endpoint>;
