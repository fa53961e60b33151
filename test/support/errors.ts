import { expect } from 'vitest';
import { CfgmigError } from '../../src/errors.js';

/** The CfgmigError a promise rejects with (fails the test if it resolves or throws anything else). */
export async function rejection(p: Promise<unknown>): Promise<CfgmigError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CfgmigError);
  return err as CfgmigError;
}
