import { type EndpointKey, JIRA_CLOUD_TRANSFORMS } from '../../transforms/jira-cloud';
import type { RulesDocument } from '../schema';
import { JIRA_CLOUD } from './jira-cloud';

/** Built-in `jira-cloud-pseudonymized`: the `jira-cloud` endpoints with Psoxy's sanitization. */
export const JIRA_CLOUD_PSEUDONYMIZED: RulesDocument = {
  endpoints: JIRA_CLOUD.endpoints.map((endpoint) => {
    const spec = JIRA_CLOUD_TRANSFORMS[endpoint.id as EndpointKey];
    if (!spec) throw new Error(`no Jira Cloud transform for endpoint ${endpoint.id}`);
    return { ...endpoint, transforms: spec };
  }),
};
