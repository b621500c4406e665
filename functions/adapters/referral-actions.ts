import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { areaOfReferral, isTeamMember, referralAccess } from '../domain/access.js';
import { acknowledgementAt, declineAt } from '../domain/acknowledgement-ladder.js';
import { isLate } from '../domain/assignment-progress.js';
import { areaById, type Team } from '../domain/config.js';
import {
  attemptTimeProblem, contactStage, type ContactAttempt, type ContactAttemptInput, type OutcomeInput,
} from '../domain/contact-and-outcome.js';
import { redactSubmission } from '../domain/erasure.js';
import {
  REASSIGNABLE_STATUSES, type AssignmentRecord, type ReferralClosure, type ReferralEvent, type ReferralStatus,
} from '../domain/referral-record.js';
import {
  Conflict, InvalidInput, noSuchAssignment, noSuchReferral, noSuchTeam,
} from '../domain/refusals.js';
import { movedDeadline } from '../domain/urgency.js';
import { isCoordinator, type Caller } from '../http/caller.js';
import { logger, metrics } from '../platform/observability.js';
import {
  addAssignment, addContactAttempt, appendEvent, assignmentAfter, closeReferralIfFinished, erasePersonalData, getAssignment, getReferral, listAssignments, listContactAttempts, listEvents,
  moveAssignment, moveReferral, recordAssignmentOutcome,
  type StoredAssignment, type StoredReferral,
} from './referral-store.js';
import { countAcknowledged, countFirstContact, countForTeam, countOutcome } from './report-facts.js';
import { serviceConfig } from './service-config.js';
import { resumeAsSettled, resumeWithAcknowledgement, resumeWithDecline } from './task-tokens.js';
import { startReassignmentWorkflow } from './workflow-starter.js';

/**
 * What a signed-in person can do to a referral, shared by the JSON API and the portal's pages so both
 * check the same rights and leave the same audit trail. Refusals are the domain's (functions/domain/
 * refusals.ts): each caller turns them into its own kind of answer.
 */

const actorOf = (caller: Caller) => `user:${caller.userId}`;

/** The area a referral is kept under: its own, or the default area's for one no area covers (SPEC §4). */
const homeAreaOf = (referral: StoredReferral) => areaOfReferral(referral, serviceConfig.defaultAreaId);

/** Whether the caller coordinates the area the referral is kept under. */
function coordinates(caller: Caller, referral: StoredReferral): boolean {
  const areaId = homeAreaOf(referral);
  return areaId !== undefined && isCoordinator(caller, areaId);
}

export interface ReferralView {
  readonly referral: StoredReferral;
  readonly assignments: StoredAssignment[];
  readonly events: ReferralEvent[];
  /** The teams' attempts to reach the person (SPEC §2 step 6), oldest first. */
  readonly attempts: ContactAttempt[];
}

/**
 * A referral with its assignments and history, for a team it was assigned to or its area's coordinator.
 * Every read of a person's details is itself recorded (SPEC §10), before the details leave.
 */
export async function viewReferral(reference: string, caller: Caller, now: Date): Promise<ReferralView> {
  const referral = await getReferral(reference);
  if (!referral) throw noSuchReferral();
  const assignments = await listAssignments(reference) as StoredAssignment[];
  const access = referralAccess(caller.groups, { areaId: homeAreaOf(referral), teamIds: assignments.map((a) => a.teamId) });
  if (access === 'hidden') throw noSuchReferral();

  await appendEvent({ reference, at: now.toISOString(), actor: actorOf(caller), type: 'PERSONAL_DETAILS_VIEWED', detail: { username: caller.username } });
  logger.info('Referral read', { reference, userId: caller.userId });
  return { referral, assignments, events: await listEvents(reference), attempts: await listContactAttempts(reference) };
}

/**
 * A team takes the referral on. Also after the deadline, even after a breach: a late acknowledgement is
 * recorded and flagged late. A repeat changes nothing and gets the same answer.
 *
 * `signedIn` is the caller's revocation check when it is still running (the API reads the assignment
 * meanwhile): nothing is changed, and nothing answered, until it has settled without a refusal.
 */
