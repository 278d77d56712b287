import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PSOXY_SCOPES, SANDBOX_CLIENT, SANDBOX_SITE, type Sandbox, startSandbox } from '../../src/sandbox';
import { secretNames } from '../../src/secrets';
import { FileStore } from '../../src/stores/file';
import { bootstrapFlags, runCli, standaloneCli } from '../helpers/cli';
import { sandboxConfig, seedFamily } from '../helpers/proxy';

const names = secretNames('PSOXY_JIRA_CLOUD_');
const CALLBACK = 'http://localhost:8080/callback';
let sandbox: Sandbox;
let dir: string;
let secretFile: string;
let env: Record<string, string>;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const store = () => new FileStore({ path: secretFile });
const stored = async () => store().read(Object.values(names));
const flags = (code: string, extra: string[] = []) => bootstrapFlags(code, CALLBACK, extra);

beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(() => sandbox.close());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jtp-boot-'));
  secretFile = join(dir, 'secrets.json');
  env = { SECRET_FILE: secretFile, ATLASSIAN_AUTH_URL: sandbox.url, ATLASSIAN_API_URL: sandbox.url };
  return () => rm(dir, { recursive: true, force: true });
});

/** A previous family, to prove failures leave it intact. */
async function previousFamily() {
  await seedFamily(sandbox, store(), sandboxConfig(sandbox, secretFile));
  return (await stored()).get(names.REFRESH_TOKEN)?.value;
}

describe('bootstrap, non-interactive', () => {
  it('exchanges the code, writes every secret, checks /myself and prints cloud id and expiry', async () => {
    const code = sandbox.mintCode({ scopes: PSOXY_SCOPES, redirectUri: CALLBACK });
    const r = await runCli(flags(code), env).done;
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(SANDBOX_SITE.id);
    expect(r.stdout).toMatch(/expires: +\d{4}-\d{2}-\d{2}/);
    expect(r.stdout + r.stderr).not.toContain(SANDBOX_CLIENT.clientSecret);
    const got = await stored();
    for (const s of [
      'CLIENT_ID',
      'CLIENT_SECRET',
      'REFRESH_TOKEN',
      'ACCESS_TOKEN',
      'TOKEN_FAMILY',
    ] as const) {
      expect(got.has(names[s])).toBe(true);
    }
    expect(JSON.parse(got.get(names.TOKEN_FAMILY)?.value ?? '{}')).toMatchObject({
      cloudId: SANDBOX_SITE.id,
    });
    const status = await runCli(['status', '--json'], env).done;
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ health: 'healthy', family: { daysLeft: 364 } });
  });

  it('warns about scopes that were asked for but not granted', async () => {
    const granted = PSOXY_SCOPES.filter((s) => s !== 'read:avatar:jira');
    const code = sandbox.mintCode({ scopes: granted, redirectUri: CALLBACK });
    const r = await runCli(flags(code), env).done;
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: Atlassian did not grant read:avatar:jira/);
  });

  it.each([
    [
      'a used code',
      'authorization code was refused',
      async () => {
        const code = sandbox.mintCode({ scopes: PSOXY_SCOPES, redirectUri: CALLBACK });
        await runCli(flags(code), { ...env, SECRET_FILE: join(dir, 'other.json') }).done;
        return flags(code);
      },
    ],
    [
      'a code for another redirect URI',
      'authorization code was refused',
      async () =>
        flags(sandbox.mintCode({ scopes: PSOXY_SCOPES, redirectUri: 'http://localhost:9999/other' })),
    ],
    [
      'a wrong client secret',
      'refused the client id or secret',
      async () => {
        const f = flags(sandbox.mintCode({ scopes: PSOXY_SCOPES, redirectUri: CALLBACK }));
        f[f.indexOf('--client-secret') + 1] = 'not-the-secret';
        return f;
      },
    ],
    [
      'no offline_access in the consent',
      'offline_access',
      async () =>
        flags(
          sandbox.mintCode({
            scopes: PSOXY_SCOPES.filter((s) => s !== 'offline_access'),
            redirectUri: CALLBACK,
          }),
        ),
    ],
    [
      'a declined consent',
      'consent was declined',
      async () => [
        ...flags('x').slice(0, 5),
        '--redirected-url',
        `${CALLBACK}?error=access_denied&error_description=denied&state=s`,
        '--redirect-uri',
        CALLBACK,
      ],
    ],
    [
      'a grant for another site',
      'does not reach cloud id',
      async () =>
        flags(sandbox.mintCode({ scopes: PSOXY_SCOPES, redirectUri: CALLBACK }), [
          '--cloud-id',
          '00000000-0000-4000-8000-000000000000',
        ]),
    ],
  ])('%s: exit 1, one line saying what to do, previous family intact', async (_name, message, args) => {
    const before = await previousFamily();
    const r = await runCli(await args(), env).done;
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(message);
    expect((await stored()).get(names.REFRESH_TOKEN)?.value).toBe(before);
  });
});

