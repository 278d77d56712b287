import { type EndpointKey, jiraServiceManagementTransforms } from '../../transforms/jira-service-management';
import type { PseudonymizationOptions } from '../../transforms/options';
import type { RulesDocument } from '../schema';
import { JIRA_SERVICE_MANAGEMENT } from './jira-service-management';

/** Built-in `jira-service-management-pseudonymized`: the same endpoints, each through its allow-list. */
export function jiraServiceManagementPseudonymized(options: PseudonymizationOptions): RulesDocument {
  const transforms = jiraServiceManagementTransforms(options);
  return {
    endpoints: JIRA_SERVICE_MANAGEMENT.endpoints.map((endpoint) => {
      const spec = Object.hasOwn(transforms, endpoint.id)
        ? transforms[endpoint.id as EndpointKey]
        : undefined;
      // an endpoint added without deciding what of it survives is a build error, not a pass-through
      if (!spec) throw new Error(`no Service Management transform for endpoint ${endpoint.id}`);
      return { ...endpoint, transforms: spec };
    }),
  };
}
