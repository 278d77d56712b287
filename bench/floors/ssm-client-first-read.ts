import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';

/**
 * The SSM floor plus the first read started, as the function's cold start starts it (the bench
 * points the endpoint at a closed loopback port; the failure is ignored, as the cold start's is).
 */
export const client = new SSMClient({});
client
  .send(new GetParametersCommand({ Names: ['PSOXY_JIRA_CLOUD_ACCESS_TOKEN'], WithDecryption: true }))
  .catch(() => undefined);
