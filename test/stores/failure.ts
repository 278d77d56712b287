import { expect } from 'vitest';
import { StoreError } from '../../src/stores/store';

/** What `p` rejected with, which must be a StoreError. */
export async function failure(p: Promise<unknown>): Promise<StoreError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StoreError);
  return err as StoreError;
}
