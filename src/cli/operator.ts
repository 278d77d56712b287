import type { Command } from 'commander';

/** The operator's commands: bootstrap, authorize-url, status, test-calls, rules. */
export function registerOperatorCommands(program: Command): void {
  program
    .command('bootstrap')
    .description('the annual token-family bootstrap (interactive unless --code or --redirected-url)')
    .option('--client-id <id>', 'Atlassian app client id (default: from the store, else asked)')
    .option('--client-secret <secret>', 'Atlassian app client secret (default: from the store, else asked)')
    .option('--code <code>', 'authorization code from the redirect')
    .option('--redirected-url <url>', 'the whole URL the browser was redirected to')
    .option(
      '--redirect-uri <uri>',
      "the app's callback URL; on a loopback one the CLI catches the redirect (port 80 needs root: use http://localhost:8080/callback)",
      'http://localhost',
    )
    .option('--cloud-id <id>', 'the Jira site, when the grant reaches several')
    .option(
      '--scopes <scopes>',
      'space-separated scopes (default: the Psoxy Jira Cloud scopes + offline_access)',
    )
    .action(async (o) => (await import('./bootstrap')).bootstrap(o));

  program
    .command('authorize-url')
    .description('print the authorize URL')
    .option('--client-id <id>', 'client id (default: from the store)')
    .option('--redirect-uri <uri>', "the app's callback URL", 'http://localhost')
    .option('--scopes <scopes>', 'space-separated scopes')
    .action(async (o) => (await import('./status')).printAuthorizeUrl(o));

  program
    .command('status')
    .description('token family health from the store (never values); exit 0 healthy, 1 broken, 2 warning')
    .option('--json', 'only JSON on stdout, errors included ({"error": {"code", "message"}})')
    .option('--live', 'also check the stored access token with Atlassian (never spends the refresh token)')
    .action(async (o) => (await import('./status')).status(o));

  program
    .command('test-calls')
    .description('call a deployed proxy: health and the example API calls, as a table')
    .requiredOption(
      '--url <url>',
      'the proxy URL with its scheme (Lambda function URL, Cloud Function URL, or http://localhost:8787)',
    )
    .option('--role-arn <arn>', 'AWS: role to assume for signing (the caller role)')
    .option('--region <region>', 'AWS: region for SigV4 (default: from the function URL or AWS_REGION)')
    .option('--sigv4', 'sign with SigV4 even if the URL is not a Lambda function URL')
    .option('--impersonate <serviceAccount>', 'GCP: service account whose ID token to use')
    .option('--id-token', 'send a Google ID token even if the URL is not a Cloud Function URL')
    .action(async (o) => (await import('./test-calls')).testCalls(o));

  program
    .command('rules')
    .description('print built-in rule sets as YAML to start a RULES_FILE from (default: RULE_SET)')
    .argument('[sets...]', 'built-in rule set names')
    .requiredOption('--print', 'print the rule sets as one YAML rules file')
    .action(async (sets: string[]) => (await import('./rules')).printRules(sets));
}
