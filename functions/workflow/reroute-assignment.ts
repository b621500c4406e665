import middy from '@middy/core';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { loadAssignment } from '../adapters/assignment-context.js';
import { requiredEnv } from '../adapters/environment.js';
import { sendEmail } from '../adapters/mailer.js';
import { addAssignment, listAssignments, noticeAlreadySent, recordNoticeSent, requireReferral } from '../adapters/referral-store.js';
import { countForTeam } from '../adapters/report-facts.js';
import { parseTaskInput, referenceInput } from '../adapters/task-input.js';
import { coordinatorEmail } from '../domain/agency-email.js';
import { fallbackTeam } from '../domain/routing.js';
import { movedDeadline } from '../domain/urgency.js';
import { taskDefaults } from '../platform/middleware.js';
import { logger, metrics } from '../platform/observability.js';

const portalUrl = requiredEnv('PORTAL_URL');
const rerouteInput = referenceInput.extend({ teamId: z.string().min(1).max(64) });

/**
 * A team declined (SPEC §4): the referral goes to the next team along its fallback chain that has not
 * had it yet, with a deadline of its own that is never later than the declining team's for the band
 * (urgency travels); with nobody left, the coordinator is told.
 */
const rerouteAssignment = async (input: unknown) => {
  const { reference, teamId } = parseTaskInput(rerouteInput, input);
  const { assignment, area, team } = await loadAssignment(reference, teamId);
  const referral = await requireReferral(reference);
  const existing = await listAssignments(reference);
  // A retried step finds the team it already chose.
  const chosen = existing.find((a) => a.reroutedFrom === teamId);
  if (chosen) {
    await countForTeam('REROUTED', assignment, new Date(chosen.assignedAt));
    return { reference, teamId: chosen.teamId };
  }

  const next = fallbackTeam(area, teamId, existing.map((a) => a.teamId), referral.submission.victim.postcode);
  const now = new Date();
  if (next) {
    // The referral left the declining team when it declined, so that team's clock runs from then.
    const deadline = movedDeadline({
      at: now, band: assignment.band, to: next, from: team, leftAt: assignment.declinedAt ? new Date(assignment.declinedAt) : now,
    });
    await addAssignment({
      reference, teamId: next.id, areaId: area.id, band: assignment.band, reason: `fallback-for:${teamId}`, source: referral.submission.source,
      immediateDanger: referral.submission.immediateDanger,
      status: 'ASSIGNED', assignedAt: now.toISOString(), reroutedFrom: teamId, deadlineAt: deadline.deadlineAt.toISOString(),
    }, {
      reference, at: now.toISOString(), actor: 'workflow', type: 'ASSIGNMENT_REROUTED', teamId: next.id,
      detail: { from: teamId, ...(deadline.carriedFrom ? { deadlineCarriedFrom: deadline.carriedFrom } : {}) },
    });
    await countForTeam('REROUTED', assignment, now);
    metrics.addMetric('AssignmentRerouted', MetricUnit.Count, 1);
    logger.info('Declined assignment re-routed', { reference, from: teamId, to: next.id });
    return { reference, teamId: next.id };
  }

  const notice = `no-team-left:${teamId}`;
  if (!(await noticeAlreadySent(reference, notice))) {
    const messageId = await sendEmail(coordinatorEmail({
      to: area.coordinatorEmail, reference, reason: 'NO_TEAM_LEFT', band: assignment.band, teamName: team.name, portalUrl,
    }), { reference });
    await recordNoticeSent(reference, notice, messageId, now);
  }
  logger.info('Declined with no team left: coordinator told', { reference, teamId });
  return { reference, stage: 'NO_TEAM_LEFT' };
};

export const handler = middy(rerouteAssignment).use(taskDefaults());
