import middy from '@middy/core';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { deleteFormSession, FORM_SESSION_SECONDS, getFormSession, markFormSessionSent, saveFormSession, type FormSession } from './adapters/form-session-store.js';
import { acceptReferral } from './adapters/referral-intake.js';
import {
  ALL_QUESTIONS, answersFrom, answerText, applies, CARDS, CONSENT, countedFields, DANGER, errorHref, fieldId, fieldsOf, questionById,
  questionErrors, referralBody, RISK_OPTIONS, YES_NO, type Answers, type Card, type Field, type Question,
} from './form/questions.js';
import { renderComponent } from './form/render.js';
import { sessionCookie, sessionIdFrom } from './form/session-cookie.js';
import { parseReferral, type FieldError } from './domain/referral.js';
import { findArea } from './domain/routing.js';
import { serviceConfig } from './adapters/service-config.js';
import { httpDefaults } from './http/http-defaults.js';
import { formBody, newSecret, page, redirect, sameToken } from './http/pages.js';
import { escapeHtml } from './domain/agency-email.js';
import { logger, metrics } from './observability.js';

type Result = APIGatewayProxyStructuredResultV2;

const order: readonly Question[] = ALL_QUESTIONS;
/** The next question these answers call for, or the check page after the last. */
const nextAfter = (id: string, answers: Answers) => order.slice(order.findIndex((q) => q.id === id) + 1).find((q) => applies(q, answers))?.id ?? 'check';
const previousOf = (id: string, answers: Answers) => {
  if (id === 'consent') return '/refer/danger';
  const earlier = order.slice(0, Math.max(0, order.findIndex((q) => q.id === id))).filter((q) => applies(q, answers));
  return earlier.length ? `/refer/${earlier.at(-1)!.id}` : '/refer';
};

/** How a field is shown: the page's only question is its heading; a revealed one is small, under its option. */
type Placement = 'single' | 'one-of-several' | 'revealed';

function fieldParams(field: Field, answers: Answers, placement: Placement, errors: FieldError[]): { macro: string; params: Record<string, unknown> } {
  const single = placement === 'single';
  const error = errors.find((e) => e.path === field.name);
  const errorMessage = error ? { text: error.message } : undefined;
  const id = fieldId(field.name);
  const legend = single
    ? { text: field.label, isPageHeading: true, classes: 'govuk-fieldset__legend--l' }
    : { text: field.label, classes: placement === 'revealed' ? 'govuk-fieldset__legend--s' : 'govuk-fieldset__legend--m' };
  const hint = field.hint ? { text: field.hint } : undefined;
  const value = answers[field.name];
  const revealed = (option: { reveal?: Field }) => {
    if (!option.reveal) return undefined;
    const inner = fieldParams(option.reveal, answers, 'revealed', errors);
    return { html: renderComponent(inner.macro, inner.params) };
  };
  switch (field.kind) {
    case 'yes-no':
    case 'risk':
    case 'radios': {
      const options = field.kind === 'yes-no' ? YES_NO : field.kind === 'risk' ? RISK_OPTIONS : field.options!;
      return {
        macro: 'radios',
        params: {
          name: field.name, idPrefix: id, fieldset: { legend }, hint, errorMessage,
          classes: field.kind === 'radios' ? undefined : 'govuk-radios--inline',
          items: options.map((o) => ({ value: o.value, text: o.text, checked: value === o.value, conditional: revealed(o) })),
        },
      };
    }
    case 'checkboxes':
      return {
        macro: 'checkboxes',
        params: {
          name: field.name, idPrefix: id, fieldset: { legend }, hint, errorMessage,
          items: field.options.map((o) => ({ value: o.value, text: o.text, checked: Array.isArray(value) && value.includes(o.value), conditional: revealed(o) })),
        },
      };
    case 'text':
      return {
        macro: 'input',
        params: {
          name: field.name, id, hint, errorMessage, value: typeof value === 'string' ? value : '',
          label: single ? { text: field.label, isPageHeading: true, classes: 'govuk-label--l' } : { text: field.label, classes: 'govuk-label--s' },
          autocomplete: 'off', spellcheck: false, inputmode: field.inputmode, classes: field.width,
          type: field.inputmode === 'email' ? 'email' : field.inputmode === 'tel' ? 'tel' : 'text',
        },
      };
    case 'textarea':
      return {
        macro: 'textarea',
        params: {
          name: field.name, id, hint, errorMessage, value: typeof value === 'string' ? value : '', autocomplete: 'off',
          label: single ? { text: field.label, isPageHeading: true, classes: 'govuk-label--l' } : { text: field.label, classes: 'govuk-label--s' },
        },
      };
    case 'date': {
      const part = (p: string) => { const v = answers[`${field.name}-${p}`]; return typeof v === 'string' ? v : ''; };
      const errorClass = error ? ' govuk-input--error' : '';
      return {
        macro: 'date',
        params: {
          id, namePrefix: field.name, fieldset: { legend }, hint, errorMessage,
          items: [
            { name: 'day', label: 'Day', classes: `govuk-input--width-2${errorClass}`, value: part('day'), autocomplete: 'off' },
            { name: 'month', label: 'Month', classes: `govuk-input--width-2${errorClass}`, value: part('month'), autocomplete: 'off' },
            { name: 'year', label: 'Year', classes: `govuk-input--width-4${errorClass}`, value: part('year'), autocomplete: 'off' },
          ],
        },
      };
    }
  }
}

