import { HttpError } from '../../functions/http/responses.js';

/** The HttpError a call throws; anything else (or nothing) fails the test. */
export function thrown(fn: () => unknown): HttpError {
  try {
    fn();
  } catch (error) {
    if (error instanceof HttpError) return error;
    throw error;
  }
  throw new Error('expected an HttpError');
}