export async function acknowledgeAssignment(reference: string, teamId: string, caller: Caller, now: Date, signedIn: Promise<void> = Promise.resolve()): Promise<StoredAssignment> {
  // Outside the team, answered as for a team that does not exist (as requireTeamMember does for the API).
  if (!isTeamMember(caller.groups, teamId)) throw noSuchTeam();
  // Both settle before either verdict counts: a revoked token is refused as revoked, even when the read failed.
  const [signIn, read] = await Promise.allSettled([signedIn, getAssignment(reference, teamId)]);
  if (signIn.status === 'rejected') throw signIn.reason;
  if (read.status === 'rejected') throw read.reason;
  const current = read.value;
  if (!current || current.status === 'ASSIGNED') throw noSuchAssignment();
  // Only a breached team can still answer once every other team has finished: the referral may be closed
  // by then, and taking it on again would leave a closed referral with a team still working on it.
  if (current.status === 'BREACHED' && (await getReferral(reference))?.status === 'CLOSED') {
    throw new Conflict({ path: 'status', message: 'This referral was closed after every other team finished with it, so it can no longer be acknowledged. Ask your coordinator.' });
  }

  const late = isLate(current, now);
  const change = { ...acknowledgementAt(now, caller.userId, late), now, actor: actorOf(caller), remove: ['waitToken', 'waitStage'] };
  const before = await moveAssignment(reference, teamId, { ...change, detail: { late, username: caller.username } }, current);
  // Read again only when this request moved nothing (a repeat, or another answer first).
  const after = before ? assignmentAfter(before, change) : await getAssignment(reference, teamId);
  if (after?.status !== 'ACKNOWLEDGED') {
    throw new Conflict({ path: 'status', message: `This assignment is ${after?.status?.toLowerCase() ?? 'closed'}, so it cannot be acknowledged.` });
  }
  // The acknowledgement is stored: telling the workflow and counting the fact need nothing from each other,
  // so they go together. Either failing still fails the request, as when they ran one after the other.
  await Promise.all([
    before?.waitToken ? resumeWithAcknowledgement(before.waitToken, teamId) : undefined,
    countAcknowledged(after),
  ]);
  if (before) {
    metrics.addMetric(late ? 'AssignmentAcknowledgedLate' : 'AssignmentAcknowledged', MetricUnit.Count, 1);
    logger.info('Assignment acknowledged', { reference, teamId, late });
  }
  return after;
}

/** A team cannot take the referral: the reason is kept and the workflow hands it to the fallback team. */
export async function declineAssignment(reference: string, teamId: string, reason: string, caller: Caller, now: Date): Promise<StoredAssignment> {
  if (!isTeamMember(caller.groups, teamId)) throw noSuchTeam();
  const current = await getAssignment(reference, teamId);
  if (!current || current.status === 'ASSIGNED') throw noSuchAssignment();

  const change = { ...declineAt(now, caller.userId, reason), now, actor: actorOf(caller), remove: ['waitToken', 'waitStage'] };
  const before = await moveAssignment(reference, teamId, { ...change, detail: { username: caller.username } }, current);
  if (before?.waitToken) await resumeWithDecline(before.waitToken);
  const after = before ? assignmentAfter(before, change) : await getAssignment(reference, teamId);
  if (after?.status !== 'DECLINED') {
    throw new Conflict({ path: 'status', message: `This assignment is ${after?.status?.toLowerCase() ?? 'closed'} and can no longer be declined.` });
  }
  await countForTeam('DECLINED', after, new Date(after.declinedAt ?? now.toISOString()));
  if (before) {
    metrics.addMetric('AssignmentDeclined', MetricUnit.Count, 1);
    logger.info('Assignment declined', { reference, teamId });
  }
  return after;
}

/** The team's acknowledged assignment, for recording contact and outcome; refused as acknowledge is. */
async function assignmentToFollowUp(reference: string, teamId: string, caller: Caller): Promise<{ referral: StoredReferral; assignment: StoredAssignment }> {
  if (!isTeamMember(caller.groups, teamId)) throw noSuchTeam();
  const referral = await getReferral(reference);
  const assignment = referral ? await getAssignment(reference, teamId) : undefined;
  if (!referral || !assignment || assignment.status === 'ASSIGNED') throw noSuchAssignment();
  return { referral, assignment };
}

const notTakenOn = () => new Conflict({ path: 'status', message: 'Acknowledge this referral before recording contact with the person or an outcome.' });

/**
 * SPEC §2 step 6: a team records one attempt to reach the person (when, how, reached or not), appended
 * and audited. Only while its assignment is acknowledged and has no outcome. The note is free text about
 * the person: kept on the attempt, never in the event or a log.
 */
