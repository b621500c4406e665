import { saveFormSession, type FormSession } from '../adapters/form-session-store.js';
import { escapeHtml } from '../domain/agency-email.js';
import type { FieldError } from '../domain/referral.js';
import { page } from '../http/pages.js';
import { ALL_QUESTIONS, answerText, applies, CARDS, countedFields, fieldsOf, type Answers, type Card, type Question } from './questions.js';
import type { Result, SessionPage } from './request.js';

const change = (question: Question, key: string) => ({ items: [{ href: `/refer/${question.id}`, text: 'Change', visuallyHiddenText: key.toLowerCase() }] });
type Row = { key: { text: string }; value: { text: string } | { html: string }; actions: ReturnType<typeof change> };

/** A question's rows: one per answer given, or one for the lot when the question sums its answers up. */
function rowsOf(question: Question, answers: Answers): Row[] {
  const given = countedFields(question, answers).map((field) => ({ field, shown: answerText(field, answers) })).filter((a) => a.shown !== '');
  if (question.summary) {
    if (!given.length) return [];
    const { key, join } = question.summary;
    const value = join === 'space'
      ? { text: given.map((a) => a.shown).join(' ') }
      : { html: given.map((a) => `${escapeHtml(a.field.summary ?? a.field.label)}: ${escapeHtml(a.shown)}`).join('<br>') };
    return [{ key: { text: key }, value, actions: change(question, key) }];
  }
  return given.map(({ field, shown }) => {
    const key = field.summary ?? field.label;
    return { key: { text: key }, value: { text: shown }, actions: change(question, key) };
  });
}

/**
 * "Check your answers" as a few cards, one per topic, with a row for each answer given: what was left out
 * or does not apply is not listed, so the page stays short enough to read on a phone.
 */
export function checkAnswersPage(session: FormSession, errors: readonly FieldError[] = []): Result {
  const { answers } = session;
  const asked = ALL_QUESTIONS.filter((q) => applies(q, answers));
  const cards = (Object.keys(CARDS) as Card[]).map((card) => ({
    card: { title: { text: CARDS[card] } },
    rows: asked.filter((q) => q.card === card && !q.unlisted).flatMap((q) => rowsOf(q, answers)),
  })).filter((c) => c.rows.length > 0);
  const firstPage = (path: string) => asked.find((q) => fieldsOf(q).some(({ field: f }) => path === f.name || path.startsWith(`${f.name}.`)));
  return page('page.njk', {
    title: 'Check your answers', cards, csrf: session.csrf, honeypot: true,
    paragraphs: ['When you send this, we will pass it to a local support service.'],
    // Sent to the confirmation's address, which answers with the confirmation itself: shown once, never fetched again.
    postTo: '/refer/confirmation',
    buttonText: 'Send', backHref: `/refer/${asked.at(-1)!.id}`,
    errors: errors.map((e) => {
      const question = firstPage(e.path);
      return { text: e.message, href: question ? `/refer/${question.id}` : '#main-content' };
    }),
  }, [], errors.length ? 400 : 200);
}

/** From here on, a changed answer comes back to this page rather than going on through the form. */
export const showCheckAnswers: SessionPage = async ({ now }, session) => {
  await saveFormSession({ ...session, reviewing: true }, now);
  return checkAnswersPage(session);
};
