import { randomBytes } from 'node:crypto';
import {
  describeRateLimits,
  PSOXY_SCOPES,
  SANDBOX_CLIENT,
  type SandboxRateLimit,
  startSandbox,
} from './index';

/** `jira-token-proxy sandbox`: the Atlassian sandbox alone, until SIGINT or SIGTERM. */
export async function runSandboxCommand(opts: {
  port: number;
  rateLimits?: SandboxRateLimit[];
}): Promise<void> {
  const sandbox = await startSandbox({ port: opts.port, rateLimits: opts.rateLimits });
  const authorize = new URL('/authorize', sandbox.url);
  authorize.search = new URLSearchParams({
    audience: 'api.atlassian.com',
    client_id: SANDBOX_CLIENT.clientId,
    scope: PSOXY_SCOPES.join(' '),
    redirect_uri: 'http://localhost:8080/callback',
    state: randomBytes(8).toString('hex'),
    response_type: 'code',
    prompt: 'consent',
  })
    .toString()
    .replaceAll('+', '%20');
  // The sandbox client's secret is a public fixture, printed so the line is all a developer needs.
  console.log(
    `Atlassian sandbox on ${sandbox.url} (client id ${SANDBOX_CLIENT.clientId}, client secret ${SANDBOX_CLIENT.clientSecret}); authorize: ${authorize}`,
  );
  if (opts.rateLimits?.length) console.log(`  enforcing rate limits: ${describeRateLimits(opts.rateLimits)}`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await sandbox.close();
}
