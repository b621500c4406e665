import middy from '@middy/core';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import { appendEvent, getReferral, listAssignments, moveReferral } from '../adapters/referral-store.js';
import { settledStatus } from '../domain/assignment-progress.js';
import { parseTaskInput, referenceInput } from '../adapters/task-input.js';
import { canMoveReferral } from '../domain/referral-record.js';
import { taskDefaults } from '../platform/middleware.js';
import { logger, metrics } from '../platform/observability.js';

const statusInput = referenceInput.extend({
  status: z.enum(['AWAITING_ACK', 'SETTLED', 'FAILED']),
  // Only the error's name is recorded: a cause can quote data.
  error: z.string().max(200).optional(),
});

const recordReferralStatus = async (input: unknown) => {
  const { reference, status, error } = parseTaskInput(statusInput, input);
  const now = new Date();
  if (status === 'AWAITING_ACK') {
    await moveReferral(reference, status, { now, actor: 'workflow' });
    return { status };
  }
  if (status === 'SETTLED') {
    // Every assignment has been acknowledged, breached or handed on: the referral says which.
    const outcome = settledStatus(await listAssignments(reference));
    await moveReferral(reference, outcome, { now, actor: 'workflow' });
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