function questionPage(question: Question, session: FormSession, errors: FieldError[] = [], cookies: string[] = []): Result {
  const single = question.fields.length === 1;
  return page('question.njk', {
    title: question.title, hint: question.hint, pageId: question.id, csrf: session.csrf, single,
    backHref: session.reviewing ? '/refer/check' : previousOf(question.id, session.answers),
    errors: errors.map((e) => ({ text: e.message, href: errorHref(question, e.path) })),
    fields: question.fields.map((f) => fieldParams(f, session.answers, single ? 'single' : 'one-of-several', errors)),
  }, cookies, errors.length ? 400 : 200);
}

const START = {
  title: 'Get help with stalking or harassment',
  paragraphs: [
    'Use this form to ask for help if someone is stalking or harassing you.',
    'We will ask what has been happening and how we can reach you safely. It takes about 10 minutes.',
    'We pass what you tell us to a local support service. Someone from that service will get in touch with you.',
    'Your answers are kept on our system, not on your phone or computer. If you stop for an hour, they are deleted.',
  ],
  linkHref: '/refer/danger', buttonText: 'Start now', startButton: true,
};

/** The service's front door: the form first, and the way in for staff, for anyone who opens the bare address. */
const ROOT = {
  title: START.title,
  paragraphs: [
    'If someone is stalking or harassing you, you can ask for help here. We will pass your request to a local support service.',
    'It takes about 10 minutes. You do not need to have told the police.',
  ],
};

/** Help anyone can reach without us (SPEC §4's national options): for no consent, and for a postcode we do not cover. */
const DIRECT_HELP = [
  'In an emergency, call 999. If you cannot talk, call 999 from a mobile and press 55 when asked.',
  'To report it to the police when it is not an emergency, call 101.',
  'National Stalking Helpline: 0808 802 0300.',
  'Victim Support: 08 08 16 89 111, free, day or night.',
];

/**
 * "Check your answers" as a few cards, one per topic, with a row for each answer given: what was left out
 * or does not apply is not listed, so the page stays short enough to read on a phone.
 */
