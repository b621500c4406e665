import { saveFormSession, deleteFormSession, type FormSession } from '../adapters/form-session-store.js';
import { parseReferral, type FieldError } from '../domain/referral.js';
import { page, redirect } from '../http/pages.js';
import { consentRefused } from './endings.js';
import { fieldParams } from './fields.js';
import { newlyAsked, nextAfter, previousOf } from './journey.js';
import { answersFrom, applies, CONSENT, DANGER, errorHref, questionById, questionErrors, referralBody, type Question } from './questions.js';
import type { Result, SessionPage, SessionPost } from './request.js';

function questionPage(question: Question, session: FormSession, errors: readonly FieldError[], cookies: string[]): Result {
  const single = question.fields.length === 1;
  return page('question.njk', {
    title: question.title, hint: question.hint, pageId: question.id, csrf: session.csrf, single,
    backHref: session.reviewing ? '/refer/check' : previousOf(question.id, session.answers),
    errors: errors.map((e) => ({ text: e.message, href: errorHref(question, e.path) })),
    fields: question.fields.map((f) => fieldParams(f, session.answers, single ? 'single' : 'one-of-several', errors)),
  }, cookies, errors.length ? 400 : 200);
}

export const showQuestion: SessionPage = async ({ pageId }, session, cookies) => {
  const question = questionById(pageId);
  if (!question) return redirect('/refer');
  // A question these answers do not call for (email updates with no email chosen) is passed over.
  if (!applies(question, session.answers)) return redirect(`/refer/${nextAfter(question.id, session.answers)}`, cookies);
  return questionPage(question, session, [], cookies);
};

/** Where someone who said they are in danger right now is sent before anything else. */
export const showEmergency: SessionPage = async (_request, _session, cookies) => page('page.njk', {
  title: 'Call 999 now if you can', backHref: '/refer/danger',
  paragraphs: [
    'If you are in danger, call 999 and ask for the police.',
    'If you cannot talk, call 999 from a mobile. Listen to the questions. Then press 55. This tells the police you need help.',
    'You can carry on with this form when you are safe.',
  ],
  linkHref: '/refer/consent', buttonText: 'Carry on with the form',
}, cookies);

/**
 * Keeps a page's answers once they pass and moves on; shows the page again, with its errors, when they
 * do not. A "no" to sharing ends the form there and then, keeping nothing.
 */
export const answerQuestion: SessionPost = async ({ pageId, now, endSession }, existing, form) => {
  const question = questionById(pageId);
  if (!question || existing.reference) return redirect('/refer');
  // A page these answers do not call for takes nothing: what is posted to it would never be checked
  // against the referral, so it is not kept either (a crafted post, or a page left open in another tab).
  if (!applies(question, existing.answers)) return redirect(`/refer/${nextAfter(question.id, existing.answers)}`);
  const answers = { ...existing.answers, ...answersFrom(question, form) };
  const session: FormSession = { ...existing, answers };
  if (question === CONSENT && answers[CONSENT.fields[0]!.name] === 'no') {
    await deleteFormSession(existing.id);
    return consentRefused(endSession);
  }
  const parsed = parseReferral(referralBody(answers), now);
  const errors = questionErrors(question, answers, parsed.ok ? [] : parsed.errors);
  // What they typed is shown back to them but not kept: only answers that passed are stored.
  if (errors.length) return questionPage(question, session, errors, []);
  await saveFormSession(session, now);
  if (question === DANGER && answers[DANGER.fields[0]!.name] === 'yes') return redirect('/refer/emergency');
  if (session.reviewing && question !== CONSENT) {
    // A changed answer can call for a question not asked before: it is asked before going back to the check page.
    const asked = newlyAsked(answers);
    return redirect(asked ? `/refer/${asked}` : '/refer/check');
  }
  return redirect(`/refer/${nextAfter(question.id, answers)}`);
};
