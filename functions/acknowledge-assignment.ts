import middy from '@middy/core';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { getAssignment, moveAssignment } from './adapters/referral-store.js';
import { resumeWithAcknowledgement } from './adapters/task-tokens.js';
import { isLate } from './domain/assignment-progress.js';
import { callerFrom, requireTeamMember } from './http/caller.js';
import { httpDefaults } from './http/http-defaults.js';
import { referenceParameter, teamParameter } from './http/path-parameters.js';
import { fieldErrors, json } from './http/responses.js';
import { logger, metrics } from './observability.js';

/**
 * A team takes the referral on. Also after the deadline, even after a breach: a late acknowledgement is
 * recorded and flagged late. A repeat changes nothing and gets the same answer.
 */
const acknowledgeAssignment = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const caller = callerFrom(event);
  const reference = referenceParameter(event);
  const teamId = teamParameter(event);
  requireTeamMember(caller, teamId);
  const now = new Date();
  const current = await getAssignment(reference, teamId);
  if (!current || current.status === 'ASSIGNED') throw fieldErrors(404, [{ path: 'reference', message: 'No such assignment.' }]);

  const late = isLate(current, now);
  const before = await moveAssignment(reference, teamId, {
    from: ['NOTIFIED', 'REMINDED', 'ESCALATED', 'BREACHED'], to: 'ACKNOWLEDGED', now, actor: `user:${caller.userId}`,
    set: { acknowledgedAt: now.toISOString(), acknowledgedBy: caller.userId, late },
    remove: ['waitToken', 'waitStage'],
    detail: { late },
  });
  if (before?.waitToken) await resumeWithAcknowledgement(before.waitToken, teamId);
  const after = await getAssignment(reference, teamId);
  if (after?.status === 'DECLINED') {
    throw fieldErrors(409, [{ path: 'status', message: 'This assignment was declined, so it cannot be acknowledged.' }]);
  }
  if (before) {
    metrics.addMetric(late ? 'AssignmentAcknowledgedLate' : 'AssignmentAcknowledged', MetricUnit.Count, 1);
    logger.info('Assignment acknowledged', { reference, teamId, late });
  }
  return json(200, { reference, teamId, status: after?.status, acknowledgedAt: after?.acknowledgedAt, late: after?.late ?? false });
};

export const handler = middy(acknowledgeAssignment).use(httpDefaults());
