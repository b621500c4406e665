import { acknowledgeAssignment, declineAssignment, reassignmentTargets, viewReferral } from '../../adapters/referral-actions.js';
import { getReferral, listAssignments } from '../../adapters/referral-store.js';
import { serviceConfig } from '../../adapters/service-config.js';
import { coordinatesReferral, isTeamMember } from '../../domain/access.js';
import { londonTime } from '../../domain/agency-email.js';
import { reasonText } from '../../domain/reason-text.js';
import { ACKNOWLEDGEABLE_STATUSES, DECLINABLE_STATUSES, type AssignmentRecord } from '../../domain/referral-record.js';
import { Conflict } from '../../domain/refusals.js';
import { page, redirect } from '../../http/pages.js';
import { formErrors, notFound } from '../pages.js';
import type { Result } from '../router.js';
import { flash, formRefused, postedForm, type StaffRequest } from '../staff-request.js';
import { contactStage, OUTCOME_WORDS } from '../../domain/contact-and-outcome.js';
import {
  attemptRows, historyRows, isOverdue, outcomeRows, referralSections, riskRows, safeContact, screeningView, statusTag, teamName,
} from '../views.js';

/** A referral in full for a team it was given to or its area's coordinator; opening it is recorded. */
export async function show({ params, caller, view, now }: StaffRequest): Promise<Result> {
  const { reference } = params as { reference: string };
  const { referral, assignments, events, attempts = [] } = await viewReferral(reference, caller, now);
  const closed = referral.status === 'CLOSED';
  const coordinator = coordinatesReferral(caller.groups, referral, serviceConfig.defaultAreaId);
  const mine = (teamId: string) => isTeamMember(caller.groups, teamId);
  return page('portal/referral.njk', {
    ...view, title: `Referral ${reference}`, nav: coordinator ? 'coordinator' : 'inbox', reference,
    outOfArea: referral.status === 'OUT_OF_AREA',
    canSignpost: coordinator && referral.status === 'OUT_OF_AREA',
    closure: referral.closure ? {
      rows: [
        { key: { text: 'Closed' }, value: { text: `${londonTime(referral.closure.at)}: signposted elsewhere` } },
        { key: { text: 'Why' }, value: { text: referral.closure.reason } },
      ],
    } : undefined,
    safeContact: safeContact(referral.submission),
    screening: screeningView(referral.screening),
    sections: referralSections(referral.submission),
    riskRows: riskRows(referral.submission),
    history: historyRows(serviceConfig, events),
    canReassign: !closed && coordinator && reassignmentTargets(referral, assignments).length > 0,
    inDangerNow: referral.submission.immediateDanger === true,
    // SPEC §2 step 7: a closed referral says so first, with how each team ended its part.
    closed: closed ? {
      outcomes: assignments.filter((a) => a.outcome && (coordinator || mine(a.teamId)))
        .map((a) => ({ teamName: teamName(serviceConfig, a.teamId), outcome: a.outcome ? OUTCOME_WORDS[a.outcome] : '', reason: a.outcomeReason ?? '' })),
    } : undefined,
    assignments: assignments.filter((a) => coordinator || mine(a.teamId)).map((a) => ({
      teamId: a.teamId, teamName: teamName(serviceConfig, a.teamId),
      canAct: mine(a.teamId) && ACKNOWLEDGEABLE_STATUSES.includes(a.status),
      canDecline: mine(a.teamId) && DECLINABLE_STATUSES.includes(a.status),
      canRecordContact: mine(a.teamId) && !closed && contactStage(a) === 'open',
      attempts: attemptRows(attempts, a.teamId),
      status: statusTag(a.status), overdue: isOverdue(a, now),
      rows: [
        { key: { text: 'Deadline' }, value: { text: a.deadlineAt ? londonTime(a.deadlineAt) : 'Not set' } },
        ...(a.acknowledgedAt ? [{ key: { text: 'Acknowledged' }, value: { text: `${londonTime(a.acknowledgedAt)}${a.late ? ' (late)' : ''}` } }] : []),
        ...(a.declineReason ? [{ key: { text: 'Declined because' }, value: { text: a.declineReason } }] : []),
        ...passedOnRows(a, assignments),
        ...(a.reassignReason ? [{ key: { text: 'Re-assigned because' }, value: { text: a.reassignReason } }] : []),
        ...outcomeRows(a),
        ...(a.emailUndeliverable ? [{ key: { text: 'Team email' }, value: { text: `Could not be delivered (${londonTime(a.emailUndeliverable.at)}): the team may not know of this referral` } }] : []),
      ],
    })),
  });
}

