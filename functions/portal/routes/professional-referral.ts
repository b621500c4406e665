import { acceptReferral } from '../../adapters/referral-intake.js';
import { listAssignments, requestDigest } from '../../adapters/referral-store.js';
import { serviceConfig } from '../../adapters/service-config.js';
import { staffProfile } from '../../adapters/staff-profile.js';
import { parseReferral } from '../../domain/referral.js';
import { fieldParams } from '../../form/fields.js';
import type { Answers } from '../../form/questions.js';
import { newSecret, page } from '../../http/pages.js';
import { logger } from '../../platform/observability.js';
import { messagePage, notFound } from '../pages.js';
import {
  ACCOUNT_DETAILS_ID, mayRefer, organisationOf, professionalAnswers, professionalBody, professionalErrors, professionalForm,
  type AccountReferrer, type ProfessionalForm,
} from '../professional-referral.js';
import type { Result } from '../router.js';
import { postedForm, type StaffRequest } from '../staff-request.js';

/**
 * SPEC §8: a signed-in professional refers someone through the portal. The body is the API's, checked by
 * its schema and accepted by its intake, so it is screened, routed and emailed like any API referral; only
 * the referrer comes from the account rather than from what is typed.
 */

/** The shape newSecret() makes: a form's own idempotency key, made when the empty form is shown. */
const SUBMISSION_KEY = /^[A-Za-z0-9_-]{43}$/;
const SUBMISSION_SECONDS = 24 * 60 * 60;

async function accountReferrer(request: StaffRequest): Promise<AccountReferrer | undefined> {
  const organisation = organisationOf(request.caller, serviceConfig);
  if (!organisation) return undefined;
  const token = request.session.signedIn?.accessToken;
  const profile = token ? await staffProfile(token) : {};
  return { name: profile.name ?? request.caller.username, organisation, ...(profile.email ? { email: profile.email } : {}) };
}

function formPage(request: StaffRequest, form: ProfessionalForm, submission: string, answers: Answers = {}, errors: ReturnType<typeof professionalErrors> = []): Result {
  const { referrer } = form;
  return page('portal/professional-referral.njk', {
    ...request.view, title: 'Make a referral', nav: 'refer', submission, accountDetailsId: ACCOUNT_DETAILS_ID,
    accountRows: [
      { key: { text: 'Your name' }, value: { text: referrer.name } },
      { key: { text: 'Organisation' }, value: { text: referrer.organisation } },
      ...(referrer.email ? [{ key: { text: 'Your email' }, value: { text: referrer.email } }] : []),
    ],
    errors: errors.map((e) => ({ text: e.message, href: e.href })),
    sections: form.sections.map((section) => ({
      id: section.id, title: section.title, hint: section.hint,
      fields: section.fields.map((field) => smaller(fieldParams(field, answers, 'one-of-several', errors))),
    })),
  }, [], errors.length ? 400 : 200);
}

/** Question legends a size down from the victim form's pages: here they sit under a section's heading. */
function smaller(field: ReturnType<typeof fieldParams>): ReturnType<typeof fieldParams> {
  const fieldset = field.params.fieldset as { legend: Record<string, unknown> } | undefined;
  return fieldset ? { ...field, params: { ...field.params, fieldset: { legend: { ...fieldset.legend, classes: 'govuk-fieldset__legend--s' } } } } : field;
}

export async function show(request: StaffRequest): Promise<Result> {
  const referrer = mayRefer(request.caller, serviceConfig) ? await accountReferrer(request) : undefined;
  if (!referrer) return notFound(request.view);
  return formPage(request, professionalForm(referrer), newSecret());
}

export async function submit(request: StaffRequest): Promise<Result> {
  const referrer = mayRefer(request.caller, serviceConfig) ? await accountReferrer(request) : undefined;
  if (!referrer) return notFound(request.view);
  const posted = postedForm(request);
  const submission = posted?.get('submission') ?? '';
  if (!posted || !SUBMISSION_KEY.test(submission)) {
    logger.warn('Portal form refused: no valid form token', { path: 'professional-referral' });
    return messagePage('This form has expired', ['Nothing was sent. Start the referral again.'], 403,
      { ...request.view, linkHref: '/portal/referrals/new', linkText: 'Make a referral' });
  }
  const form = professionalForm(referrer);
  const answers = professionalAnswers(form, posted);
  const body = professionalBody(form, answers);
  const parsed = parseReferral(body, request.now);
  if (!parsed.ok) return formPage(request, form, submission, answers, professionalErrors(form, answers, parsed.errors));

  const { caller, now } = request;
  // The form's key is the referral's idempotency key, per account: a double click or a refreshed post stores one referral.
  const outcome = await acceptReferral({
    submission: parsed.referral, now,
    idempotency: { key: `portal-referral:${caller.userId}:${submission}`, requestDigest: requestDigest(JSON.stringify(body)), expiresAt: Math.floor(now.getTime() / 1000) + SUBMISSION_SECONDS },
    submittedBy: { actor: `user:${caller.userId}`, detail: { username: caller.username, via: 'portal-professional-form' } },
  });
  if (outcome.kind === 'idempotent-repeat' && !outcome.sameRequest) {
    return messagePage('This referral was already sent', [
      `This form was sent before, with different answers, as ${outcome.reference}. Nothing new was sent.`,
      'To refer someone else, or to add to that referral, start a new referral.',
    ], 409, { ...request.view, linkHref: '/portal/referrals/new', linkText: 'Make a referral' });
  }
  if (outcome.kind === 'created') logger.info('Referral received from the portal’s professional form', { reference: outcome.reference, source: parsed.referral.source });
  else logger.info('Repeat send of the professional form answered with its referral', { reference: outcome.reference });
  // Routing follows in a second or so, usually after this page: a team that already has it (a repeat send,
  // a quick workflow) gets a link; otherwise the reference alone, as a link would lead to "not found".
  const teamHasIt = (await listAssignments(outcome.reference)).some((a) => a.status !== 'ASSIGNED' && caller.groups.includes(a.teamId));
  return page('portal/professional-referral-sent.njk', {
    ...request.view, title: 'Referral sent', nav: 'refer', reference: outcome.reference, organisation: referrer.organisation,
    inbox: request.view.user.inbox, teamHasIt,
  });
}
