import type { Band } from '../domain/config.js';
import type { ReferralSource } from '../domain/referral.js';
import type { AssignmentRecord, Outcome } from '../domain/referral-record.js';
import { factIdFor, type FactKind } from '../domain/throughput.js';
import { getReferral } from './referral-store.js';
import { storeFact } from './throughput-store.js';

/**
 * Records what happened for the commissioners' aggregates (SPEC §7): each step stores the fact its
 * change implies after the change is stored, and again when it is retried or repeated, so a crash
 * between the two is made up and the fact is never lost. The fact is one small item; the table's stream
 * folds it into the totals off the request path (functions/events/fold-report-facts.ts), each fact id
 * once, within seconds.
 */

async function sourceOf(assignment: AssignmentRecord): Promise<ReferralSource> {
  if (assignment.source) return assignment.source;
  const referral = await getReferral(assignment.reference);
  return referral?.submission.source ?? 'self';
}

/** A referral arrived: counted once screened and routed (band and area known), dated when it arrived. */
export async function countReceived(referral: { reference: string; createdAt: string; source: ReferralSource; band: Band; areaId?: string }): Promise<void> {
  await storeFact({
    kind: 'RECEIVED', factId: factIdFor('RECEIVED', referral.reference), at: new Date(referral.createdAt),
    band: referral.band, source: referral.source, areaId: referral.areaId,
  }, referral.reference);
}

type TeamKind = Exclude<FactKind, 'RECEIVED' | 'ACKNOWLEDGED' | 'CONTACTED' | 'OUTCOME'>;

export async function countForTeam(kind: TeamKind, assignment: AssignmentRecord, at: Date): Promise<void> {
  await storeFact({
    kind, factId: factIdFor(kind, assignment.reference, assignment.teamId), at, band: assignment.band,
    source: await sourceOf(assignment), areaId: assignment.areaId, teamId: assignment.teamId,
  }, assignment.reference);
}

/** Time to acknowledge runs from the assignment, so a slow email does not look like a slow team. */
export async function countAcknowledged(assignment: AssignmentRecord): Promise<void> {
  if (!assignment.acknowledgedAt) return;
  const at = new Date(assignment.acknowledgedAt);
  await storeFact({
    kind: 'ACKNOWLEDGED', factId: factIdFor('ACKNOWLEDGED', assignment.reference, assignment.teamId), at,
    band: assignment.band, source: await sourceOf(assignment), areaId: assignment.areaId, teamId: assignment.teamId,
    withinDeadline: assignment.late !== true,
    secondsToAcknowledge: Math.max(0, Math.round((at.getTime() - Date.parse(assignment.assignedAt)) / 1000)),
  }, assignment.reference);
}

/**
 * The team reached the person. Call it on every successful contact: the fact id is one per referral and
 * team, so only the first is counted, and a retry never doubles it. Time runs from the referral's
 * submission (`createdAt`): how long the victim waited for someone to speak to them.
 */
export async function countFirstContact(assignment: AssignmentRecord, reachedAt: Date, submittedAt: string): Promise<void> {
  const submitted = Date.parse(submittedAt);
  if (Number.isNaN(reachedAt.getTime()) || Number.isNaN(submitted)) throw new RangeError('a first contact needs the time of the contact and of the submission');
  await storeFact({
    kind: 'CONTACTED', factId: factIdFor('CONTACTED', assignment.reference, assignment.teamId), at: reachedAt,
    band: assignment.band, source: await sourceOf(assignment), areaId: assignment.areaId, teamId: assignment.teamId,
    secondsToFirstContact: Math.max(0, Math.round((reachedAt.getTime() - submitted) / 1000)),
  }, assignment.reference);
}

/** The team recorded how its part ended: counted once per referral and team, dated when recorded. */
export async function countOutcome(assignment: AssignmentRecord, outcome: Outcome, at: Date): Promise<void> {
  await storeFact({
    kind: 'OUTCOME', factId: factIdFor('OUTCOME', assignment.reference, assignment.teamId), at, outcome,
    band: assignment.band, source: await sourceOf(assignment), areaId: assignment.areaId, teamId: assignment.teamId,
  }, assignment.reference);
}
