import { randomInt } from 'node:crypto';
import type { ReferralSubmission } from '../domain/referral.js';
import { newReference } from '../domain/reference.js';
import { createReferral, type CreateOutcome } from './referral-store.js';
import { startReferralWorkflow } from './workflow-starter.js';

export type IntakeOutcome = Exclude<CreateOutcome, { kind: 'reference-taken' }>;

/**
 * Stores a validated referral under a fresh reference and starts its workflow: the one way in, for the
 * JSON API and the online form alike. A repeat of the same request (same Idempotency-Key and body) is
 * answered with the first referral, and its workflow is started again in case the first attempt could
 * not: starting twice under one name is harmless. A key reused for another body is returned unstarted.
 */
export async function acceptReferral(input: {
  submission: ReferralSubmission;
  now: Date;
  idempotency?: { key: string; requestDigest: string; expiresAt: number };
}): Promise<IntakeOutcome> {
  // A fresh reference collides about once in a trillion draws; a few tries settle it.
  for (let attempt = 0; attempt < 5; attempt++) {
    const outcome = await createReferral({ reference: newReference(randomInt), ...input });
    if (outcome.kind === 'reference-taken') continue;
    if (outcome.kind === 'idempotent-repeat' && !outcome.sameRequest) return outcome;
    await startReferralWorkflow(outcome.reference);
    return outcome;
  }
  throw new Error('Could not allocate a unique reference');
}