function checkPage(session: FormSession, errors: FieldError[] = []): Result {
  const { answers } = session;
  const asked = ALL_QUESTIONS.filter((q) => applies(q, answers));
  const change = (question: Question, key: string) => ({ items: [{ href: `/refer/${question.id}`, text: 'Change', visuallyHiddenText: key.toLowerCase() }] });
  type Row = { key: { text: string }; value: { text: string } | { html: string }; actions: ReturnType<typeof change> };
  const rowsOf = (question: Question): Row[] => {
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
  };
  const cards = (Object.keys(CARDS) as Card[]).map((card) => ({
    card: { title: { text: CARDS[card] } },
    rows: asked.filter((q) => q.card === card && !q.unlisted).flatMap(rowsOf),
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

const sessionExpired = () => page('page.njk', {
  title: 'Your answers have been deleted',
  paragraphs: ['To keep you safe, we delete answers after an hour, or if something looks wrong. You will need to start again.'],
  linkHref: '/refer', buttonText: 'Start again',
}, [], 400);

/** How long a form session stays the idempotency key of its referral: well past the session itself. */
const SENT_SESSION_SECONDS = 24 * 60 * 60;

/** Where "Exit this page" leaves for: a neutral site that says nothing about this service. */
const NEUTRAL_SITE = 'https://www.bbc.co.uk/weather';

/**
 * What happens next, truthfully: inside an area a local service is asked to get in touch; outside every
 * area nobody is (the coordinator only decides later whether a team can take it), so the victim is given
 * the national options instead of a promise.
 */
function confirmation(sent: { reference: string; outOfArea: boolean }, sentBefore: boolean, cookies: string[]): Result {
  const again = sentBefore ? ['You had already sent this request, so we have not sent it again. There is still only one request, with this reference.'] : [];
  const reference = `Your reference number<br><strong>${sent.reference}</strong>`;
  if (sent.outOfArea) {
    return page('page.njk', {
      title: 'We have your request, but it is outside our area', panel: reference,
      paragraphs: [
        ...again,
        'The postcode you gave is outside the areas this service covers. We have not asked a local support service to contact you, so please do not wait to hear from us.',
        'You can get help now from these services:',
      ],
      list: DIRECT_HELP,
    }, cookies);
  }
  return page('page.njk', {
    title: 'We have your request for help', panel: reference,
    paragraphs: [
      ...again,
      'A support worker will get in touch with you, using the safe ways you told us. This is usually within 2 working days, and sooner if you may be at risk.',
      'You do not need to write the reference down. If you do, keep it somewhere the person cannot find it.',
      'If you are in danger at any time, call 999.',
    ],
  }, cookies);
}

/**
 * Sends the session's referral and answers with its confirmation, which ends the session in this browser
 * (its cookie expires): the reference is shown once, and nothing of the form can be seen again here.
 */
async function submit(session: FormSession, now: Date, endSession: string[]): Promise<Result> {
  // Sent already (a tap after the confirmation, a retry of a lost answer): the same reference, nothing new.
  if (session.reference) return confirmation({ reference: session.reference, outOfArea: session.outOfArea === true }, true, endSession);
  const result = parseReferral(referralBody(session.answers), now);
  if (!result.ok) return checkPage(session, result.errors);
  // The session is the referral's idempotency key: sends racing each other (a double tap) store one referral.
  const outcome = await acceptReferral({
    submission: result.referral, now,
    idempotency: { key: `form-session:${session.id}`, requestDigest: 'online-form', expiresAt: Math.floor(now.getTime() / 1000) + SENT_SESSION_SECONDS },
  });
  // The same rule routing applies to the stored referral, so the page and the workflow agree.
  const sent = { reference: outcome.reference, outOfArea: !findArea(result.referral.victim.postcode, serviceConfig) };
  // The answers go as soon as the referral is safely stored: only what a repeated send is answered with stays.
  await markFormSessionSent(session, sent, now);
  if (outcome.kind !== 'created') {
    logger.info('Repeat send from the online form answered with its referral', { reference: outcome.reference });
    return confirmation(sent, true, endSession);
  }
  metrics.addMetric('ReferralReceived', MetricUnit.Count, 1);
  logger.info('Referral received from the online form', { reference: outcome.reference, source: 'self' });
  return confirmation(sent, false, endSession);
}

const victimForm = async (event: APIGatewayProxyEventV2): Promise<Result> => {
  const now = new Date();
  const pageId = event.pathParameters?.page ?? '';
  const method = event.requestContext.http.method.toUpperCase();
  if (event.routeKey === 'GET /') return page('start.njk', ROOT);
  if (pageId === '' && method === 'GET') return page('page.njk', START);

  const id = sessionIdFrom(event);
  const endSession = [sessionCookie('', event, 0)];
  if (pageId === 'exit') {
    // Ends the session here and in the browser before leaving: nothing typed can be opened again from it.
    if (id) await deleteFormSession(id);
    return redirect(NEUTRAL_SITE, endSession);
  }
  const existing = id ? await getFormSession(id, now) : undefined;

  if (method === 'GET') {
    let cookies: string[] = [];
    // A sent session is over: its pages, and its confirmation once shown, are not shown again.
    if (existing?.reference) return redirect('/refer', endSession);
    let session = existing;
    if (!session) {
      if (pageId !== 'danger') return redirect('/refer');
      session = { id: newSecret(), csrf: newSecret(), answers: {} };
      await saveFormSession(session, now);
      cookies = [sessionCookie(session.id, event, FORM_SESSION_SECONDS)];
    }
    if (pageId === 'emergency') {
      return page('page.njk', {
        title: 'Call 999 now if you can', backHref: '/refer/danger',
        paragraphs: [
          'If you are in danger, call 999 and ask for the police.',
          'If you cannot talk, call 999 from a mobile. Listen to the questions. Then press 55. This tells the police you need help.',
          'You can carry on with this form when you are safe.',
        ],
        linkHref: '/refer/consent', buttonText: 'Carry on with the form',
      }, cookies);
    }
    if (pageId === 'check') {
      await saveFormSession({ ...session, reviewing: true }, now);
      return checkPage(session);
    }
    const question = questionById(pageId);
    if (!question) return redirect('/refer');
    // A question these answers do not call for (email updates with no email chosen) is passed over.
    if (!applies(question, session.answers)) return redirect(`/refer/${nextAfter(question.id, session.answers)}`, cookies);
    return questionPage(question, session, [], cookies);
  }

  if (method !== 'POST') return redirect('/refer');
  const form = formBody(event);
  if (!existing || !form || !sameToken(existing.csrf, form.get('csrf'))) return sessionExpired();

  if (pageId === 'check' || pageId === 'confirmation') {
    if ((form.get('website') ?? '') !== '') {
      // A person cannot see the trap field; whatever filled it in is not someone asking for help.
      metrics.addMetric('FormTrapSprung', MetricUnit.Count, 1);
      await deleteFormSession(existing.id);
      return sessionExpired();
    }
    return submit(existing, now, endSession);
  }

  const question = questionById(pageId);
  if (!question || existing.reference) return redirect('/refer');
  // A page these answers do not call for takes nothing: what is posted to it would never be checked
  // against the referral, so it is not kept either (a crafted post, or a page left open in another tab).
  if (!applies(question, existing.answers)) return redirect(`/refer/${nextAfter(question.id, existing.answers)}`);
  const answers = { ...existing.answers, ...answersFrom(question, form) };
  const session: FormSession = { ...existing, answers };
  if (question === CONSENT && answers[CONSENT.fields[0]!.name] === 'no') {
    await deleteFormSession(existing.id);
    return page('page.njk', {
      title: 'We have not kept anything you told us',
      paragraphs: ['We can only pass on your request if you agree to us sharing it. You can still get help by contacting a service yourself:'],
      list: DIRECT_HELP,
      linkHref: '/refer', buttonText: 'Go back to the start',
    }, endSession);
  }
  const parsed = parseReferral(referralBody(answers), now);
  const errors = questionErrors(question, answers, parsed.ok ? [] : parsed.errors);
  if (errors.length) {
    // What they typed is shown back to them but not kept: only answers that passed are stored.
    return questionPage(question, session, errors);
  }
  await saveFormSession(session, now);
  if (question === DANGER && answers[DANGER.fields[0]!.name] === 'yes') return redirect('/refer/emergency');
  if (session.reviewing && question !== CONSENT) {
    // A changed answer can call for a question not asked before (email chosen: "email updates?"): ask it first.
    const newlyAsked = order.find((q) => q.applies && applies(q, answers) && !q.fields.some((f) => f.name in answers));
    return redirect(newlyAsked ? `/refer/${newlyAsked.id}` : '/refer/check');
  }
  const next = nextAfter(question.id, answers);
  return redirect(`/refer/${next}`);
};

export const handler = middy(victimForm).use(httpDefaults());