export async function recordContactAttempt(reference: string, teamId: string, input: ContactAttemptInput, caller: Caller, now: Date): Promise<ContactAttempt> {
  const { referral, assignment: current } = await assignmentToFollowUp(reference, teamId, caller);
  const stage = contactStage(current);
  if (stage === 'not-acknowledged') throw notTakenOn();
  if (stage === 'finished' || referral.status === 'CLOSED') throw new Conflict({ path: 'status', message: 'An outcome is recorded for this assignment: no more attempts can be added.' });
  const problem = attemptTimeProblem(input.at, { now, assignedAt: current.assignedAt });
  if (problem) throw new InvalidInput(problem);

  const attempt: ContactAttempt = {
    reference, teamId, at: new Date(input.at).toISOString(), method: input.method, reached: input.reached,
    ...(input.note ? { note: input.note } : {}), recordedAt: now.toISOString(), recordedBy: caller.userId,
  };
  const stored = await addContactAttempt(attempt, {
    reference, at: attempt.recordedAt, actor: actorOf(caller), type: 'CONTACT_ATTEMPT_RECORDED', teamId,
    detail: { username: caller.username, attemptAt: attempt.at, method: attempt.method, reached: attempt.reached },
  });
  // Between the read and the write the outcome may have been recorded (or the assignment moved on).
  if (!stored) throw new Conflict({ path: 'status', message: 'This assignment has moved on: no attempt was added.' });

  const assignment = await getAssignment(reference, teamId);
  const reachedAt = assignment?.firstContactAt ? new Date(assignment.firstContactAt) : undefined;
  if (assignment && reachedAt) {
    // The first contact is final once set; counted after every later attempt too, so a count lost to a
    // crash between the write and the count is made up (the count is keyed by the assignment).
    await countFirstContact(assignment, reachedAt, referral.createdAt);
  }
  metrics.addMetric(attempt.reached ? 'ContactAttemptReached' : 'ContactAttemptNotReached', MetricUnit.Count, 1);
  logger.info('Contact attempt recorded', { reference, teamId, method: attempt.method, reached: attempt.reached });
  return attempt;
}

/**
 * SPEC §2 step 6: a team ends its part with an outcome and a short reason, once. A repeat with the same
 * outcome changes nothing and gets the same answer; another outcome is refused. When it was the last
 * assignment still open, the referral closes.
 */
export async function recordOutcome(reference: string, teamId: string, input: OutcomeInput, caller: Caller, now: Date): Promise<{ assignment: StoredAssignment; referralStatus: ReferralStatus }> {
  const { assignment: current } = await assignmentToFollowUp(reference, teamId, caller);
  if (contactStage(current) === 'not-acknowledged') throw notTakenOn();
  const written = current.outcome === undefined && await recordAssignmentOutcome(reference, teamId, {
    outcome: input.outcome, reason: input.reason, now, by: caller.userId, actor: actorOf(caller), detail: { username: caller.username },
  });
  const assignment = await getAssignment(reference, teamId);
  if (!assignment?.outcome || !assignment.outcomeAt) throw notTakenOn();
  if (assignment.outcome !== input.outcome) {
    throw new Conflict({ path: 'outcome', message: `The outcome "${assignment.outcome}" is already recorded for this assignment.` });
  }
  // Counted on a repeat too (the count is keyed by the assignment), so a crash after the write is made up.
  const { outcome } = assignment;
  const at = new Date(assignment.outcomeAt);
  await countOutcome(assignment, outcome, at);
  if (written) {
    metrics.addMetric('AssignmentOutcomeRecorded', MetricUnit.Count, 1);
    logger.info('Assignment outcome recorded', { reference, teamId, outcome, at: at.toISOString() });
  }
  // Read again after our own write: two teams recording the last outcomes at once both see both, and the
  // referral's conditional move lets exactly one of them close it.
  const referralStatus = await closeReferralIfFinished(reference, { now, actor: actorOf(caller), detail: { lastTeamId: teamId, username: caller.username } });
  return { assignment, referralStatus };
}

const SETTLED_REFERRAL: readonly ReferralStatus[] = ['ACKNOWLEDGED', 'PARTIALLY_ACKNOWLEDGED', 'ESCALATED', 'BREACHED'];

