import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { SANDBOX_SITE, type Sandbox, startSandbox } from '../../src/sandbox';
import { secretNames } from '../../src/secrets';
import { FileStore } from '../../src/stores/file';
import {
  expectFleetHeld,
  kill,
  liveOwner,
  runFleetLoad,
  type ServeProcess,
  startServe,
} from '../e2e/fleet-helper';
import { sandboxConfig, seedFamily } from '../helpers/proxy';

/**
 * Three `serve` processes share one file store against a strict sandbox (no reuse leeway, old
 * access tokens revoked at once), under load, with short-lived tokens; one is SIGKILLed midway.
 * The same load runs against each cloud store in test/e2e/fleet-*.test.ts.
 */

const LIFETIME_S = 3;
const MARGIN_S = 1;
/** Three refresh windows of (lifetime - margin), the kill in the middle one. */
const RUN_MS = 6000;

let sandbox: Sandbox | undefined;
let dir = '';
const instances: ServeProcess[] = [];
afterAll(async () => {
  for (const i of instances) kill(i);
  await sandbox?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a fleet of serve processes on one store', () => {
  it('never reuses a refresh token and answers every request to a live instance', async () => {
    sandbox = await startSandbox({
      leewaySeconds: 0,
      accessTokenGraceSeconds: 0,
      accessTokenLifetimeSeconds: LIFETIME_S,
    });
    dir = await mkdtemp(join(tmpdir(), 'jtp-fleet-'));
    const secretFile = join(dir, 'secrets.json');
    const config = sandboxConfig(sandbox, secretFile);
    const LOCK = secretNames(config.secretPrefix).LOCK;
    await seedFamily(sandbox, new FileStore({ path: secretFile }), config);
    const env = {
      SECRET_FILE: secretFile,
      ATLASSIAN_AUTH_URL: sandbox.url,
      ATLASSIAN_API_URL: sandbox.url,
      JIRA_CLOUD_ID: SANDBOX_SITE.id,
      REFRESH_MARGIN_SECONDS: String(MARGIN_S),
      LOCK_TTL_SECONDS: '5',
    };
    instances.push(...(await Promise.all([startServe(env), startServe(env), startServe(env)])));

    const out = await runFleetLoad({
      sandbox,
      instances,
      runMs: RUN_MS,
      lifetimeSeconds: LIFETIME_S,
      marginSeconds: MARGIN_S,
      // The file as it is, without the store's own file lock: looking must not slow the fleet down.
      leaseOwner: async () => {
        const doc = JSON.parse(await readFile(secretFile, 'utf8')) as { locks?: Record<string, unknown> };
        const lock = doc.locks?.[LOCK];
        return lock ? liveOwner(JSON.stringify(lock)) : undefined;
      },
    });
    expectFleetHeld(out);
  }, 40_000);
});
