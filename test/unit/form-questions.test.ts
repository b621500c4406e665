import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseReferral } from '../../functions/domain/referral.js';
import { needsHousingTeam } from '../../functions/domain/routing.js';
import { ALL_QUESTIONS, applies, fieldsOf, questionById, questionErrors, referralBody, type Answers } from '../../functions/form/questions.js';
import { formAnswers } from '../support/form-visitor.js';

const NOW = new Date('2026-11-18T10:00:00Z');

/** Every page answered as the integration tests answer it: a complete, valid form. */
function complete(change: Answers = {}): Answers {
  const answers: Answers = {};
  for (const [, fields] of formAnswers({ firstName: 'Ceri', lastName: 'Penhallow', postcode: 'L1 8JQ' })) Object.assign(answers, fields);
  return { ...answers, ...change };
}

const errorsOn = (pageId: string, answers: Answers) => {
  const parsed = parseReferral(referralBody(answers), NOW);
  return questionErrors(questionById(pageId)!, answers, parsed.ok ? [] : parsed.errors);
};

describe('the online form\u2019s questions', () => {
  it('make a referral the API accepts when every page is answered', () => {
    const parsed = parseReferral(referralBody(complete()), NOW);
    expect(parsed.ok ? [] : parsed.errors).toEqual([]);
  });

  it('stop on the contact page when phone or text is chosen with no number, not later at Send', () => {
    expect(errorsOn('contact', complete({ 'victim.safeContact.methods': ['phone'], 'victim.phone': '' })))
      .toEqual([{ path: 'victim.phone', message: 'Enter the phone number we can call you on' }]);
    expect(errorsOn('contact', complete({ 'victim.safeContact.methods': ['text'], 'victim.phone': '', 'victim.mobile': '' })).map((e) => e.path))
      .toEqual(['victim.mobile']);
    // Texts may go to the phone number given for calls.
    expect(errorsOn('contact', complete({ 'victim.safeContact.methods': ['phone', 'text'], 'victim.mobile': '' }))).toEqual([]);
    expect(errorsOn('contact', complete({ 'victim.safeContact.methods': ['email'], 'victim.phone': '' })))
      .toEqual([{ path: 'victim.email', message: 'Enter the email address we can use' }]);
  });

  it('never pass on a contact detail typed under a way that was then unticked: it was not said to be safe', () => {
    const body = referralBody(complete({ 'victim.safeContact.methods': ['letter'], 'victim.phone': '07700 900456', 'victim.email': 'x@example.org', 'victim.address': '1 High St' }));
    expect(body.victim).not.toHaveProperty('phone');
    expect(body.victim).not.toHaveProperty('email');
    expect(body.victim).toMatchObject({ address: '1 High St' });
  });

  it('ask about email updates only when email is a safe way, and drop the answer when it no longer is', () => {
    const updates = questionById('updates')!;
    expect(applies(updates, complete())).toBe(false);
    const withEmail = complete({ 'victim.safeContact.methods': ['email'], 'victim.email': 'c@example.org', 'updates.byEmail': 'yes' });
    expect(applies(updates, withEmail)).toBe(true);
    expect(referralBody(withEmail).updates).toEqual({ byEmail: true });
    expect(referralBody({ ...withEmail, 'victim.safeContact.methods': ['phone'] })).not.toHaveProperty('updates');
  });

  it('record a helper only when someone says they are filling it in for someone else, and say how they know them', () => {
    expect(applies(questionById('helper-relationship')!, complete())).toBe(false);
    expect(errorsOn('helper-relationship', complete({ 'form.forSomeoneElse': 'yes', 'helper.relationship': '' })))
      .toEqual([{ path: 'helper.relationship', message: 'Say how you know the person you are helping' }]);
    expect(referralBody(complete({ 'form.forSomeoneElse': 'yes', 'helper.relationship': 'Sister' })).helper).toEqual({ relationship: 'Sister' });
    expect(referralBody(complete({ 'form.forSomeoneElse': 'no', 'helper.relationship': 'Sister' }))).not.toHaveProperty('helper');
    expect(referralBody(complete())).not.toHaveProperty('form');
  });

  it('route to housing support on damage at home from the form alone', () => {
    const parsed = parseReferral(referralBody(complete({
      'housing.unsafeAtHome': 'no', 'housing.needsSupport': 'no', 'housing.personKnowsAddress': 'no', 'housing.propertyDamagedAtHome': 'yes',
    })), NOW);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    expect(needsHousingTeam(parsed.referral.housing, 'ex-partner')).toBe(true);
  });

  it('take a rough count of times as a number, and refuse words with a message on that page', () => {
    expect((referralBody(complete({ 'incident.timesCount': '1,200' })).incident as Record<string, unknown>).timesCount).toBe(1200);
    expect(errorsOn('times-count', complete({ 'incident.timesCount': 'loads' })).map((e) => e.path)).toEqual(['incident.timesCount']);
    expect(errorsOn('times-count', complete({ 'incident.timesCount': '' }))).toEqual([]);
  });

  it('refuse any value a radio or checkbox does not offer, form-only answers included', () => {
    const choices = ALL_QUESTIONS.flatMap((q) => fieldsOf(q).map((p) => ({ q, field: p.field })))
      .filter(({ field }) => ['radios', 'yes-no', 'risk', 'checkboxes'].includes(field.kind));
    fc.assert(fc.property(fc.constantFrom(...choices), fc.string({ minLength: 1 }).filter((v) => !['yes', 'no', 'unsure'].includes(v.trim()) && v.trim() !== ''), ({ q, field }, odd) => {
      const answers = complete({ [field.name]: field.kind === 'checkboxes' ? [odd] : odd });
      expect(questionErrors(q, answers, []).map((e) => e.path)).toContain(field.name);
    }));
  });
});
