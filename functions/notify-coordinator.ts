import middy from '@middy/core';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import { requiredEnv } from './adapters/environment.js';
import { sendEmail } from './adapters/mailer.js';
import { getReferral, noticeAlreadySent, recordNoticeSent } from './adapters/referral-store.js';
import { serviceConfig } from './adapters/service-config.js';
import { parseTaskInput, referenceInput } from './adapters/task-input.js';
import { coordinatorEmail } from './domain/agency-email.js';
import { areaById, teamById } from './domain/config.js';
import { taskDefaults } from './http/http-defaults.js';
import { logger, metrics } from './observability.js';

const portalUrl = requiredEnv('PORTAL_URL');
const coordinatorInput = referenceInput.extend({
  reason: z.enum(['OUT_OF_AREA', 'WORKFLOW_FAILED', 'ASSIGNMENT_FAILED']),
  teamId: z.string().min(1).max(64).optional(),
});

const notifyCoordinator = async (input: unknown) => {
  const { reference, reason, teamId } = parseTaskInput(coordinatorInput, input);
  const notice = teamId ? `coordinator:${reason}:${teamId}` : `coordinator:${reason}`;
  if (await noticeAlreadySent(reference, notice)) return { sent: false };

  const referral = await getReferral(reference);
  // The referral's own area when it has one; otherwise the default area's coordinator answers.
  const area = (referral?.areaId && areaById(serviceConfig, referral.areaId)) || areaById(serviceConfig, serviceConfig.defaultAreaId);
  if (!area) throw new Error('Default area missing from config');
  const team = teamId ? teamById(area, teamId) : undefined;
  const email = coordinatorEmail({
    to: area.coordinatorEmail, reference, reason, portalUrl,
    ...(team ? { teamName: team.name } : {}),
    ...(referral?.screening ? { band: referral.screening.band } : {}),
  });
  const messageId = await sendEmail(email, { reference, notice: reason });
  await recordNoticeSent(reference, notice, messageId, new Date());
  metrics.addMetric('CoordinatorNotified', MetricUnit.Count, 1);
  logger.info('Coordinator notified', { reference, reason });
  return { sent: true };
};

export const handler = middy(notifyCoordinator).use(taskDefaults());
