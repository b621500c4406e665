import { recordContactAttempt, recordOutcome } from '../../adapters/referral-actions.js';
import { getAssignment, getReferral } from '../../adapters/referral-store.js';
import { serviceConfig } from '../../adapters/service-config.js';
import { isTeamMember } from '../../domain/access.js';
import { londonTime } from '../../domain/agency-email.js';
import { CONTACT_METHOD_WORDS, contactStage, OUTCOME_WORDS } from '../../domain/contact-and-outcome.js';
import { CONTACT_ATTEMPT_METHODS, OUTCOMES, type Outcome } from '../../domain/referral-record.js';
import { Conflict, InvalidInput } from '../../domain/refusals.js';
import { page, redirect } from '../../http/pages.js';
import {
  attemptFormValues, londonFields, outcomeFormValues, parseAttemptForm, parseOutcomeForm, refusalOnAttemptForm,
  type AttemptFormValues, type OutcomeFormValues,
} from '../contact-forms.js';
import { formErrors, messagePage, notFound } from '../pages.js';
import type { Result } from '../router.js';
import { flash, formRefused, postedForm, type StaffRequest } from '../staff-request.js';
import { teamName } from '../views.js';

/**
 * SPEC §2 step 6 in the portal: a team that acknowledged a referral records its attempts to reach the
 * person, then its outcome after a check-and-confirm page. The actions are the API's own.
 */

type Open = { reference: string; teamId: string; summary: { key: { text: string }; value: { text: string } }[] };

/** The team's acknowledged, unfinished assignment, or the page to answer with instead. */
async function openAssignment(request: StaffRequest): Promise<Open | Result> {
  const { params, caller, view } = request;
  const { reference, teamId } = params as { reference: string; teamId: string };
  if (!isTeamMember(caller.groups, teamId)) return notFound(view);
  const referral = await getReferral(reference);
  const assignment = referral ? await getAssignment(reference, teamId) : undefined;
  if (!referral || !assignment || assignment.status === 'ASSIGNED') return notFound(view);
  if (contactStage(assignment) !== 'open' || referral.status === 'CLOSED') return movedOn(request, contactStage(assignment) === 'not-acknowledged'
    ? 'Acknowledge this referral before recording contact with the person or an outcome.'
    : 'An outcome is already recorded for your team: nothing more can be added.');
  return {
    reference, teamId,
    summary: [
      { key: { text: 'Reference' }, value: { text: reference } },
      { key: { text: 'Team' }, value: { text: teamName(serviceConfig, teamId) } },
      { key: { text: 'Acknowledged' }, value: { text: assignment.acknowledgedAt ? londonTime(assignment.acknowledgedAt) : 'Yes' } },
    ],
  };
}

const movedOn = (request: StaffRequest, why: string) => messagePage('This cannot be recorded now', [why, 'Nothing was changed.'], 409,
  { ...request.view, linkHref: `/portal/referrals/${request.params.reference}`, linkText: 'Back to the referral' });

const isPage = (value: Open | Result): value is Result => 'statusCode' in value;

function attemptPage(request: StaffRequest, open: Open, values: AttemptFormValues, errors: ReadonlyMap<string, string> = new Map()): Result {
  return page('portal/contact-attempt.njk', {
    ...request.view, ...open, title: 'Record a contact attempt', values,
    methods: CONTACT_ATTEMPT_METHODS.map((value) => ({ value, text: CONTACT_METHOD_WORDS[value], checked: values.method === value })),
    ...formErrors(errors),
  }, [], errors.size ? 400 : 200);
}

export async function showAttempt(request: StaffRequest): Promise<Result> {
  const open = await openAssignment(request);
  if (isPage(open)) return open;
  return attemptPage(request, open, { ...londonFields(request.now), method: '', reached: '', note: '' });
}

export async function recordAttempt(request: StaffRequest): Promise<Result> {
  const form = postedForm(request);
  if (!form) return formRefused(request, 'contact-attempt');
  const open = await openAssignment(request);
  if (isPage(open)) return open;
  const values = attemptFormValues(form);
  const parsed = parseAttemptForm(values);
  if (!parsed.ok) return attemptPage(request, open, values, parsed.errors);
  try {
    await recordContactAttempt(open.reference, open.teamId, parsed.body, request.caller, request.now);
  } catch (error) {
    if (error instanceof InvalidInput) return attemptPage(request, open, values, refusalOnAttemptForm(error.errors));
    if (error instanceof Conflict) return movedOn(request, error.errors[0]?.message ?? 'This assignment has moved on.');
    throw error;
  }
  await flash(request, `Contact attempt recorded for ${teamName(serviceConfig, open.teamId)}: ${parsed.body.reached ? 'reached the person' : 'did not reach the person'}.`);
  return redirect(`/portal/referrals/${open.reference}`);
}

function outcomePage(request: StaffRequest, open: Open, values: OutcomeFormValues, errors: ReadonlyMap<string, string> = new Map()): Result {
  return page('portal/outcome.njk', {
    ...request.view, ...open, title: 'Record the outcome', values,
    outcomes: OUTCOMES.map((value) => ({ value, text: OUTCOME_WORDS[value], checked: values.outcome === value })),
    ...formErrors(errors),
  }, [], errors.size ? 400 : 200);
}

export async function showOutcome(request: StaffRequest): Promise<Result> {
  const open = await openAssignment(request);
  if (isPage(open)) return open;
  return outcomePage(request, open, { outcome: '', reason: '' });
}

/**
 * One form, three steps: the outcome form posts here to be checked, the check page's "Change" brings the
 * answers back into the form, and its confirmation records them. Nothing is recorded before that.
 */
export async function submitOutcome(request: StaffRequest): Promise<Result> {
  const form = postedForm(request);
  if (!form) return formRefused(request, 'outcome');
  const open = await openAssignment(request);
  if (isPage(open)) return open;
  const values = outcomeFormValues(form);
  const parsed = parseOutcomeForm(values);
  if (!parsed.ok) return outcomePage(request, open, values, parsed.errors);
  const step = form.get('step');
  if (step === 'change') return outcomePage(request, open, values);
  if (step !== 'confirm') {
    return page('portal/outcome-check.njk', {
      ...request.view, ...open, title: 'Check and confirm the outcome', values: parsed.body,
      outcomeText: OUTCOME_WORDS[parsed.body.outcome as Outcome],
    });
  }
  try {
    await recordOutcome(open.reference, open.teamId, parsed.body, request.caller, request.now);
  } catch (error) {
    if (error instanceof Conflict) return movedOn(request, error.errors[0]?.message ?? 'This assignment has moved on.');
    throw error;
  }
  await flash(request, `Outcome recorded for ${teamName(serviceConfig, open.teamId)}: ${OUTCOME_WORDS[parsed.body.outcome]}.`);
  return redirect(`/portal/referrals/${open.reference}`);
}
