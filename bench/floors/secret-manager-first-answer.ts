import { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { PassThroughClient } from 'google-auth-library';

/**
 * The floor of the Cloud Function's first answer: the Secret Manager client alone (REST, emulator
 * mode, as the store builds it there) reads the access token with one access of `latest` (started
 * at load, as the function's cold start starts its read), and the handler forwards one GET with
 * it. Nothing else: no rules, no token lifecycle, no response filtering. The bench registers the
 * handler with the Functions Framework, which serves both this and the function.
 */
const [apiEndpoint, port] = (process.env.SECRET_MANAGER_EMULATOR_HOST ?? '').split(':');
const client = new SecretManagerServiceClient({
  fallback: true,
  protocol: 'http',
  apiEndpoint,
  port: Number(port),
  authClient: new PassThroughClient() as never,
});
const token = client
  .accessSecretVersion({
    name: `projects/${process.env.GCP_PROJECT}/secrets/PSOXY_JIRA_CLOUD_ACCESS_TOKEN/versions/latest`,
  })
  .then(([res]) => {
    const data = res.payload?.data ?? '';
    const text = (typeof data === 'string' ? Buffer.from(data, 'base64') : Buffer.from(data)).toString(
      'utf8',
    );
    return (JSON.parse(text) as { token: string }).token;
  });

export async function floor(
  req: { url: string },
  res: { status(code: number): { send(body: string): void } },
) {
  const upstream = await fetch(
    `${process.env.ATLASSIAN_API_URL}/ex/jira/${process.env.JIRA_CLOUD_ID}${req.url}`,
    {
      headers: { authorization: `Bearer ${await token}` },
    },
  );
  res.status(upstream.status).send(await upstream.text());
}
