import { type CompiledPath, compileJsonPath, removeMatches, replaceMatches } from './jsonpath';
import { pseudonymize } from './pseudonym';
import { filterBySchema, prepareResponseSchema, type ResponseSchema } from './schema-filter';

export { pseudonymize } from './pseudonym';
export type { ResponseSchema } from './schema-filter';

/**
 * What one endpoint does to its JSON response, in Psoxy's terms and order: `responseSchema` (an
 * allow-list; optional) first, then every `redact` JSONPath, then every `pseudonymize` JSONPath.
 */
export interface TransformSpec {
  redact?: string[];
  pseudonymize?: string[];
  responseSchema?: ResponseSchema;
}

export interface CompiledTransform {
  /**
   * The sanitized form of a parsed JSON body, which it takes over: `body` may be changed in place
   * (a copy would cost as much as parsing it again; the proxy parses one per response). Nothing is
   * kept between calls, so one compiled transform serves concurrent requests. It works on the whole
   * document (JSONPath deep scans need it all), so it is not a streaming transform. Throws when a
   * pseudonymize path reaches an object, array or boolean, or when `salt` is empty.
   */
  apply(body: unknown, salt: string): unknown;
}

/** Compiles every JSONPath and checks the schema once; throws an Error saying which entry is bad. */
export function compileTransform(spec: TransformSpec): CompiledTransform {
  const redact = compileList(spec.redact, 'redact');
  const pseudonymizePaths = compileList(spec.pseudonymize, 'pseudonymize');
  const schema = spec.responseSchema === undefined ? undefined : prepareResponseSchema(spec.responseSchema);

  return {
    apply(body, salt) {
      if (pseudonymizePaths.length > 0 && salt === '') {
        throw new Error('the pseudonymization salt is empty');
      }
      if (schema === undefined && redact.length === 0 && pseudonymizePaths.length === 0) return body;
      let document = schema !== undefined ? filterBySchema(body, schema) : body;
      for (const path of redact) {
        document = removeMatches(document, path);
        // a rule that removes the root leaves nothing to return but null
        if (document === undefined) return null;
      }
      const replaced = new Map<object, Set<string | number>>();
      // a page names the same people many times over: each distinct value is hashed once per call
      const tokens = new Map<unknown, string | null>();
      const hash = (value: unknown) => {
        let token = tokens.get(value);
        if (token === undefined) {
          token = pseudonymize(value, salt);
          // only strings and numbers get here: anything else has thrown
          tokens.set(value, token);
        }
        return token;
      };
      for (const path of pseudonymizePaths) {
        document = replaceMatches(document, path, hash, replaced);
      }
      return document;
    },
  };
}

function compileList(paths: unknown, name: string): CompiledPath[] {
  if (paths === undefined) return [];
  if (!Array.isArray(paths)) throw new Error(`transform ${name} must be a list of JSONPath strings`);
  return paths.map((path, index) => {
    if (typeof path !== 'string') throw new Error(`transform ${name}[${index}] must be a JSONPath string`);
    try {
      return compileJsonPath(path);
    } catch (error) {
      throw new Error(`transform ${name}[${index}]: ${(error as Error).message}`);
    }
  });
}
