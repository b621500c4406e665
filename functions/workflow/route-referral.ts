import middy from '@middy/core';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { countReceived } from '../adapters/report-facts.js';
import {
  assignmentItem, listAssignments, moveReferral, outOfAreaQueueEntry, requireReferral, type StoredReferral,
} from '../adapters/referral-store.js';
import { serviceConfig } from '../adapters/service-config.js';
import { parseTaskInput, referenceInput } from '../adapters/task-input.js';
import { PermanentFailure } from '../adapters/failures.js';
import type { AssignmentRecord } from '../domain/referral-record.js';
import { route } from '../domain/routing.js';
import { areaById, teamById } from '../domain/config.js';
import { deadlineFor } from '../domain/deadlines.js';
import { taskDefaults } from '../platform/middleware.js';
import { logger, metrics } from '../platform/observability.js';

type RoutingOutput = { outcome: 'ROUTED' | 'OUT_OF_AREA'; assignments: { teamId: string }[] };

/** Counted on every attempt, retries included: the count is kept once, and a crash before it is made up for. */
function counted(referral: StoredReferral, areaId: string | undefined): Promise<void> {
  if (!referral.screening) throw new PermanentFailure('Referral has not been screened');
  return countReceived({ reference: referral.reference, createdAt: referral.createdAt, source: referral.submission.source, band: referral.screening.band, areaId });
}

const routeReferral = async (input: unknown): Promise<RoutingOutput> => {
  const { reference } = parseTaskInput(referenceInput, input);
  const referral = await requireReferral(reference);
  // A retried step answers with what the first attempt decided.
  if (referral.status === 'OUT_OF_AREA') {
    await counted(referral, undefined);
    return { outcome: 'OUT_OF_AREA', assignments: [] };
  }
  if (referral.status !== 'SCREENED') {
    const existing = await listAssignments(reference);
    await counted(referral, referral.areaId);
    return { outcome: 'ROUTED', assignments: existing.map((a) => ({ teamId: a.teamId })) };
  }
  if (!referral.screening) throw new PermanentFailure('Referral has not been screened');

  const { submission } = referral;
  const decision = route({
    postcode: submission.victim.postcode,
    band: referral.screening.band,
    relationship: submission.incident.relationship,
    housing: submission.housing,
    riskAnswers: submission.riskAnswers,
  }, serviceConfig);
  const now = new Date();

  if (decision.outcome === 'OUT_OF_AREA') {
    // Kept under the default area, in its coordinator's queue (SPEC §4); its figures stay apart from the
    // area's own, counted under OUT_OF_AREA.
    await moveReferral(reference, 'OUT_OF_AREA', {
      now, actor: 'workflow', set: { areaId: decision.areaId, ...outOfAreaQueueEntry(decision.areaId, referral) },
      detail: { keptUnder: decision.areaId },
    }, referral);
    await counted(referral, undefined);
    metrics.addMetric('ReferralOutOfArea', MetricUnit.Count, 1);
    logger.info('Referral out of area', { reference });
    return { outcome: 'OUT_OF_AREA', assignments: [] };
  }

  const area = areaById(serviceConfig, decision.areaId);
  const band = referral.screening.band;
  // The deadline starts when the team is assigned, and is stored as an absolute time (SPEC §5).
  const assignments: AssignmentRecord[] = decision.teams.map((routed) => {
    const team = area && teamById(area, routed.teamId);
    if (!team) throw new PermanentFailure('Routed to a team that is not in config');
    return {
      reference, teamId: routed.teamId, areaId: decision.areaId, band, reason: routed.reason, source: submission.source,
      immediateDanger: submission.immediateDanger,
      status: 'ASSIGNED', assignedAt: now.toISOString(), deadlineAt: deadlineFor(now, team.deadlines[band]).toISOString(),
    };
  });
  // The fact needs nothing from the move (the decision is the same on any attempt), so the teams' emails
  // wait on one round trip, not two; a retry after either failed makes both again, each at most once.
  await Promise.all([
    moveReferral(reference, 'ROUTED', {
      now, actor: 'workflow', set: { areaId: decision.areaId },
      detail: { areaId: decision.areaId, teams: assignments.map((a) => a.teamId) },
      extraItems: assignments.map(assignmentItem),
    }, referral),
    counted(referral, decision.areaId),
  ]);
  metrics.addMetric('AssignmentsCreated', MetricUnit.Count, assignments.length);
  logger.info('Referral routed', { reference, areaId: decision.areaId, teams: assignments.map((a) => a.teamId) });
  return { outcome: 'ROUTED', assignments: assignments.map((a) => ({ teamId: a.teamId })) };
};

export const handler = middy(routeReferral).use(taskDefaults());
