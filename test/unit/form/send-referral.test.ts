import { beforeEach, describe, expect, it, vi } from 'vitest';
import { deleteFormSession, markFormSessionSent } from '../../../functions/adapters/form-session-store.js';
import { acceptReferral } from '../../../functions/adapters/referral-intake.js';
import { sendReferral } from '../../../functions/form/send-referral.js';
import { aSession, completeAnswers, END_SESSION, formRequest, NOW, SESSION_ID, wordsOf } from '../../support/form-request.js';

vi.mock('../../../functions/adapters/form-session-store.js', () => ({
  FORM_SESSION_SECONDS: 3600, getFormSession: vi.fn(), saveFormSession: vi.fn(), deleteFormSession: vi.fn(), markFormSessionSent: vi.fn(),
}));
vi.mock('../../../functions/adapters/referral-intake.js', () => ({ acceptReferral: vi.fn() }));

beforeEach(() => {
  vi.clearAllMocks();
  vi.mocked(acceptReferral).mockResolvedValue({ kind: 'created', reference: 'SR-K7QD-3MXA' } as Awaited<ReturnType<typeof acceptReferral>>);
});

const send = (session = aSession({ answers: completeAnswers() }), website = '') =>
  sendReferral(formRequest('confirmation', { form: { website } }), session, new URLSearchParams({ website }));

describe('sending the form', () => {
  it('gives them their reference once the referral is stored, and ends the session in their browser', async () => {
    const page = await send();
    expect(page.statusCode).toBe(200);
    expect(wordsOf(page.body)).toContain('We have your request for help');
    expect(wordsOf(page.body)).toContain('Your reference number SR-K7QD-3MXA');
    expect(page.cookies).toEqual([END_SESSION]);
    expect(acceptReferral).toHaveBeenCalledWith(expect.objectContaining({
      now: NOW, submission: expect.objectContaining({ victim: expect.objectContaining({ lastName: 'Penhallow' }) }),
      idempotency: expect.objectContaining({ key: `form-session:${SESSION_ID}`, requestDigest: 'online-form' }),
    }));
    expect(markFormSessionSent).toHaveBeenCalledWith(expect.objectContaining({ id: SESSION_ID }), { reference: 'SR-K7QD-3MXA', outOfArea: false }, NOW);
  });

  it('tells them plainly that nobody local will call, and where to get help now, when their postcode is outside every area', async () => {
    const page = await send(aSession({ answers: completeAnswers({}, 'M1 1AA') }));
    expect(wordsOf(page.body)).toContain('We have your request, but it is outside our area');
    expect(wordsOf(page.body)).toContain('please do not wait to hear from us');
    expect(wordsOf(page.body)).toContain('Victim Support: 08 08 16 89 111');
    expect(markFormSessionSent).toHaveBeenCalledWith(expect.anything(), { reference: 'SR-K7QD-3MXA', outOfArea: true }, NOW);
  });

  it('shows the same reference again, and sends nothing, when they press Send after it was sent', async () => {
    const page = await send(aSession({ reference: 'SR-K7QD-3MXA', outOfArea: true }));
    expect(wordsOf(page.body)).toContain('You had already sent this request, so we have not sent it again.');
    expect(wordsOf(page.body)).toContain('outside our area');
    expect(acceptReferral).not.toHaveBeenCalled();
  });

  it('says it was already sent when an earlier tap stored the referral', async () => {
    vi.mocked(acceptReferral).mockResolvedValue({ kind: 'idempotent-repeat', reference: 'SR-K7QD-3MXA', sameRequest: true } as Awaited<ReturnType<typeof acceptReferral>>);
    const page = await send();
    expect(wordsOf(page.body)).toContain('You had already sent this request');
    expect(wordsOf(page.body)).toContain('SR-K7QD-3MXA');
  });

  it('shows them what is missing on check answers, and sends nothing, when the form is not complete', async () => {
    const page = await send(aSession({ answers: { immediateDanger: 'no', 'consent.shareWithServices': 'yes' } }));
    expect(page.statusCode).toBe(400);
    expect(wordsOf(page.body)).toContain('Check your answers');
    expect(String(page.body)).toContain('govuk-error-summary');
    expect(acceptReferral).not.toHaveBeenCalled();
    expect(markFormSessionSent).not.toHaveBeenCalled();
  });

  it('deletes the answers and sends nothing when the hidden trap field is filled in', async () => {
    const page = await send(aSession({ answers: completeAnswers() }), 'http://spam.example');
    expect(page.statusCode).toBe(400);
    expect(wordsOf(page.body)).toContain('Your answers have been deleted');
    expect(deleteFormSession).toHaveBeenCalledWith(SESSION_ID);
    expect(acceptReferral).not.toHaveBeenCalled();
  });
});
