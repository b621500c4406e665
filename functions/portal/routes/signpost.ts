import { signpostReferral } from '../../adapters/referral-actions.js';
import { getReferral } from '../../adapters/referral-store.js';
import { serviceConfig } from '../../adapters/service-config.js';
import { coordinatesReferral } from '../../domain/access.js';
import { londonTime } from '../../domain/agency-email.js';
import { reasonText } from '../../domain/reason-text.js';
import { Conflict } from '../../domain/refusals.js';
import { page, redirect } from '../../http/pages.js';
import { formErrors, messagePage, notFound } from '../pages.js';
import type { Result } from '../router.js';
import { flash, formRefused, postedForm, type StaffRequest } from '../staff-request.js';

/**
 * The default area's coordinator closes an out-of-area referral by pointing the person to a service where
 * they live (SPEC §4): a page that asks for the reason and a confirmation, then a POST behind the form token.
 */
async function confirmPage(request: StaffRequest, errors: ReadonlyMap<string, string> = new Map(), reason = ''): Promise<Result> {
  const { params, caller, view } = request;
  const reference = params.reference!;
  const referral = await getReferral(reference);
  if (!referral || !coordinatesReferral(caller.groups, referral, serviceConfig.defaultAreaId)) return notFound(view);
  if (referral.status !== 'OUT_OF_AREA') {
    return messagePage('This referral is no longer out of area', ['It has been re-assigned to a team or closed already, so there is nothing to signpost.'], 409,
      { ...view, linkHref: `/portal/referrals/${reference}`, linkText: 'Back to the referral' });
  }
  return page('portal/signpost.njk', {
    ...view, nav: 'coordinator', reference, reason, received: londonTime(referral.createdAt),
    ...formErrors(errors),
  }, [], errors.size ? 400 : 200);
}

export const show = (request: StaffRequest) => confirmPage(request);

export async function submit(request: StaffRequest): Promise<Result> {
  const form = postedForm(request);
  if (!form) return formRefused(request, 'signpost');
  const reference = request.params.reference!;
  const typed = (form.get('reason') ?? '').slice(0, 1000);
  const reason = reasonText('the person is being signposted elsewhere').safeParse(typed);
  if (!reason.success) return confirmPage(request, new Map([['reason', reason.error.issues[0]?.message ?? 'Enter a reason']]), typed);
  try {
    await signpostReferral(reference, reason.data, request.caller, request.now);
  } catch (error) {
    // Re-assigned by someone else in the meantime: the page says so.
    if (error instanceof Conflict) return confirmPage(request);
    throw error;
  }
  await flash(request, `Referral ${reference} closed: signposted elsewhere.`);
  return redirect(`/portal/referrals/${reference}`);
}
