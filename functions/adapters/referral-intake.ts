import { randomInt } from 'node:crypto';
import type { ReferralSubmission } from '../domain/referral.js';
import { newReference } from '../domain/reference.js';
import { createReferral, type CreateOutcome } from './referral-store.js';
import { logger } from '../platform/observability.js';
import { startReferralWorkflow } from './workflow-starter.js';

export type IntakeOutcome = Exclude<CreateOutcome, { kind: 'reference-taken' }>;

/**
 * Stores a validated referral under a fresh reference and starts its workflow: the one way in, for the
 * JSON API and the online form alike. A repeat of the same request (same Idempotency-Key and body) is
 * answered with the first referral. A key reused for another body is returned unstarted.
 *
 * Once the referral is stored it is accepted, whatever happens next: the table's stream (the outbox,
 * functions/events/start-referral-workflows.ts) starts every stored referral's workflow. Starting it here as
 * well only saves the stream's second or so; when that start fails, the stream still does it.
 */
export async function acceptReferral(input: {
  submission: ReferralSubmission;
  now: Date;
  idempotency?: { key: string; requestDigest: string; expiresAt: number };
  /** The partner system whose machine credentials sent it (its app client id and organisation; no secret). */
  submittedBy?: { clientId: string; organisation: string };
}): Promise<IntakeOutcome> {
  // A fresh reference collides about once in a trillion draws; a few tries settle it.
  for (let attempt = 0; attempt < 5; attempt++) {
    const outcome = await createReferral({ reference: newReference(randomInt), ...input });
    if (outcome.kind === 'reference-taken') continue;
    if (outcome.kind === 'idempotent-repeat' && !outcome.sameRequest) return outcome;
    try {
      await startReferralWorkflow(outcome.reference);
    } catch (error) {
      logger.warn('Workflow not started with the request; the table stream will start it', { reference: outcome.reference, errorName: (error as Error).name });
    }
    return outcome;
  }
  throw new Error('Could not allocate a unique reference');
}
