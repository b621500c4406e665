import middy from '@middy/core';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { loadAssignment } from '../adapters/assignment-context.js';
import { requiredEnv } from '../adapters/environment.js';
import { getReferral, moveAssignment, moveReferral } from '../adapters/referral-store.js';
import { countForTeam } from '../adapters/report-facts.js';
import { parseTaskInput, referenceInput } from '../adapters/task-input.js';
import { emailTeamOnce } from '../adapters/team-email.js';
import { teamAssignmentEmail } from '../domain/agency-email.js';
import { stageOf } from '../domain/assignment-progress.js';
import { taskDefaults } from '../platform/middleware.js';
import { logger, metrics } from '../platform/observability.js';

const portalUrl = requiredEnv('PORTAL_URL');
const notifyInput = referenceInput.extend({ teamId: z.string().min(1).max(64) });

/** The referral waits on its teams once the first of them has been told. */
async function awaitingAcknowledgement(reference: string, now: Date): Promise<void> {
  const referral = await getReferral(reference);
  if (referral?.status === 'ROUTED') await moveReferral(reference, 'AWAITING_ACK', { now, actor: 'workflow' }, referral);
}

/**
 * Emails the team once (see emailTeamOnce), then tells the workflow where the assignment stands,
 * computed from what is stored: after a restart, the ladder resumes at the original deadline.
 */
const notifyTeam = async (input: unknown, context: Context) => {
  const { reference, teamId } = parseTaskInput(notifyInput, input);
  const loaded = await loadAssignment(reference, teamId);
  const { team } = loaded;
  let { assignment } = loaded;
  const now = new Date();
  if (assignment.status === 'ASSIGNED') {
    const email = teamAssignmentEmail({
      to: team.email, reference, band: assignment.band, teamName: team.name,
      deadline: team.deadlines[assignment.band], portalUrl,
      ...(assignment.deadlineAt ? { deadlineAt: assignment.deadlineAt } : {}),
    });
    const deadline = new Date(Date.now() + context.getRemainingTimeInMillis());
    // The claim touched neither the status nor the callback token, which the move's condition is on.
    const notified = (messageId: string) => moveAssignment(reference, teamId, {
      from: ['ASSIGNED'], to: 'NOTIFIED', now, actor: 'workflow', set: { notifiedAt: now.toISOString(), messageId }, remove: ['emailClaimedUntil'],
    }, assignment);
    let sentNow = false;
    // The move records the message id: one write where the record and the move were two (issue 17).
    const messageId = await emailTeamOnce({
      reference, teamId, email, deadline,
      recordSent: async (id) => {
        sentNow = true;
        return (await notified(id)) !== undefined;
      },
    });
    if (messageId !== undefined) {
      // An earlier attempt's id, recorded alone: the move is still to make (a move tried with this send
      // found the assignment moved on). A retried step that finds the assignment already NOTIFIED changes nothing.
      if (!sentNow) await notified(messageId);
      await awaitingAcknowledgement(reference, now);
      await countForTeam('ASSIGNED', assignment, new Date(assignment.assignedAt));
      metrics.addMetric('TeamNotified', MetricUnit.Count, 1);
      logger.info('Team notified', { reference, teamId });
      return { reference, teamId, ...stageOf({ ...assignment, status: 'NOTIFIED' }, now) };
    }
    // The team acted (from the portal) before its email left: nothing to send, the rest as for a retry.
    assignment = (await loadAssignment(reference, teamId)).assignment;
  }
  // A retry, or a restart: what followed the email may not have been done before the interruption.
  if (assignment.status === 'NOTIFIED') await awaitingAcknowledgement(reference, now);
  await countForTeam('ASSIGNED', assignment, new Date(assignment.assignedAt));
  return { reference, teamId, ...stageOf(assignment, now) };
};

export const handler = middy(notifyTeam).use(taskDefaults());
