import middy from '@middy/core';
import * as z from 'zod';
import { getAssignment, recordWaitToken } from '../adapters/referral-store.js';
import { parseTaskInput, referenceInput } from '../adapters/task-input.js';
import { resumeWithAcknowledgement, resumeWithDecline } from '../adapters/task-tokens.js';
import { PermanentFailure } from '../adapters/failures.js';
import { WAITING_IN } from '../domain/acknowledgement-ladder.js';
import { taskDefaults } from '../platform/middleware.js';
import { logger } from '../platform/observability.js';

const waitInput = referenceInput.extend({
  teamId: z.string().min(1).max(64),
  stage: z.enum(['DEADLINE', 'GRACE']),
  taskToken: z.string().min(1).max(2048),
});

/**
 * Keeps the workflow's callback token on the assignment (server-side: never in a link or an email).
 * If the team answered before the token was kept, the workflow is resumed here and then.
 */
const awaitAcknowledgement = async (input: unknown) => {
  const { reference, teamId, stage, taskToken } = parseTaskInput(waitInput, input);
  if (await recordWaitToken(reference, teamId, taskToken, stage, WAITING_IN[stage])) return { waiting: true };

  const assignment = await getAssignment(reference, teamId);
  if (!assignment) throw new PermanentFailure('Assignment not found');
  logger.info('Assignment already answered when the wait began', { reference, teamId, status: assignment.status });
  if (assignment.status === 'DECLINED') await resumeWithDecline(taskToken);
  else await resumeWithAcknowledgement(taskToken, teamId);
  return { waiting: false };
};

export const handler = middy(awaitAcknowledgement).use(taskDefaults());