/**
 * A team given the referral because another declined it sees who declined and why, although it does not
 * see that team's assignment: the reason is often what it most needs to know before making contact.
 */
function passedOnRows(a: AssignmentRecord, assignments: readonly AssignmentRecord[]): { key: { text: string }; value: { text: string } }[] {
  const declined = a.reroutedFrom ? assignments.find((d) => d.teamId === a.reroutedFrom) : undefined;
  if (!declined) return [];
  return [
    { key: { text: 'Passed on by' }, value: { text: `${teamName(serviceConfig, declined.teamId)}, who declined it${declined.declinedAt ? ` on ${londonTime(declined.declinedAt)}` : ''}` } },
    ...(declined.declineReason ? [{ key: { text: `${teamName(serviceConfig, declined.teamId)} declined because` }, value: { text: declined.declineReason } }] : []),
  ];
}

type Answer = 'acknowledge' | 'decline';

/** The page that asks a team to confirm its answer, with what went wrong last time if anything did. */
async function confirmPage(request: StaffRequest, answer: Answer, errors: ReadonlyMap<string, string> = new Map(), reason = ''): Promise<Result> {
  const { params, caller, view } = request;
  const { reference, teamId } = params as { reference: string; teamId: string };
  if (!isTeamMember(caller.groups, teamId)) return notFound(view);
  const referral = await getReferral(reference);
  const assignment = referral ? (await listAssignments(reference)).find((a) => a.teamId === teamId) : undefined;
  if (!referral || !assignment || assignment.status === 'ASSIGNED') return notFound(view);
  // An acknowledgement is only ever refused for a conflict; a decline's page also asks for a better reason.
  const refusedStatus = answer === 'acknowledge' ? 409 : 400;
  return page(`portal/${answer}.njk`, {
    ...view, reference, teamId, teamName: teamName(serviceConfig, teamId), reason,
    deadline: assignment.deadlineAt ? londonTime(assignment.deadlineAt) : 'Not set',
    ...formErrors(errors),
  }, [], errors.size ? refusedStatus : 200);
}

export const confirmAcknowledgement = (request: StaffRequest) => confirmPage(request, 'acknowledge');
export const confirmDecline = (request: StaffRequest) => confirmPage(request, 'decline');

/** A form posted to the referral itself answers nothing: it can only be a stale or forged one. */
export const refuseForm = async (request: StaffRequest): Promise<Result> => formRefused(request, 'referral');

export async function acknowledge(request: StaffRequest): Promise<Result> {
  if (!postedForm(request)) return formRefused(request, 'acknowledge');
  const { reference, teamId } = request.params as { reference: string; teamId: string };
  try {
    await acknowledgeAssignment(reference, teamId, request.caller, request.now);
  } catch (error) {
    if (error instanceof Conflict) {
      return confirmPage(request, 'acknowledge', new Map([['status', error.errors[0]?.message ?? 'This cannot be acknowledged now.']]));
    }
    throw error;
  }
  await flash(request, `Referral ${reference} acknowledged for ${teamName(serviceConfig, teamId)}.`);
  return redirect(`/portal/referrals/${reference}`);
}

export async function decline(request: StaffRequest): Promise<Result> {
  const form = postedForm(request);
  if (!form) return formRefused(request, 'decline');
  const { reference, teamId } = request.params as { reference: string; teamId: string };
  const reason = reasonText('your team cannot take this referral').safeParse(form.get('reason') ?? '');
  if (!reason.success) {
    return confirmPage(request, 'decline', new Map([['reason', reason.error.issues[0]?.message ?? 'Enter a reason']]), (form.get('reason') ?? '').slice(0, 1000));
  }
  try {
    await declineAssignment(reference, teamId, reason.data, request.caller, request.now);
  } catch (error) {
    if (error instanceof Conflict) {
      return confirmPage(request, 'decline', new Map([['reason', error.errors[0]?.message ?? 'This cannot be declined now.']]), reason.data);
    }
    throw error;
  }
  await flash(request, `Referral ${reference} declined. It is being passed to another team.`);
  // The team may no longer see the referral at all once it has moved on: its inbox is where it goes.
  return redirect('/portal/inbox');
}
