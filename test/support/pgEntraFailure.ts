// The PgEntraError a promise rejects with — for tests that assert a failure's code, message and hint.
import { isPgEntraError, type PgEntraError } from '../../shared/errors.js';

export async function pgEntraFailure(p: Promise<unknown>): Promise<PgEntraError> {
  const e = await p.then(
    () => {
      throw new Error('expected a failure, but it succeeded');
    },
    (x: unknown) => x,
  );
  if (!isPgEntraError(e)) throw e instanceof Error ? e : new Error(`expected a PgEntraError, got ${String(e)}`);
  return e;
}
