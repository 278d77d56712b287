import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import pkg from '../../package.json' with { type: 'json' };
import { ROOT } from '../helpers/cli';

/**
 * `npx jira-token-proxy` resolves the checkout's CLI only inside the checkout; elsewhere npx asks
 * the public registry for that name. Every guide that shows the command says so and names
 * `npm run cli --`, which runs this checkout's CLI from anywhere and never asks the registry.
 */

const run = promisify(execFile);
const GUIDES = ['README.md', 'docs/OPERATORS.md', 'docs/runbook-bootstrap.md'];

describe('running the CLI', () => {
  it.each(GUIDES.map((g) => [g]))('%s says to run it from the checkout, and names npm run cli', (guide) => {
    const text = readFileSync(join(ROOT, guide), 'utf8');
    expect(text).toContain('npx jira-token-proxy');
    expect(text).toMatch(/from the (repository )?checkout/);
    expect(text).toContain('public npm registry');
    expect(text).toContain('`npm run cli -- ');
  });

  it('`npm --prefix <checkout> run cli --` runs this CLI from outside the checkout, offline', async () => {
    const elsewhere = await mkdtemp(join(tmpdir(), 'jtp-elsewhere-'));
    try {
      const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
      const { stdout } = await run(npm, ['--prefix', ROOT, 'run', '--silent', 'cli', '--', '--version'], {
        cwd: elsewhere,
        // A registry nothing answers on: the run must not need one.
        env: { ...process.env, npm_config_registry: 'http://127.0.0.1:9/', npm_config_offline: 'true' },
      });
      expect(stdout).toBe(`${pkg.version}\n`);
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });
});
