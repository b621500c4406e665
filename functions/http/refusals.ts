import { Conflict, InvalidInput, NotAllowed, NotFound, type Refusal } from '../domain/refusals.js';
import { HttpError } from './responses.js';

function statusOf(refusal: Refusal): number {
  if (refusal instanceof NotFound) return 404;
  if (refusal instanceof NotAllowed) return 403;
  if (refusal instanceof Conflict) return 409;
  if (refusal instanceof InvalidInput) return 400;
  throw new Error(`No answer for a ${refusal.name}`);
}

/** The JSON API's answer to a refusal: its status code, with the refusal's field errors as the body. */
export const httpErrorOf = (refusal: Refusal): HttpError => new HttpError(statusOf(refusal), refusal.errors);
