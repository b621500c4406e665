import middy from '@middy/core';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { appendEvent, closeReferralIfFinished, getReferral, listAssignments, moveReferral } from '../adapters/referral-store.js';
import { settledStatus } from '../domain/assignment-progress.js';
import { parseTaskInput, referenceInput } from '../adapters/task-input.js';
import { shouldClose } from '../domain/referral-closure.js';
import { canMoveReferral, type ReferralStatus } from '../domain/referral-record.js';
import { taskDefaults } from '../platform/middleware.js';
import { logger, metrics } from '../platform/observability.js';

const statusInput = referenceInput.extend({
  status: z.enum(['AWAITING_ACK', 'SETTLED', 'FAILED']),
  // Only the error's name is recorded: a cause can quote data.
  error: z.string().max(200).optional(),
});

/**
 * A team's outcome may close the referral while its run is still on the way here (SPEC §2 step 6): a
 * closed referral is where the journey ends, so the run records nothing over it and ends cleanly.
 */
async function isClosed(reference: string): Promise<boolean> {
  return (await getReferral(reference))?.status === 'CLOSED';
}

/** Moves the referral unless a team closes it first, in which case the close stands. */
async function moveUnlessClosed(reference: string, to: ReferralStatus, now: Date): Promise<ReferralStatus> {
  try {
    await moveReferral(reference, to, { now, actor: 'workflow' });
    return to;
  } catch (error) {
    if (await isClosed(reference)) return 'CLOSED';
    throw error;
  }
}

const recordReferralStatus = async (input: unknown) => {
  const { reference, status, error } = parseTaskInput(statusInput, input);
  const now = new Date();
  if (status === 'AWAITING_ACK') {
    if (await isClosed(reference)) return { status: 'CLOSED' };
    return { status: await moveUnlessClosed(reference, status, now) };
  }
  if (status === 'SETTLED') {
    if (await isClosed(reference)) return { status: 'CLOSED' };
    const assignments = await listAssignments(reference);
    // The teams finished before their runs did (the last of them breached or declined after the others'
    // outcomes): the referral closes now.
    if (shouldClose(assignments)) {
      const closed = await closeReferralIfFinished(reference, { now, actor: 'workflow' });
      logger.info('Referral settled', { reference, status: closed });
      return { status: closed };
    }
    // Every assignment has been acknowledged, breached or handed on: the referral says which.
    const outcome = await moveUnlessClosed(reference, settledStatus(assignments), now);
    metrics.addMetric(`Referral${outcome}`, MetricUnit.Count, 1);
    logger.info('Referral settled', { reference, status: outcome });
    return { status: outcome };
  }
  metrics.addMetric('ReferralWorkflowFailed', MetricUnit.Count, 1);
  logger.error('Referral workflow failed', { reference, errorName: error });
  const referral = await getReferral(reference);
  if (!referral) return { status };
  const detail = { error: error ?? 'unknown' };
  if (canMoveReferral(referral.status, 'FAILED')) {
    await moveReferral(reference, 'FAILED', { now, actor: 'workflow', detail });
  } else {
    // Failing after a final status (e.g. telling the coordinator about an out-of-area referral):
    // keep the status, record what went wrong.
    await appendEvent({ reference, at: now.toISOString(), actor: 'workflow', type: 'WORKFLOW_FAILED', detail });
  }
  return { status };
};

export const handler = middy(recordReferralStatus).use(taskDefaults());
