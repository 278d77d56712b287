import { type EndpointKey, jiraSoftwareTransforms } from '../../transforms/jira-software';
import type { PseudonymizationOptions } from '../../transforms/options';
import type { RulesDocument } from '../schema';
import { JIRA_SOFTWARE } from './jira-software';

/** Built-in `jira-software-pseudonymized`: the `jira-software` endpoints, each answering through its allow-list. */
export function jiraSoftwarePseudonymized(options: PseudonymizationOptions): RulesDocument {
  const transforms = jiraSoftwareTransforms(options);
  return {
    endpoints: JIRA_SOFTWARE.endpoints.map((endpoint) => {
      const spec = Object.hasOwn(transforms, endpoint.id)
        ? transforms[endpoint.id as EndpointKey]
        : undefined;
      // an endpoint added without deciding what of it survives is a build error, not a pass-through
      if (!spec) throw new Error(`no Jira Software transform for endpoint ${endpoint.id}`);
      return { ...endpoint, transforms: spec };
    }),
  };
}
