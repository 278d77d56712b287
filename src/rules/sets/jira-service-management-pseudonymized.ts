import {
  type EndpointKey,
  JIRA_SERVICE_MANAGEMENT_TRANSFORMS,
} from '../../transforms/jira-service-management';
import type { RulesDocument } from '../schema';
import { JIRA_SERVICE_MANAGEMENT } from './jira-service-management';

/** Built-in `jira-service-management-pseudonymized`: the same endpoints with their people pseudonymized. */
export const JIRA_SERVICE_MANAGEMENT_PSEUDONYMIZED: RulesDocument = {
  endpoints: JIRA_SERVICE_MANAGEMENT.endpoints.map((endpoint) => {
    const spec = JIRA_SERVICE_MANAGEMENT_TRANSFORMS[endpoint.id as EndpointKey];
    // undefined: an endpoint added without deciding what it exposes; null: it holds nobody
    if (spec === undefined) throw new Error(`no Service Management transform for endpoint ${endpoint.id}`);
    return spec === null ? endpoint : { ...endpoint, transforms: spec };
  }),
};