/** The teams a coordinator may give this referral to: its area's teams that have not had it. */
export function reassignmentTargets(referral: StoredReferral, assignments: readonly AssignmentRecord[]): Team[] {
  const areaId = homeAreaOf(referral);
  const area = areaId ? areaById(serviceConfig, areaId) : undefined;
  if (!area || referral.status === 'CLOSED') return [];
  const had = new Set(assignments.map((a) => a.teamId));
  return area.teams.filter((team) => !had.has(team.id));
}

/** The assignments a coordinator may take the referral off. */
export function reassignableFrom(assignments: readonly AssignmentRecord[]): AssignmentRecord[] {
  return assignments.filter((a) => REASSIGNABLE_STATUSES.includes(a.status));
}

/**
 * A coordinator gives the referral to another team of their area, with a reason (SPEC §1: the
 * coordinator is the person who steps in). The new team's deadline is counted from now, never later than
 * the band's deadline at the team it is taken off, and it is followed by a workflow execution of its own,
 * through the same acknowledgement ladder. When `fromTeamId` is given, that team's assignment is closed
 * as REASSIGNED and its wait ends. Safe to repeat: a repeat finds the new assignment and (re)starts its
 * execution, which Step Functions runs once.
 */
export async function reassignReferral(input: {
  reference: string; toTeamId: string; fromTeamId?: string; reason: string; caller: Caller; now: Date;
}): Promise<StoredAssignment> {
  const { reference, toTeamId, fromTeamId, reason, caller, now } = input;
  const referral = await getReferral(reference);
  if (!referral || !coordinates(caller, referral)) throw noSuchReferral();
  const area = areaById(serviceConfig, homeAreaOf(referral) ?? '');
  const toTeam = area?.teams.find((t) => t.id === toTeamId);
  if (!area || !toTeam) throw new InvalidInput({ path: 'toTeamId', message: 'Choose a team in this area.' });
  if (referral.status === 'CLOSED') throw new Conflict({ path: 'status', message: 'This referral is closed, so it cannot be re-assigned.' });

  const assignments = await listAssignments(reference);
  const existing = assignments.find((a) => a.teamId === toTeamId) as StoredAssignment | undefined;
  if (existing && !(existing.reassignedBy && existing.status === 'ASSIGNED')) {
    throw new Conflict({ path: 'toTeamId', message: `${toTeam.name} has already had this referral. Choose another team.` });
  }

  const from = fromTeamId === undefined ? undefined : assignments.find((a) => a.teamId === fromTeamId);
  const alreadyMoved = from?.status === 'REASSIGNED' && from.reassignedTo === toTeamId;
  if (fromTeamId !== undefined && !(from && (REASSIGNABLE_STATUSES.includes(from.status) || alreadyMoved))) {
    throw new Conflict({ path: 'fromTeamId', message: 'That team has acknowledged, declined or already handed on this referral.' });
  }

  // The new team is added before the old one is let go: the old team's workflow execution may settle the
  // referral the moment its wait ends, and it must find a team still being waited on.
  if (!existing) {
    const band = referral.screening?.band ?? assignments[0]?.band ?? 'STANDARD';
    // Urgency travels (SPEC §4): never later than the band's deadline at the team it is taken off.
    const deadline = movedDeadline({ at: now, band, to: toTeam, from: fromTeamId ? area.teams.find((t) => t.id === fromTeamId) : undefined });
    await addAssignment({
      reference, teamId: toTeamId, areaId: area.id, band, reason: 'reassigned-by-coordinator', source: referral.submission.source,
      immediateDanger: referral.submission.immediateDanger, status: 'ASSIGNED',
      assignedAt: now.toISOString(), deadlineAt: deadline.deadlineAt.toISOString(),
      reassignedBy: caller.userId, reassignReason: reason, ...(fromTeamId ? { reassignedFrom: fromTeamId } : {}),
    }, {
      reference, at: now.toISOString(), actor: actorOf(caller), type: 'ASSIGNMENT_REASSIGNED', teamId: toTeamId,
      detail: {
        username: caller.username, reason, ...(fromTeamId ? { from: fromTeamId } : {}),
        ...(deadline.carriedFrom ? { deadlineCarriedFrom: deadline.carriedFrom } : {}),
      },
    });
    metrics.addMetric('ReferralReassigned', MetricUnit.Count, 1);
    logger.info('Referral re-assigned by a coordinator', { reference, from: fromTeamId ?? null, to: toTeamId });
  }
  if (fromTeamId !== undefined && !alreadyMoved) {
    const before = await moveAssignment(reference, fromTeamId, {
      from: REASSIGNABLE_STATUSES, to: 'REASSIGNED', now, actor: actorOf(caller),
      set: { reassignedAt: now.toISOString(), reassignedTo: toTeamId },
      remove: ['waitToken', 'waitStage'],
      detail: { to: toTeamId, username: caller.username },
    });
    if (before?.waitToken) await resumeAsSettled(before.waitToken, fromTeamId);
  }
  if (fromTeamId !== undefined) {
    // Taken off a team by a coordinator counts as re-routed for that team, as a decline's hand-on does.
    const moved = await getAssignment(reference, fromTeamId);
    if (moved?.status === 'REASSIGNED') await countForTeam('REROUTED', moved, new Date(moved.reassignedAt ?? now.toISOString()));
  }
  // Read again: the old team's execution may have settled the referral in the meantime.
  const latest = await getReferral(reference);
  if (latest && SETTLED_REFERRAL.includes(latest.status)) {
    await moveReferral(reference, 'AWAITING_ACK', { now, actor: actorOf(caller), detail: { reassignedTo: toTeamId } });
  }
  if (latest?.status === 'OUT_OF_AREA') {
    // Out of the out-of-area queue and into the area the coordinator gave it to (a typo, a border). One
    // stored out of area before referrals were kept under the default area gets its area now.
    await moveReferral(reference, 'AWAITING_ACK', {
      now, actor: actorOf(caller), set: { areaId: area.id }, detail: { reassignedTo: toTeamId, username: caller.username },
    });
  }
  await startReassignmentWorkflow(reference, toTeamId);
  const after = await getAssignment(reference, toTeamId);
  if (!after) throw new Error('The re-assignment was not stored');
  return after;
}

