import { type EndpointKey, jiraCloudTransforms } from '../../transforms/jira-cloud';
import type { PseudonymizationOptions } from '../../transforms/options';
import type { RulesDocument } from '../schema';
import { JIRA_CLOUD } from './jira-cloud';

/** Built-in `jira-cloud-pseudonymized`: the `jira-cloud` endpoints, each answering through its allow-list. */
export function jiraCloudPseudonymized(options: PseudonymizationOptions): RulesDocument {
  const transforms = jiraCloudTransforms(options);
  return {
    endpoints: JIRA_CLOUD.endpoints.map((endpoint) => {
      const spec = Object.hasOwn(transforms, endpoint.id)
        ? transforms[endpoint.id as EndpointKey]
        : undefined;
      // an endpoint added without deciding what of it survives is a build error, not a pass-through
      if (!spec) throw new Error(`no Jira Cloud transform for endpoint ${endpoint.id}`);
      return { ...endpoint, transforms: spec };
    }),
  };
}
