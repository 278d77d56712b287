import { createRuntime } from '../runtime';
import { ALL_STORES } from '../stores';
import { printJson } from './output';

/** `refresh`: refresh the token family if due; exit 1 when it cannot. */
export async function refresh(o: { json?: boolean }): Promise<void> {
  const { app } = await createRuntime(ALL_STORES);
  try {
    const report = await app.refresh();
    if (o.json) printJson(report);
    else {
      console.log(
        `${report.refreshed ? 'refreshed' : 'not due'}: access token valid until ${new Date(report.accessTokenExpiresAt).toISOString()}` +
          (report.familyDaysLeft === undefined ? '' : `; token family: ${report.familyDaysLeft} days left`),
      );
    }
  } finally {
    await app.close();
  }
}
