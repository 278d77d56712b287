import { ConfigError } from '../config';
import { whyNotBound } from './ports';

/**
 * What the CLI writes where. stdout carries the command's answer and nothing else, so it can be
 * piped; prompts, warnings and the core's structured logs go to stderr (main.ts).
 */

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * A reader that stops reading (`status | head -1`) closes the pipe: the rest of the answer has
 * nowhere to go, which is not an error worth a stack trace.
 */
export function quietOnClosedPipe(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(process.exitCode ?? 0);
  });
}

/**
 * A failure as the CLI reports it: a code a script can test and one line saying what to do.
 * Matched by name, not class, so the entry point loads none of the modules that throw them.
 */
export function describeFailure(err: unknown): { code: string; message: string } {
  const e = err as Error & { code?: unknown };
  if (err instanceof ConfigError) return { code: 'config_invalid', message: `configuration: ${e.message}` };
  if (e.name === 'ProxyError' && typeof e.code === 'string') return { code: e.code, message: e.message };
  if (e.name === 'StoreError') return { code: 'store_unavailable', message: e.message };
  if (e.name === 'BootstrapError') return { code: 'bootstrap_failed', message: e.message };
  const listen = err as NodeJS.ErrnoException & { address?: string; port?: number };
  if (listen.syscall === 'listen' && listen.port !== undefined) {
    const why = whyNotBound(listen, listen.port);
    return {
      code: 'port_unavailable',
      message: `cannot listen on ${listen.address}:${listen.port}: ${why}; choose another port with --port N`,
    };
  }
  return { code: 'failed', message: e.message };
}
