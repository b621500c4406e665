import middy from '@middy/core';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { tellCoordinator } from '../adapters/coordinator-notices.js';
import { parseTaskInput, referenceInput } from '../adapters/task-input.js';
import { taskDefaults } from '../platform/middleware.js';
import { logger, metrics } from '../platform/observability.js';

const coordinatorInput = referenceInput.extend({
  reason: z.enum(['OUT_OF_AREA', 'WORKFLOW_FAILED', 'ASSIGNMENT_FAILED', 'EMAIL_UNDELIVERABLE']),
  teamId: z.string().min(1).max(64).optional(),
  // The failing error's name only (its cause can quote data).
  error: z.string().max(200).optional(),
});

const notifyCoordinator = async (input: unknown) => {
  const { reference, reason, teamId, error } = parseTaskInput(coordinatorInput, input);
  const result = await tellCoordinator({
    reference, reason, actor: 'workflow', now: new Date(), ...(teamId ? { teamId } : {}), ...(error ? { error } : {}),
  });
  if (result.sent) {
    metrics.addMetric('CoordinatorNotified', MetricUnit.Count, 1);
    logger.info('Coordinator notified', { reference, reason });
  }
  return result;
};

export const handler = middy(notifyCoordinator).use(taskDefaults());
