import middy from '@middy/core';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { loadAssignment } from '../adapters/assignment-context.js';
import { requiredEnv } from '../adapters/environment.js';
import { sendEmail } from '../adapters/mailer.js';
import { moveAssignment, noticeAlreadySent, recordNoticeSent } from '../adapters/referral-store.js';
import { countForTeam } from '../adapters/report-facts.js';
import { parseTaskInput, referenceInput } from '../adapters/task-input.js';
import { coordinatorEmail, deadlineMissedEmails, type AgencyEmail } from '../domain/agency-email.js';
import { breachAt, ladderFor, reminderAt } from '../domain/acknowledgement-ladder.js';
import { stageOf } from '../domain/assignment-progress.js';
import { taskDefaults } from '../platform/middleware.js';
import { logger, metrics } from '../platform/observability.js';

const portalUrl = requiredEnv('PORTAL_URL');
const escalateInput = referenceInput.extend({ teamId: z.string().min(1).max(64), action: z.enum(['REMIND', 'BREACH']) });

/** Each notice is sent at most once per referral, team and kind, even when the step is retried. */
async function sendOnce(reference: string, notice: string, email: AgencyEmail): Promise<void> {
  if (await noticeAlreadySent(reference, notice)) return;
  const messageId = await sendEmail(email, { reference });
  await recordNoticeSent(reference, notice, messageId, new Date());
}

/**
 * The ladder of SPEC §5. REMIND: the deadline passed, so the team is reminded and its duty manager told,
 * and a grace period starts. BREACH: the grace period passed too, so the assignment is breached and
 * the coordinator told. An acknowledgement that lands first wins: the move is conditional.
 */
const escalateAssignment = async (input: unknown) => {
  const { reference, teamId, action } = parseTaskInput(escalateInput, input);
  const { assignment, area, team } = await loadAssignment(reference, teamId);
  const now = new Date();

  if (action === 'REMIND') {
    if (assignment.status === 'NOTIFIED') {
      const deadlineAt = assignment.deadlineAt ?? now.toISOString();
      const { graceEndsAt } = ladderFor(new Date(assignment.assignedAt), new Date(deadlineAt), area.escalation);
      await moveAssignment(reference, teamId, { ...reminderAt(now, graceEndsAt), now, actor: 'workflow' });
    }
    const current = (await loadAssignment(reference, teamId)).assignment;
    if (current.status === 'REMINDED' && current.graceEndsAt) {
      const emails = deadlineMissedEmails({
        teamEmail: team.email, dutyManagerEmail: team.dutyManagerEmail, reference, band: current.band, teamName: team.name,
        deadlineAt: current.deadlineAt ?? current.assignedAt, graceEndsAt: current.graceEndsAt, portalUrl,
      });
      await sendOnce(reference, `reminder:${teamId}`, emails.reminder);
      await sendOnce(reference, `duty-manager:${teamId}`, emails.dutyManager);
      metrics.addMetric('AssignmentReminded', MetricUnit.Count, 1);
      logger.info('Deadline missed: team reminded, duty manager told', { reference, teamId });
    }
    return { reference, teamId, ...stageOf(current, new Date()) };
  }

  if (assignment.status === 'REMINDED') {
    await moveAssignment(reference, teamId, { ...breachAt(now), now, actor: 'workflow' });
  }
  const current = (await loadAssignment(reference, teamId)).assignment;
  if (current.status === 'BREACHED') {
    await countForTeam('BREACHED', current, new Date(current.breachedAt ?? now.toISOString()));
    await sendOnce(reference, `breach:${teamId}`, coordinatorEmail({
      to: area.coordinatorEmail, reference, reason: 'DEADLINE_BREACHED', band: current.band, teamName: team.name, portalUrl,
    }));
    metrics.addMetric('AssignmentBreached', MetricUnit.Count, 1);
    logger.info('Assignment breached: coordinator told', { reference, teamId });
  }
  return { reference, teamId, ...stageOf(current, new Date()) };
};

export const handler = middy(escalateAssignment).use(taskDefaults());
