import { describe, expect, it } from 'vitest';
import { lambdaHandler } from '../../src/adapters/lambda';
import { functionUrlEvent, lambdaContext } from '../functions/events';
import { CuttableStore, type Instance } from '../helpers/interleave';
import { expectFamilyAlive, HOUR, interleavingWorld, MIN, type StoreKind, type World } from './interleavings';

/**
 * A crash (or freeze) at every step of a time-based and of a 401-driven refresh, through `serve`
 * instances on one store, against a sandbox with Atlassian's 10-minute leeway and 10-minute
 * linked access-token grace: after the intent (nothing sent), after Atlassian rotated (answer
 * lost), during the write-back. The family must survive with the scheduled run alone (through the
 * Lambda handler, every 5 minutes) and with traffic on another instance too.
 */

export type Step =
  | 'after the intent'
  | 'after Atlassian rotated'
  | 'during the write-back'
  | 'between the REFRESH_TOKEN and ACCESS_TOKEN writes';
export type Trigger = 'time-based' | '401-driven';
const STEPS: Step[] = ['after the intent', 'after Atlassian rotated', 'during the write-back'];
const TRIGGERS: Trigger[] = ['time-based', '401-driven'];

/**
 * Starts a refresh on a victim instance and cuts it at `step`; the victim is left for dead. Its
 * request comes over HTTP (`serve`) or as a Function URL event through the Lambda handler (an
 * environment frozen mid-refresh is, to the others, the same as a dead one).
 */
export async function crashAt(
  w: World,
  step: Step,
  trigger: Trigger,
  via: 'serve' | 'lambda' = 'serve',
): Promise<void> {
  const gate = await w.gate();
  const store = new CuttableStore(w.openStore());
  const victim = await w.instance({ store, authUrl: gate.url });
  expect((await w.get(victim)).status).toBe(200);
  if (step === 'after the intent') gate.mode = 'hold';
  if (step === 'after Atlassian rotated') gate.mode = 'swallow';
  if (step === 'during the write-back') store.cutAtWriteOf = w.names.REFRESH_TOKEN;
  if (step === 'between the REFRESH_TOKEN and ACCESS_TOKEN writes') store.cutAtWriteOf = w.names.ACCESS_TOKEN;
  // Time-based: inside the 5-minute margin. 401-driven: Jira rejects a token with ~an hour left.
  if (trigger === 'time-based') w.clock.advance(HOUR - 4 * MIN);
  else w.sandbox.failNext('api', [{ status: 401 }]);
  // Its caller never hears back.
  if (via === 'serve') void w.get(victim).catch(() => undefined);
  else void lambdaHandler(async () => victim.app)(functionUrlEvent(), lambdaContext()).catch(() => undefined);
  if (store.cutAtWriteOf) await store.cutDone;
  else {
    await gate.settled();
    store.cut();
  }
  const rotated = step !== 'after the intent';
  expect(w.sandbox.stats().refreshes).toBe(rotated ? 1 : 0);
}

export function describeCrashPoints(kind: StoreKind): void {
  describe(`${kind}: a refresh cut at every step`, () => {
    const w = interleavingWorld(kind);

    for (const trigger of TRIGGERS)
      for (const step of STEPS) {
        it(`${trigger}, crash ${step}: the scheduled run alone finishes it inside the leeway`, async () => {
          await crashAt(w, step, trigger);
          const refreshes = w.sandbox.stats().refreshes;
          w.clock.advance(5 * MIN); // the next scheduled run
          const report = await w.scheduledRun();
          expect(report.refreshed).toBe(true);
          expect(w.sandbox.stats().refreshes).toBe(refreshes + 1);
          // Finishing a rotated spend is a reuse inside the leeway; an unspent one is not.
          expect(w.sandbox.stats().reuseWithinLeeway).toBe(step === 'after the intent' ? 0 : 1);
          // Nothing is left to finish: the next scheduled run reads the store and does nothing else.
          w.clock.advance(5 * MIN);
          expect((await w.scheduledRun()).refreshed).toBe(false);
          await expectFamilyAlive(w);
        });

        if (kind === 'file')
          it(`${trigger}, a Lambda frozen ${step}: the scheduled run finishes it`, async () => {
            await crashAt(w, step, trigger, 'lambda');
            w.clock.advance(5 * MIN);
            expect((await w.scheduledRun()).refreshed).toBe(true);
            await expectFamilyAlive(w);
          });

        it(`${trigger}, crash ${step}: traffic on another instance all answered, the family survives`, async () => {
          const other: Instance = await w.instance();
          expect((await w.get(other)).status).toBe(200);
          await crashAt(w, step, trigger);
          const failures: string[] = [];
          for (let minute = 1; minute <= 15; minute++) {
            w.clock.advance(MIN);
            if (minute === 5) await w.scheduledRun();
            const res = await w.get(other);
            if (res.status !== 200) failures.push(`minute ${minute}: ${res.status} ${await res.text()}`);
          }
          expect(failures).toEqual([]);
          await expectFamilyAlive(w);
        });
      }

    // The new refresh token is stored, the old access token still is: nothing to finish (the
    // intent names a version the store no longer holds); the next due or rejected token spends
    // the new, unspent refresh token, and nobody ever re-sends a spent one.
    for (const trigger of TRIGGERS)
      it(`${trigger}, crash between the REFRESH_TOKEN and ACCESS_TOKEN writes: traffic and the schedule carry on, no reuse at all`, async () => {
        const other: Instance = await w.instance();
        expect((await w.get(other)).status).toBe(200);
        await crashAt(w, 'between the REFRESH_TOKEN and ACCESS_TOKEN writes', trigger);
        const failures: string[] = [];
        for (let minute = 1; minute <= 15; minute++) {
          w.clock.advance(MIN);
          if (minute % 5 === 0) await w.scheduledRun();
          const res = await w.get(other);
          if (res.status !== 200) failures.push(`minute ${minute}: ${res.status} ${await res.text()}`);
        }
        expect(failures).toEqual([]);
        // The old access token was refreshed away (when due, or on Jira's 401 after its grace).
        expect(w.sandbox.stats().refreshes).toBe(2);
        expect(w.sandbox.stats().reuseWithinLeeway).toBe(0);
        await expectFamilyAlive(w);
      });
  });
}
