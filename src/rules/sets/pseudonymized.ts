import type { TransformSpec } from '../../transforms';
import type { RulesDocument } from '../schema';

/**
 * A pseudonymized twin of `doc`: the same endpoints, each answering through its transform. An
 * endpoint without one is a build error, not a pass-through: adding an endpoint to a set means
 * deciding what of its answer survives.
 */
export function pseudonymizedTwin(
  doc: RulesDocument,
  transforms: Readonly<Record<string, TransformSpec>>,
  product: string,
): RulesDocument {
  return {
    endpoints: doc.endpoints.map((endpoint) => {
      const spec = Object.hasOwn(transforms, endpoint.id) ? transforms[endpoint.id] : undefined;
      if (!spec) throw new Error(`no ${product} transform for endpoint ${endpoint.id}`);
      return { ...endpoint, transforms: spec };
    }),
  };
}
