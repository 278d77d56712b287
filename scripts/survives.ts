import { compileTransform, type ResponseSchema, type TransformSpec } from '../src/transforms';
import { jiraCloudTransforms } from '../src/transforms/jira-cloud';
import { jiraServiceManagementTransforms } from '../src/transforms/jira-service-management';
import { jiraSoftwareTransforms } from '../src/transforms/jira-software';
import type { PseudonymizationOptions } from '../src/transforms/options';

/**
 * What each endpoint of the pseudonymized sets returns, read off the transforms themselves: a body
 * with a value in every field its allow-list names goes through the endpoint's transform, and what
 * comes out is what survives. docs/RULES.md's generated section is rendered from it, and the golden
 * tests hold every sanitized answer to it, so the document cannot drift from the code.
 */

export interface Survivor {
  /** Dotted path, `[]` for any array element, as in `issues[].fields.assignee.accountId`. */
  path: string;
  /** The value comes out as a pseudonym (`t~...`). */
  pseudonym: boolean;
  /** An ADF body: only its node tree and its mentions' ids (as pseudonyms) stay. */
  richText: boolean;
  /** Only with KEEP_PROJECT_NAMES=true. */
  projectName: boolean;
}

const SALT = 'survives';
const RICH_TEXT_REF = '#/definitions/adfNode';
const MENTIONED = 'mentioned-account-id';
const TOKEN = /^t~[A-Za-z0-9_-]{43}/;

/** Every pseudonymized set, its transforms by endpoint id. */
export function pseudonymizedSets(
  options: PseudonymizationOptions,
): Record<string, Record<string, TransformSpec>> {
  return {
    'jira-cloud-pseudonymized': jiraCloudTransforms(options),
    'jira-software-pseudonymized': jiraSoftwareTransforms(options),
    'jira-service-management-pseudonymized': jiraServiceManagementTransforms(options),
  };
}

/** What survives `spec`, field by field, in the order its transform writes them. */
export function survivors(spec: TransformSpec): Omit<Survivor, 'projectName'>[] {
  const schema = spec.responseSchema;
  if (!schema) throw new Error('every built-in transform has a response schema');
  const body = synthesize(schema, '');
  const out: Omit<Survivor, 'projectName'>[] = [];
  collect(compileTransform(spec).apply(body, SALT), '', out);
  return out;
}

/** A value in every field `node` names: a string field holds its own path, so it can be recognised. */
function synthesize(node: ResponseSchema, path: string): unknown {
  if (node.$ref === RICH_TEXT_REF) {
    return { type: 'doc', content: [{ type: 'mention', attrs: { id: MENTIONED } }, { type: 'paragraph' }] };
  }
  if (node.$ref !== undefined) throw new Error(`${path}: only the rich-text $ref is expected`);
  switch (node.type) {
    case 'object':
      return Object.fromEntries(
        Object.entries(node.properties ?? {}).map(([key, child]) => [
          key,
          synthesize(child, join(path, key)),
        ]),
      );
    case 'array':
      return [synthesize(node.items ?? {}, `${path}[]`)];
    case 'integer':
    case 'number':
      return 7;
    case 'boolean':
      return true;
    default:
      return path;
  }
}

function collect(value: unknown, path: string, out: Omit<Survivor, 'projectName'>[]): void {
  if (Array.isArray(value)) {
    for (const element of value) collect(element, `${path}[]`, out);
  } else if (isRichText(value)) {
    out.push({ path, pseudonym: false, richText: true });
  } else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) collect(child, join(path, key), out);
  } else {
    out.push({ path, pseudonym: typeof value === 'string' && TOKEN.test(value), richText: false });
  }
}

/** A synthesized ADF body that came out as the rich-text schema promises: its mention as a token. */
function isRichText(value: unknown): boolean {
  const content = (value as { content?: { attrs?: { id?: unknown } }[] } | null)?.content;
  return (
    (value as { type?: unknown } | null)?.type === 'doc' &&
    Array.isArray(content) &&
    typeof content[0]?.attrs?.id === 'string' &&
    TOKEN.test(content[0].attrs.id)
  );
}

