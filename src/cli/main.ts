import { Command, InvalidArgumentError, Option } from 'commander';
import { ConfigError } from '../config';

/** `jira-token-proxy <command>`: every command loads only what it needs. */

// On Node 20 the AWS SDK prints a 9-line upgrade notice that would bury the CLI's one-line
// answers; the cloud runtimes are Node 22, where it never appears.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const port = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65_535)
    throw new InvalidArgumentError('must be a port number 0-65535');
  return n;
};

const program = new Command('jira-token-proxy')
  .description('Token-refresh proxy for Jira Cloud (OAuth 2.0 3LO with rotating refresh tokens)')
  .showHelpAfterError();

program
  .command('serve')
  .description('run the proxy on a local HTTP server (sandbox mode when nothing is configured)')
  .option('--port <n>', 'port (default: PORT or 8787)', port)
  .addOption(new Option('--host <addr>', 'address to listen on').default('127.0.0.1'))
  .action(async (o: { port?: number; host: string }) => (await import('./serve')).serve(o));

program
  .command('refresh')
  .description('refresh the access token if due (what the schedule runs)')
  .option('--json', 'print the report as JSON')
  .action(async (o: { json?: boolean }) => (await import('./refresh')).refresh(o));

program
  .command('sandbox')
  .description('run the Atlassian sandbox alone')
  .option('--port <n>', 'port', port, 8788)
  .action(async (o: { port: number }) => (await import('../sandbox/cli')).runSandboxCommand(o));

try {
  (await import('./operator')).registerOperatorCommands(program);
  await program.parseAsync(process.argv);
} catch (err) {
  // One line saying what to do; never a stack trace or a value.
  const message = err instanceof ConfigError ? `configuration: ${err.message}` : (err as Error).message;
  console.error(`jira-token-proxy: ${message}`);
  process.exitCode = 1;
}
