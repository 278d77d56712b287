import { afterEach, describe, expect, it } from 'vitest';
import { dropMetadataLookupWarnings } from '../../src/cli/quiet-warnings';

/**
 * google-auth-library's MetadataLookupWarning (its GCE probe failing on an operator's machine)
 * never reaches the terminal; every other warning still does. In-process: the probe's failure
 * modes depend on the network, the warning's shape does not.
 */

const original = process.emitWarning;
afterEach(() => {
  process.emitWarning = original;
});

/** The warnings `emit` raises; Node emits them on a later tick. */
async function warningsDuring(emit: () => void): Promise<string[]> {
  const seen: string[] = [];
  const listener = (w: Error) => seen.push(`${w.name}: ${w.message}`);
  process.on('warning', listener);
  try {
    emit();
    await new Promise((r) => setImmediate(r));
  } finally {
    process.off('warning', listener);
  }
  return seen;
}

describe('dropMetadataLookupWarnings', () => {
  it('drops the metadata lookup warning in each form Node accepts, and nothing else', async () => {
    dropMetadataLookupWarnings();
    const seen = await warningsDuring(() => {
      process.emitWarning(
        'received unexpected error = All promises were rejected code = UNKNOWN',
        'MetadataLookupWarning',
      );
      process.emitWarning('probe failed', { type: 'MetadataLookupWarning' });
      process.emitWarning(Object.assign(new Error('probe failed'), { name: 'MetadataLookupWarning' }));
      process.emitWarning('something else', 'OtherWarning');
    });
    expect(seen).toEqual(['OtherWarning: something else']);
  });
});
