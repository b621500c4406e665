import middy from '@middy/core';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { z } from 'zod';
import { getAssignment, moveAssignment } from './adapters/referral-store.js';
import { resumeWithDecline } from './adapters/task-tokens.js';
import { callerFrom, requireTeamMember } from './http/caller.js';
import { httpDefaults } from './http/http-defaults.js';
import { referenceParameter, teamParameter } from './http/path-parameters.js';
import { fieldErrors, json } from './http/responses.js';
import { logger, metrics } from './observability.js';

const declineBody = z.object({
  reason: z.string().trim()
    .min(3, 'Say why your team cannot take this referral.')
    .max(1000, 'Keep the reason under 1,000 characters.')
    .refine((s) => !/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/.test(s), 'The reason contains characters we cannot store.'),
}).strict();

function parseBody(event: APIGatewayProxyEventV2): { reason: string } {
  if (!/^application\/json\s*(;|$)/i.test(event.headers?.['content-type'] ?? '')) {
    throw fieldErrors(415, [{ path: '', message: 'Send the decline as JSON (Content-Type: application/json).' }]);
  }
  let body: unknown;
  try {
    body = JSON.parse(event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : event.body ?? '');
  } catch {
    throw fieldErrors(400, [{ path: '', message: 'The body is not valid JSON.' }]);
  }
  const result = declineBody.safeParse(body);
  if (!result.success) {
    throw fieldErrors(400, result.error.issues.map((issue) => ({ path: issue.path.join('.') || 'reason', message: issue.message })));
  }
  return result.data;
}

/** A team cannot take the referral: the reason is kept and the workflow hands it to the fallback team. */
const declineAssignment = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const caller = callerFrom(event);
  const reference = referenceParameter(event);
  const teamId = teamParameter(event);
  requireTeamMember(caller, teamId);
  const { reason } = parseBody(event);
  const current = await getAssignment(reference, teamId);
  if (!current || current.status === 'ASSIGNED') throw fieldErrors(404, [{ path: 'reference', message: 'No such assignment.' }]);

  const now = new Date();
  const before = await moveAssignment(reference, teamId, {
    from: ['NOTIFIED', 'REMINDED'], to: 'DECLINED', now, actor: `user:${caller.userId}`,
    set: { declinedAt: now.toISOString(), declinedBy: caller.userId, declineReason: reason },
    remove: ['waitToken', 'waitStage'],
  });
  if (before?.waitToken) await resumeWithDecline(before.waitToken);
  const after = await getAssignment(reference, teamId);
  if (after?.status !== 'DECLINED') {
    throw fieldErrors(409, [{ path: 'status', message: `This assignment is ${after?.status?.toLowerCase() ?? 'closed'} and can no longer be declined.` }]);
  }
  if (before) {
    metrics.addMetric('AssignmentDeclined', MetricUnit.Count, 1);
    logger.info('Assignment declined', { reference, teamId });
  }
  return json(200, { reference, teamId, status: after.status, declinedAt: after.declinedAt });
};

export const handler = middy(declineAssignment).use(httpDefaults());
