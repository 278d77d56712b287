import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';

/**
 * The floor of the Lambda's first answer: the SSM client alone reads the access token (started at
 * load, as the function's cold start starts its read) and the handler forwards one GET with it.
 * Nothing else: no rules, no token lifecycle, no response filtering.
 */
const client = new SSMClient({});
const token = client
  .send(new GetParametersCommand({ Names: ['PSOXY_JIRA_CLOUD_ACCESS_TOKEN'], WithDecryption: true }))
  .then((res) => (JSON.parse(res.Parameters?.[0]?.Value ?? '{}') as { token: string }).token);

export async function handler(event: { rawPath: string; rawQueryString: string }) {
  const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
  const res = await fetch(
    `${process.env.ATLASSIAN_API_URL}/ex/jira/${process.env.JIRA_CLOUD_ID}${event.rawPath}${query}`,
    { headers: { authorization: `Bearer ${await token}` } },
  );
  return { statusCode: res.status, body: await res.text() };
}
