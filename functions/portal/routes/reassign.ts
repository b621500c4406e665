import { reassignableFrom, reassignmentTargets, reassignReferral } from '../../adapters/referral-actions.js';
import { getReferral, listAssignments } from '../../adapters/referral-store.js';
import { serviceConfig } from '../../adapters/service-config.js';
import { coordinatesReferral } from '../../domain/access.js';
import { londonTime } from '../../domain/agency-email.js';
import { reasonText } from '../../domain/reason-text.js';
import { Conflict, InvalidInput } from '../../domain/refusals.js';
import { page, redirect } from '../../http/pages.js';
import { TEAM_ID } from '../../http/path-parameters.js';
import { formErrors, messagePage, notFound } from '../pages.js';
import type { Result } from '../router.js';
import { flash, formRefused, postedForm, type StaffRequest } from '../staff-request.js';
import { statusTag, teamName } from '../views.js';

interface Choices {
  readonly toTeamId?: string;
  readonly fromTeamId?: string;
  readonly reason?: string;
}

/** The coordinator's choice of team, for their own area's referrals only; with their last answers and what was wrong with them. */
async function choicePage(request: StaffRequest, errors: ReadonlyMap<string, string> = new Map(), values: Choices = {}): Promise<Result> {
  const { params, caller, view } = request;
  const reference = params.reference!;
  const referral = await getReferral(reference);
  if (!referral || !coordinatesReferral(caller.groups, referral, serviceConfig.defaultAreaId)) return notFound(view);
  const assignments = await listAssignments(reference);
  const targets = reassignmentTargets(referral, assignments);
  if (targets.length === 0) {
    return messagePage('Every team has had this referral', ['There is no other team in this area to give it to.'], 409,
      { ...view, linkHref: `/portal/referrals/${reference}`, linkText: 'Back to the referral' });
  }
  return page('portal/reassign.njk', {
    ...view, nav: 'coordinator', reference, values,
    toTeams: targets.map((t) => ({ value: t.id, text: t.name, checked: values.toTeamId === t.id })),
    fromTeams: reassignableFrom(assignments).map((a) => ({
      value: a.teamId, text: `${teamName(serviceConfig, a.teamId)} (${statusTag(a.status).text.toLowerCase()})`, checked: values.fromTeamId === a.teamId,
    })),
    ...formErrors(errors),
  }, [], errors.size ? 400 : 200);
}

export const show = (request: StaffRequest) => choicePage(request);

export async function submit(request: StaffRequest): Promise<Result> {
  const form = postedForm(request);
  if (!form) return formRefused(request, 'reassign');
  const reference = request.params.reference!;
  const values = { toTeamId: form.get('toTeamId') ?? '', fromTeamId: form.get('fromTeamId') ?? '', reason: (form.get('reason') ?? '').slice(0, 1000) };
  const errors = new Map<string, string>();
  if (!TEAM_ID.test(values.toTeamId)) errors.set('toTeamId', 'Choose the team that should have it');
  if (values.fromTeamId !== '' && !TEAM_ID.test(values.fromTeamId)) errors.set('fromTeamId', 'Choose a team from the list');
  const reason = reasonText('the referral is moving to this team').safeParse(values.reason);
  if (!reason.success) errors.set('reason', reason.error.issues[0]?.message ?? 'Enter a reason');
  if (errors.size || !reason.success) return choicePage(request, errors, values);
  try {
    const after = await reassignReferral({
      reference, toTeamId: values.toTeamId, ...(values.fromTeamId ? { fromTeamId: values.fromTeamId } : {}), reason: reason.data, caller: request.caller, now: request.now,
    });
    await flash(request, `Referral ${reference} re-assigned to ${teamName(serviceConfig, after.teamId)}. Their deadline is ${after.deadlineAt ? londonTime(after.deadlineAt) : 'set'}.`);
  } catch (error) {
    if (error instanceof InvalidInput || error instanceof Conflict) {
      return choicePage(request, new Map(error.errors.map((e) => [e.path || 'toTeamId', e.message])), values);
    }
    throw error;
  }
  return redirect(`/portal/referrals/${reference}`);
}