const join = (path: string, key: string) => (path === '' ? key : `${path}.${key}`);

/** Per set and endpoint, what survives with the default options, and what KEEP_PROJECT_NAMES adds. */
export function allSurvivors(): Record<string, Record<string, Survivor[]>> {
  const plain = pseudonymizedSets({ keepProjectNames: false });
  const named = pseudonymizedSets({ keepProjectNames: true });
  const result: Record<string, Record<string, Survivor[]>> = {};
  for (const [set, transforms] of Object.entries(named)) {
    result[set] = {};
    for (const [id, spec] of Object.entries(transforms)) {
      const always = new Set(
        survivors((plain[set] as Record<string, TransformSpec>)[id] as TransformSpec).map((s) => s.path),
      );
      (result[set] as Record<string, Survivor[]>)[id] = survivors(spec).map((s) => ({
        ...s,
        projectName: !always.has(s.path),
      }));
    }
  }
  return result;
}

export const DOC_START = '<!-- survives:start (generated by `npm run docs:survives`; do not edit) -->';
export const DOC_END = '<!-- survives:end -->';

/** A field's children by name, or its survivor when it is a leaf. */
interface Tree {
  children: Map<string, Tree>;
  leaf?: Survivor;
}

function tree(fields: Survivor[]): Tree {
  const root: Tree = { children: new Map() };
  for (const field of fields) {
    let node = root;
    // `[]` stays on its name: `values[]` is one step
    for (const step of field.path === '' ? [] : field.path.split('.')) {
      let child = node.children.get(step);
      if (!child) {
        child = { children: new Map() };
        node.children.set(step, child);
      }
      node = child;
    }
    node.leaf = field;
  }
  return root;
}

function renderLeaf(name: string, leaf: Survivor): string {
  const notes = [
    leaf.pseudonym ? 'token' : '',
    leaf.richText ? 'rich text' : '',
    leaf.projectName ? 'KEEP_PROJECT_NAMES' : '',
  ].filter(Boolean);
  return notes.length > 0 ? `${name} (${notes.join(', ')})` : name;
}

/** `name{child, child{...}}`; a subtree equal to a whole endpoint rendered before is named instead. */
function renderChildren(node: Tree, known: Map<string, string>): string {
  return [...node.children].map(([name, child]) => renderNode(name, child, known)).join(', ');
}

function renderNode(name: string, node: Tree, known: Map<string, string>): string {
  if (node.leaf) return renderLeaf(name, node.leaf);
  const inner = renderChildren(node, known);
  const same = known.get(inner);
  return same ? `${name}{as ${same}}` : `${name}{${inner}}`;
}

/** The generated part of docs/RULES.md, markers included. */
export function renderSurvives(): string {
  const lines = [
    DOC_START,
    '',
    'Notation: `a{b, c}` is an object `a` with fields `b` and `c`; `[]` marks a list; `(token)` a',
    "pseudonym; `(rich text)` an ADF body of which only each node's `type` and `content` and a",
    "mention's `attrs.id` (a token) remain; `(KEEP_PROJECT_NAMES)` a field kept only when",
    '`KEEP_PROJECT_NAMES=true`; `{as x}` the same fields as endpoint `x`. Anything else is removed.',
    '',
  ];
  const known = new Map<string, string>();
  for (const [set, endpoints] of Object.entries(allSurvivors())) {
    lines.push(`**\`${set}\`**`, '');
    for (const [id, fields] of Object.entries(endpoints)) {
      const root = tree(fields);
      const body = root.leaf ? renderLeaf('', root.leaf) : renderChildren(root, known);
      lines.push(`- \`${id}\`: \`${body}\``);
      if (!known.has(body)) known.set(body, id);
    }
    lines.push('');
  }
  lines.push(DOC_END);
  return lines.join('\n');
}
