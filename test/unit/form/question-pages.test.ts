import { beforeEach, describe, expect, it, vi } from 'vitest';
import { deleteFormSession, saveFormSession } from '../../../functions/adapters/form-session-store.js';
import { answerQuestion, showEmergency, showQuestion } from '../../../functions/form/question-pages.js';
import { aSession, completeAnswers, END_SESSION, formRequest, NOW, SESSION_ID, wordsOf } from '../../support/form-request.js';

vi.mock('../../../functions/adapters/form-session-store.js', () => ({
  FORM_SESSION_SECONDS: 3600, getFormSession: vi.fn(), saveFormSession: vi.fn(), deleteFormSession: vi.fn(), markFormSessionSent: vi.fn(),
}));

beforeEach(() => vi.clearAllMocks());

const answer = (pageId: string, form: Record<string, string | string[]>, session = aSession()) =>
  answerQuestion(formRequest(pageId, { form }), session, new URLSearchParams(Object.entries(form).flatMap(([k, v]) => [v].flat().map((x) => [k, x]))));

describe('a question page, for the person filling in the form', () => {
  it('shows what they answered before, and a Back link to the question before it', async () => {
    const page = await showQuestion(formRequest('name'), aSession({ answers: { 'victim.firstName': 'Ceri' } }), []);
    expect(page.statusCode).toBe(200);
    expect(String(page.body)).toContain('value="Ceri"');
    expect(String(page.body)).toContain('href="/refer/helper" class="govuk-back-link"');
  });

  it('has its Back link go to check answers once they have seen them', async () => {
    const page = await showQuestion(formRequest('name'), aSession({ reviewing: true }), []);
    expect(String(page.body)).toContain('href="/refer/check" class="govuk-back-link"');
  });

  it('passes them over a question their answers do not call for', async () => {
    const page = await showQuestion(formRequest('updates'), aSession({ answers: completeAnswers() }), []);
    expect(page.statusCode).toBe(303);
    expect(page.headers?.location).toBe('/refer/relationship');
  });

  it('sends them back to the start for a page the form does not have', async () => {
    const page = await showQuestion(formRequest('no-such-page'), aSession(), []);
    expect(page.headers?.location).toBe('/refer');
  });

  it('gives them the session cookie on the first page of a new form', async () => {
    const page = await showQuestion(formRequest('danger'), aSession(), ['referral-form=new']);
    expect(page.cookies).toEqual(['referral-form=new']);
    expect(wordsOf(page.body)).toContain('Are you in danger right now?');
  });

  it('tells them how to call for help silently on the emergency page, and lets them carry on', async () => {
    const page = await showEmergency(formRequest('emergency'), aSession(), []);
    expect(wordsOf(page.body)).toContain('Then press 55.');
    expect(String(page.body)).toContain('href="/refer/consent"');
  });
});

describe('answering a question', () => {
  it('keeps an answer that passes and moves them on to the next question', async () => {
    const next = await answer('name', { 'victim.firstName': 'Ceri', 'victim.lastName': 'Penhallow' }, aSession({ answers: { immediateDanger: 'no' } }));
    expect(next.statusCode).toBe(303);
    expect(next.headers?.location).toBe('/refer/date-of-birth');
    expect(saveFormSession).toHaveBeenCalledWith(
      expect.objectContaining({ id: SESSION_ID, answers: { immediateDanger: 'no', 'victim.firstName': 'Ceri', 'victim.lastName': 'Penhallow' } }), NOW,
    );
  });

  it('shows them what they typed with what is wrong with it, and keeps none of it', async () => {
    const page = await answer('name', { 'victim.firstName': '', 'victim.lastName': 'Penhallow' });
    expect(page.statusCode).toBe(400);
    expect(wordsOf(page.body)).toContain('Enter your first name');
    expect(String(page.body)).toContain('value="Penhallow"');
    expect(saveFormSession).not.toHaveBeenCalled();
  });

  it('sends someone in danger right now to the emergency page first', async () => {
    const next = await answer('danger', { immediateDanger: 'yes' });
    expect(next.headers?.location).toBe('/refer/emergency');
  });

  it('keeps nothing, ends the session and points to help elsewhere when they do not agree to sharing', async () => {
    const page = await answer('consent', { 'consent.shareWithServices': 'no' }, aSession({ answers: { immediateDanger: 'no' } }));
    expect(page.statusCode).toBe(200);
    expect(wordsOf(page.body)).toContain('We have not kept anything you told us');
    expect(wordsOf(page.body)).toContain('National Stalking Helpline: 0808 802 0300.');
    expect(page.cookies).toEqual([END_SESSION]);
    expect(deleteFormSession).toHaveBeenCalledWith(SESSION_ID);
    expect(saveFormSession).not.toHaveBeenCalled();
  });

  it('takes them back to check answers after a change there', async () => {
    const next = await answer('name', { 'victim.firstName': 'Ceri', 'victim.lastName': 'Penhallow-Jones' }, aSession({ answers: completeAnswers(), reviewing: true }));
    expect(next.headers?.location).toBe('/refer/check');
  });

  it('asks a question a change calls for before going back to check answers', async () => {
    const contact = { 'victim.safeContact.methods': ['email'], 'victim.email': 'c@example.org', 'victim.phone': '', 'victim.mobile': '', 'victim.address': '' };
    const next = await answer('contact', contact, aSession({ answers: completeAnswers(), reviewing: true }));
    expect(next.headers?.location).toBe('/refer/updates');
  });

  it('keeps nothing posted to a form already sent', async () => {
    const next = await answer('name', { 'victim.firstName': 'Ceri', 'victim.lastName': 'Penhallow' }, aSession({ reference: 'SR-AAAA-BBBB' }));
    expect(next.headers?.location).toBe('/refer');
    expect(saveFormSession).not.toHaveBeenCalled();
  });

  it('keeps nothing posted to a question their answers do not call for', async () => {
    const next = await answer('updates', { 'updates.byEmail': 'yes' }, aSession({ answers: completeAnswers() }));
    expect(next.headers?.location).toBe('/refer/relationship');
    expect(saveFormSession).not.toHaveBeenCalled();
  });
});