/**
 * A coordinator erases a person's details on their request (SPEC §10). The referral stays, with its
 * statuses, history and report figures; who erased it and when is recorded on it.
 */
export async function erasePersonalDetails(reference: string, caller: Caller, now: Date): Promise<'erased' | 'already'> {
  const referral = await getReferral(reference);
  if (!referral || !coordinates(caller, referral)) throw noSuchReferral();
  const outcome = await erasePersonalData(reference, redactSubmission(referral.submission), { now, actor: actorOf(caller), username: caller.username });
  if (outcome === 'not-found') throw noSuchReferral();
  if (outcome === 'erased') {
    metrics.addMetric('PersonalDataErased', MetricUnit.Count, 1);
    logger.info('Personal details erased', { reference, userId: caller.userId });
  }
  return outcome;
}

/**
 * The default area's coordinator closes an out-of-area referral by pointing the person to a service where
 * they live (SPEC §4), with a reason. The closure is kept on the referral and in its history; a repeat
 * finds it closed the same way and changes nothing.
 */
export async function signpostReferral(reference: string, reason: string, caller: Caller, now: Date): Promise<StoredReferral> {
  const referral = await getReferral(reference);
  if (!referral || !coordinates(caller, referral)) throw noSuchReferral();
  if (referral.closure?.kind === 'signposted-elsewhere') return referral;
  const notOutOfArea = () => new Conflict({ path: 'status', message: 'This referral is no longer out of area, so it cannot be signposted elsewhere.' });
  if (referral.status !== 'OUT_OF_AREA') throw notOutOfArea();

  const closure: ReferralClosure = { kind: 'signposted-elsewhere', reason, at: now.toISOString(), by: caller.userId };
  try {
    await moveReferral(reference, 'CLOSED', {
      now, actor: actorOf(caller),
      // One stored out of area before referrals were kept under the default area gets its area now.
      set: { closure, areaId: homeAreaOf(referral) },
      detail: { closure: closure.kind, reason, username: caller.username },
    });
  } catch (error) {
    // Re-assigned or signposted by someone else a moment before: say what it is now.
    const latest = await getReferral(reference);
    if (latest?.closure?.kind === 'signposted-elsewhere') return latest;
    if (latest?.status !== 'OUT_OF_AREA') throw notOutOfArea();
    throw error;
  }
  metrics.addMetric('ReferralSignposted', MetricUnit.Count, 1);
  logger.info('Out-of-area referral signposted elsewhere', { reference, userId: caller.userId });
  const after = await getReferral(reference);
  if (!after) throw noSuchReferral();
  return after;
}
