import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { PSOXY_SCOPES, SANDBOX_CLIENT, SANDBOX_SITE } from '../../src/sandbox';
import { secretNames } from '../../src/secrets';
import { parseAccessToken } from '../../src/tokens/values';
import { bootstrapFlags, runCli } from '../helpers/cli';
import { type CloudStore, strictWorld, tally } from './backends';
import { startServe } from './fleet-helper';

/**
 * Every cloud store end to end, through the real CLI in child processes: `bootstrap`, `status`,
 * `serve` and `refresh` against a strict sandbox (no reuse leeway, an old access token dies as
 * soon as a newer one is issued) and the store's loopback server; and a bootstrap whose write of
 * REFRESH_TOKEN the store refuses, which must leave the previous family as it was.
 */

const LIFETIME_S = 2;
const MARGIN_S = 1;
const CALLBACK = 'http://localhost:8080/callback';
const FAMILY = ['CLIENT_ID', 'CLIENT_SECRET', 'REFRESH_TOKEN', 'ACCESS_TOKEN', 'TOKEN_FAMILY'] as const;

const bootstrapArgs = (code: string) => bootstrapFlags(code, CALLBACK);

/** The suite for one store; each store has a test file of its own, so the two workers share them out. */
export function describeCliEndToEnd(kind: CloudStore): void {
  describe(`${kind}: the CLI end to end`, () => {
    const world = strictWorld(kind, LIFETIME_S);

    const envFor = (prefix: string) => ({
      ...world.backend.env,
      SECRET_PREFIX: prefix,
      ATLASSIAN_AUTH_URL: world.sandbox.url,
      ATLASSIAN_API_URL: world.sandbox.url,
      REFRESH_MARGIN_SECONDS: String(MARGIN_S),
    });
    const newCode = () => world.sandbox.mintCode({ scopes: PSOXY_SCOPES, redirectUri: CALLBACK });
    const snapshot = (prefix: string) => {
      const names = secretNames(prefix);
      return Object.fromEntries(FAMILY.map((s) => [s, world.backend.value(names[s])]));
    };
    /** Nothing the store holds for `prefix` may appear in what the CLI printed. */
    const expectNoSecretIn = (output: string, prefix: string) => {
      const values = Object.values(snapshot(prefix)).filter((v): v is string => !!v);
      const tokens = values.flatMap((v) => [v, parseAccessToken(v)?.token ?? v]);
      for (const secret of [...tokens, SANDBOX_CLIENT.clientSecret]) {
        expect(output.includes(secret), 'the CLI printed a secret value').toBe(false);
      }
    };

    it('bootstraps, reports healthy, serves, and a scheduled refresh rotates the token in the store', async () => {
      const prefix = 'PSOXY_JIRA_CLOUD_';
      const names = secretNames(prefix);
      const env = envFor(prefix);

      const boot = await runCli(bootstrapArgs(newCode()), env).done;
      expect(boot.stderr).toBe('');
      expect(boot.code).toBe(0);
      expect(boot.stdout).toContain(`cloud id ${SANDBOX_SITE.id}`);
      expect(boot.stdout).toContain(kind);
      const installed = snapshot(prefix);
      for (const s of FAMILY) expect(installed[s], `${names[s]} in ${kind}`).toBeTruthy();
      expect(installed.CLIENT_ID).toBe(SANDBOX_CLIENT.clientId);
      expect(JSON.parse(installed.TOKEN_FAMILY as string)).toMatchObject({ cloudId: SANDBOX_SITE.id });
      expectNoSecretIn(boot.stdout + boot.stderr, prefix);

      const status = await runCli(['status', '--json'], env).done;
      expect(status.code, status.stdout + status.stderr).toBe(0);
      const report = JSON.parse(status.stdout) as { health: string; store: string; secrets: object };
      expect(report.health).toBe('healthy');
      expect(report.store).toContain(kind);
      for (const s of FAMILY) expect(report.secrets).toHaveProperty(names[s], 'present');

      // No JIRA_CLOUD_ID: serve takes the site from the family the bootstrap stored.
      const serve = await startServe(env);
      world.processes.push(serve);
      const call = async (path: string) => {
        const res = await fetch(`${serve.url}${path}`);
        return { status: res.status, body: await res.text() };
      };
      for (const path of [
        '/rest/api/3/myself',
        '/rest/api/3/project/search?maxResults=5',
        '/rest/api/3/myself',
      ]) {
        const res = await call(path);
        expect(res.status, `${path}: ${res.body}`).toBe(200);
      }

      // Wait until the stored access token is due (inside the margin), so `refresh` must rotate.
      const dueIn = () =>
        (parseAccessToken(world.backend.value(names.ACCESS_TOKEN) ?? '')?.expiresAt ?? 0) - Date.now();
      while (dueIn() > MARGIN_S * 1000) await sleep(50);
      const before = snapshot(prefix);
      const refreshesBefore = world.sandbox.stats().refreshes;
      const opsBefore = world.backend.ops().length;
      const refreshed = await runCli(['refresh', '--json'], env).done;
      expect(refreshed.code, refreshed.stderr).toBe(0);
      expect(JSON.parse(refreshed.stdout)).toMatchObject({ refreshed: true, familyDaysLeft: 364 });
      const after = snapshot(prefix);
      expect(after.REFRESH_TOKEN, 'refresh must store the rotated refresh token').not.toBe(
        before.REFRESH_TOKEN,
      );
      expect(after.ACCESS_TOKEN).not.toBe(before.ACCESS_TOKEN);
      expect(after.TOKEN_FAMILY).toBe(before.TOKEN_FAMILY);
      expect(world.sandbox.stats().refreshes - refreshesBefore).toBe(1);
      expectNoSecretIn(refreshed.stdout + refreshed.stderr, prefix);
      // The store calls of one `refresh` process (its start-up read included), for the report.
      const refreshOps = tally(world.backend.ops().slice(opsBefore));
      expect(Object.values(refreshOps).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      process.stdout.write(
        `[e2e] ${kind}: store calls during one \`refresh\`: ${JSON.stringify(refreshOps)}\n`,
      );

      // serve's own token was revoked by that refresh: it must pick up the stored one and carry on.
      for (const path of ['/rest/api/3/myself', '/rest/api/3/myself']) {
        const res = await call(path);
        expect(res.status, `${path} after the refresh: ${res.body}`).toBe(200);
      }
      const stats = world.sandbox.stats();
      expect(stats.reuseAfterLeeway).toBe(0);
      expect(stats.reuseWithinLeeway).toBe(0);
      expect(stats.familiesRevoked).toBe(0);
      expect(stats.invalidGrants).toBe(0);
    }, 40_000);

    it('a bootstrap whose REFRESH_TOKEN write is denied fails in one line and leaves the previous family', async () => {
      const prefix = 'E2E_DENIED_';
      const names = secretNames(prefix);
      const env = envFor(prefix);
      const first = await runCli(bootstrapArgs(newCode()), env).done;
      expect(first.code, first.stderr).toBe(0);
      const previous = snapshot(prefix);

      world.backend.denyWrite(names.REFRESH_TOKEN);
      const denied = await runCli(bootstrapArgs(newCode()), env).done;
      world.backend.allow();
      expect(denied.code).toBe(1);
      expect(denied.stdout).toBe('');
      const lines = denied.stderr.trim().split('\n');
      expect(lines, 'one line saying what to do').toHaveLength(1);
      expect(lines[0]).toContain(names.REFRESH_TOKEN);
      expect(lines[0]).toMatch(/access denied/);
      expect(lines[0]).toMatch(/previous token family is unchanged/);
      expect(lines[0]).toMatch(/permissions and bootstrap again/);
      expectNoSecretIn(denied.stderr, prefix);
      // Never half-written: every secret the failed run wrote was put back.
      expect(snapshot(prefix)).toEqual(previous);

      // The lock was released and the store is usable: the next bootstrap goes through at once.
      const again = await runCli(bootstrapArgs(newCode()), env).done;
      expect(again.code, again.stderr).toBe(0);
      expect(snapshot(prefix).REFRESH_TOKEN).not.toBe(previous.REFRESH_TOKEN);
    }, 40_000);
  });
}
