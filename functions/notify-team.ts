import middy from '@middy/core';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import { requiredEnv } from './adapters/aws-clients.js';
import { PermanentFailure } from './adapters/failures.js';
import { sendEmail } from './adapters/mailer.js';
import { getAssignment, markAssignmentNotified } from './adapters/referral-store.js';
import { serviceConfig } from './adapters/service-config.js';
import { parseTaskInput, referenceInput } from './adapters/task-input.js';
import { teamAssignmentEmail } from './domain/agency-email.js';
import { areaById, teamById } from './domain/config.js';
import { taskDefaults } from './http/http-defaults.js';
import { logger, metrics } from './observability.js';

const portalUrl = requiredEnv('PORTAL_URL');
const notifyInput = referenceInput.extend({ teamId: z.string().min(1).max(64) });

const notifyTeam = async (input: unknown) => {
  const { reference, teamId } = parseTaskInput(notifyInput, input);
  const assignment = await getAssignment(reference, teamId);
  if (!assignment) throw new PermanentFailure('Assignment not found');
  // Only an assignment whose email has not gone yet is emailed: a retried step sends nothing twice.
  if (assignment.status !== 'ASSIGNED') return { teamId, status: assignment.status };

  const area = areaById(serviceConfig, assignment.areaId);
  const team = area && teamById(area, teamId);
  if (!team) throw new PermanentFailure('Team not in config');
  const email = teamAssignmentEmail({
    to: team.email, reference, band: assignment.band, teamName: team.name,
    deadline: team.deadlines[assignment.band], portalUrl,
  });
  const messageId = await sendEmail(email, { reference, team: teamId });
  await markAssignmentNotified(reference, teamId, messageId, new Date());
  metrics.addMetric('TeamNotified', MetricUnit.Count, 1);
  logger.info('Team notified', { reference, teamId });
  return { teamId, status: 'NOTIFIED' };
};

export const handler = middy(notifyTeam).use(taskDefaults());
