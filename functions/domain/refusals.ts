import type { FieldError } from './referral.js';

/**
 * Why an action on a referral was refused, in the service's terms rather than HTTP's: the JSON API and
 * the portal's pages each turn a refusal into their own kind of answer.
 */
export abstract class Refusal extends Error {
  readonly errors: FieldError[];

  constructor(...errors: FieldError[]) {
    super(errors.map((e) => e.message).join('; '));
    this.errors = errors;
  }
}

/** Nothing there, or nothing the caller may know is there: the two are answered alike. */
export class NotFound extends Refusal {
  override readonly name = 'NotFound';
}

/** The caller may know it exists, and is told plainly they have no right to it. */
export class NotAllowed extends Refusal {
  override readonly name = 'NotAllowed';
}

/** The referral or assignment has moved on: its status no longer allows this. */
export class Conflict extends Refusal {
  override readonly name = 'Conflict';
}

/** The request names something that is not a valid choice. */
export class InvalidInput extends Refusal {
  override readonly name = 'InvalidInput';
}

export const noSuchReferral = () => new NotFound({ path: 'reference', message: 'No such referral.' });
export const noSuchAssignment = () => new NotFound({ path: 'reference', message: 'No such assignment.' });
export const noSuchTeam = () => new NotFound({ path: 'teamId', message: 'No such team.' });
