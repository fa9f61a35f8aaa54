import { CairnError } from '../errors/cairnError.js';

/** The `code` of the CairnError `fn` throws (or rejects with); undefined when it succeeds. */
export async function errorCodeOf(fn: () => unknown): Promise<string | undefined> {
  try {
    await fn();
  } catch (error) {
    return error instanceof CairnError ? error.code : `not a CairnError: ${String(error)}`;
  }
  return undefined;
}
