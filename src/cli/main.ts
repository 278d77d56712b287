import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { loadConfig, sandboxRateLimits } from '../config';
import { logToStderr } from '../log';
import { checkAwsRegion } from './aws-region';
import { describeFailure, printJson, quietOnClosedPipe } from './output';
import { dropMetadataLookupWarnings } from './quiet-warnings';

/** `jira-token-proxy <command>`: every command loads only what it needs. */

// On Node 20 the AWS SDK prints a 9-line upgrade notice that would bury the CLI's one-line
// answers; the cloud runtimes are Node 22, where it never appears.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
dropMetadataLookupWarnings();

const port = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65_535)
    throw new InvalidArgumentError('must be a port number 0-65535');
  return n;
};

// Imported, not read from a path: a bundled CLI (the tests' child bundle) sits elsewhere.
const { version } = pkg;

/** Commands that open the secret store: an AWS store's region is checked before they start. */
const STORE_COMMANDS = new Set(['serve', 'refresh', 'bootstrap', 'authorize-url', 'status']);
let json = false;

const program = new Command('jira-token-proxy')
  .description('Token-refresh proxy for Jira Cloud (OAuth 2.0 3LO with rotating refresh tokens)')
  .version(version, '-V, --version', 'print the version')
  // A usage error is the documented one-line failure below, not commander's line and usage dump;
  // set before the commands are added, which inherit it.
  .exitOverride()
  .configureOutput({ outputError: () => undefined })
  .hook('preAction', async (_, command) => {
    json = Boolean(command.opts().json);
    // stdout is the command's answer (one JSON document under --json); only `serve`, a server,
    // writes its log lines there
    if (command.name() !== 'serve') logToStderr();
    if (STORE_COMMANDS.has(command.name())) await checkAwsRegion(loadConfig());
  });

program
  .command('serve')
  .description('run the proxy on a local HTTP server (sandbox mode when nothing is configured)')
  .option('--port <n>', 'port (default: PORT or 8787)', port)
  .addOption(
    new Option('--host <addr>', 'address to listen on (0.0.0.0: every interface)').default('127.0.0.1'),
  )
  .action(async (o: { port?: number; host: string }) => (await import('./serve')).serve(o));

program
  .command('refresh')
  .description('refresh the access token if due (what the schedule runs)')
  .option('--json', 'only JSON on stdout, errors included ({"error": {"code", "message"}})')
  .action(async (o: { json?: boolean }) => (await import('./refresh')).refresh(o));

program
  .command('sandbox')
  .description('run the Atlassian sandbox alone')
  .option('--port <n>', 'port', port, 8788)
  .action(async (o: { port: number }) => {
    const [{ runSandboxCommand }, { parseRateLimits }] = await Promise.all([
      import('../sandbox/cli'),
      import('../sandbox/rate-limit'),
    ]);
    await runSandboxCommand({ ...o, rateLimits: sandboxRateLimits(parseRateLimits) });
  });

quietOnClosedPipe();
try {
  (await import('./operator')).registerOperatorCommands(program);
  await program.parseAsync(process.argv);
} catch (err) {
  // One line saying what to do (a JSON error under --json); never a stack trace or a value.
  const failure = err instanceof CommanderError ? usageFailure(err) : describeFailure(err);
  if (failure === undefined) process.exitCode = (err as CommanderError).exitCode;
  else {
    // A usage error comes before the preAction hook has seen the options: look for --json here.
    if (json || (err instanceof CommanderError && process.argv.includes('--json')))
      printJson({ error: failure });
    else console.error(`jira-token-proxy: ${failure.message}`);
    process.exitCode = 1;
  }
}

/**
 * commander's own exits: help and version have been printed (undefined: nothing to add); a usage
 * error becomes one line naming the command's --help.
 */
function usageFailure(err: CommanderError): { code: string; message: string } | undefined {
  if (['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(err.code)) return undefined;
  const args = process.argv.slice(2);
  const command = program.commands.find((c) => args.includes(c.name()))?.name();
  const what = err.message.replace(/^error: /, '').replace(/\n[\s\S]*$/, '');
  return {
    code: 'usage',
    message: `${what}: see \`jira-token-proxy ${command ? `${command} ` : ''}--help\``,
  };
}