describe('bootstrap, interactive', () => {
  it('asks for the client credentials, catches the browser redirect on its localhost listener', async () => {
    const port = await freePort();
    const redirectUri = `http://localhost:${port}/callback`;
    const run = runCli(['bootstrap', '--redirect-uri', redirectUri], env);
    await run.waitFor(/client id:/);
    run.write(SANDBOX_CLIENT.clientId);
    await run.waitFor(/client secret:/);
    run.write(SANDBOX_CLIENT.clientSecret);
    const [authorize] = await run.waitFor(/http:\/\/127\.0\.0\.1:\d+\/authorize\?\S+/);
    // The "browser": Atlassian's consent answers with a redirect to the CLI's own listener.
    const consent = await fetch(authorize, { redirect: 'manual' });
    expect(consent.status).toBe(302);
    const done = await fetch(consent.headers.get('location') as string);
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('Done');
    const r = await run.done;
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(SANDBOX_SITE.id);
    expect(new URL(authorize).searchParams.get('scope')?.split(' ')).toContain('offline_access');
  });

  it('takes a pasted redirected URL, and refuses one whose state does not match', async () => {
    await seedFamily(sandbox, store(), sandboxConfig(sandbox, secretFile));
    const redirectUri = 'http://localhost:1/not-listening';
    const run = runCli(['bootstrap', '--redirect-uri', redirectUri], env);
    const [authorize] = await run.waitFor(/http:\/\/127\.0\.0\.1:\d+\/authorize\?\S+/);
    await run.waitFor(/paste the URL/);
    const consent = await fetch(authorize, { redirect: 'manual' });
    const redirected = new URL(consent.headers.get('location') as string);
    redirected.searchParams.set('state', 'forged');
    run.write(redirected.toString());
    const r = await run.done;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('state mismatch');

    const again = runCli(['bootstrap', '--redirect-uri', redirectUri], env);
    const [url] = await again.waitFor(/http:\/\/127\.0\.0\.1:\d+\/authorize\?\S+/);
    await again.waitFor(/paste the URL/);
    const ok = await fetch(url, { redirect: 'manual' });
    again.write(ok.headers.get('location') as string);
    expect((await again.done).code).toBe(0);
  });

  it('callback port busy: says why and what to do, then takes a pasted URL, asking again while it is cut off', async () => {
    const port = await freePort();
    // Another program holds the port on both loopback addresses.
    const blockers = await Promise.all(
      ['127.0.0.1', '::1'].map(
        (host) =>
          new Promise<Server>((resolve) =>
            createServer().listen(port, host, function (this: Server) {
              resolve(this);
            }),
          ),
      ),
    );
    try {
      const redirectUri = `http://localhost:${port}/callback`;
      const run = runCli(['bootstrap', ...flags('unused').slice(1, 5), '--redirect-uri', redirectUri], env);
      const [line] = await run.waitFor(/^Cannot catch the redirect.*$/m);
      expect(line).toBe(
        `Cannot catch the redirect on ${redirectUri}: port ${port} is already in use by another program. ` +
          'Paste the redirected URL below, or run again with --redirect-uri http://localhost:8080/callback ' +
          '(registered as a callback URL in the Atlassian app).',
      );
      expect(run.proc.exitCode).toBeNull();
      const [authorize] = await run.waitFor(/http:\/\/127\.0\.0\.1:\d+\/authorize\?\S+/);
      await run.waitFor(/paste the URL/);
      const whole = (await fetch(authorize, { redirect: 'manual' })).headers.get('location') as string;
      expect(whole).toMatch(/[?&]state=[^&]{8,}$/);

      // The terminal wrapped the line and only part of it was copied: the state is cut short.
      run.write(whole.slice(0, -5));
      await run.waitFor(/That URL's state is cut short: it looks cut off; paste the whole address/);
      // Cut before the code.
      run.write(whole.slice(0, whole.indexOf('code=')));
      await run.waitFor(/That URL has no code: it looks cut off; paste the whole address/);
      run.write(whole);
      const r = await run.done;
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(SANDBOX_SITE.id);
    } finally {
      for (const b of blockers) b.close();
    }
  });

  it('default http://localhost as a non-root user: port 80 is refused; the line suggests the 8080 callback', async () => {
    // Root may bind port 80: as root, run the CLI as nobody for the real EACCES, from a copy that
    // nobody can read wherever the clone lives.
    const asRoot = process.getuid?.() === 0;
    const cli = asRoot ? await standaloneCli() : undefined;
    await chmod(dir, 0o777);
    const run = runCli(
      ['bootstrap', ...flags('unused').slice(1, 5)],
      env,
      '',
      cli && { uid: 65534, gid: 65534, cli: cli.path },
    );
    const r = await run.done.finally(() => cli?.remove());
    const lines = r.stderr.split('\n');
    expect(lines[0]).toBe(
      'Cannot catch the redirect on http://localhost: port 80 needs root (ports below 1024 are privileged). ' +
        'Paste the redirected URL below, or run again with --redirect-uri http://localhost:8080/callback ' +
        '(registered as a callback URL in the Atlassian app).',
    );
    // Nothing pasted (stdin closed): exit 1, nothing written.
    expect(r.code).toBe(1);
    expect(lines.at(-2)).toContain('jira-token-proxy: no answer to "Or paste the URL');
    expect((await stored()).size).toBe(0);
  });
});
