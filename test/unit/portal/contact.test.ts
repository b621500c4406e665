import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { StoredAssignment, StoredReferral } from '../../../functions/adapters/referral-store.js';
import { Conflict, InvalidInput } from '../../../functions/domain/refusals.js';
import type { ReferralSubmission } from '../../../functions/domain/referral.js';
import submission from '../../fixtures/referral.json' with { type: 'json' };
import { bodyOf, locationOf, NOW, REFERENCE, staffRequest } from '../../support/portal-requests.js';

const actions = vi.hoisted(() => ({ recordContactAttempt: vi.fn(), recordOutcome: vi.fn() }));
const store = vi.hoisted(() => ({ getReferral: vi.fn(), getAssignment: vi.fn() }));
const sessions = vi.hoisted(() => ({ savePortalSession: vi.fn() }));
vi.mock('../../../functions/adapters/referral-actions.js', () => actions);
vi.mock('../../../functions/adapters/referral-store.js', () => store);
vi.mock('../../../functions/adapters/portal-session-store.js', () => sessions);
const contact = await import('../../../functions/portal/routes/contact.js');

const stored: StoredReferral = {
  reference: REFERENCE, status: 'ACKNOWLEDGED', createdAt: '2026-11-17T09:00:00Z', submission: submission as ReferralSubmission, victimKey: 'key', areaId: 'merseyside',
};
const acknowledged = (extra: Partial<StoredAssignment> = {}): StoredAssignment => ({
  reference: REFERENCE, teamId: 'victim-care', areaId: 'merseyside', band: 'HIGH', reason: 'area', status: 'ACKNOWLEDGED',
  assignedAt: '2026-11-17T09:00:00Z', acknowledgedAt: '2026-11-17T10:00:00Z', ...extra,
});
const teamPage = (form?: Record<string, string>, groups = ['victim-care']) =>
  staffRequest(groups, { params: { reference: REFERENCE, teamId: 'victim-care' }, form: form ? { csrf: 'form-token', ...form } : undefined });
const anAttempt = { 'at-day': '18', 'at-month': '11', 'at-year': '2026', 'at-time': '09:45', method: 'phone', reached: 'no', note: 'Rang twice.' };

beforeEach(() => {
  for (const mock of [...Object.values(actions), ...Object.values(store), ...Object.values(sessions)]) mock.mockReset();
  store.getReferral.mockResolvedValue(stored);
  store.getAssignment.mockResolvedValue(acknowledged());
});

describe('recording a contact attempt in the portal', () => {
  it('offers a form whose date and time are now, in London, with the ways to try and whether the person was reached', async () => {
    const page = await contact.showAttempt(teamPage());
    expect(page.statusCode).toBe(200);
    const body = bodyOf(page);
    expect(body).toContain('Record a contact attempt');
    expect(body).toMatch(/name="at-day"[^>]*value="18"/);
    expect(body).toMatch(/name="at-year"[^>]*value="2026"/);
    expect(body).toMatch(/name="at-time"[^>]*value="10:00"/);
    for (const words of ['Phone call', 'Text message', 'Through the referrer', 'In person']) expect(body).toContain(words);
    expect(body).toContain(`action="/portal/referrals/${REFERENCE}/teams/victim-care/contact-attempts"`);
  });

  it('records the attempt as the API body and goes back to the referral with a message', async () => {
    const page = await contact.recordAttempt(teamPage(anAttempt));
    expect(actions.recordContactAttempt).toHaveBeenCalledWith(REFERENCE, 'victim-care',
      { at: '2026-11-18T09:45:00.000Z', method: 'phone', reached: false, note: 'Rang twice.' }, expect.objectContaining({ userId: 'user-1' }), NOW);
    expect(page.statusCode).toBe(303);
    expect(locationOf(page)).toBe(`/portal/referrals/${REFERENCE}`);
    expect(sessions.savePortalSession).toHaveBeenCalledWith(expect.objectContaining({ flash: expect.stringContaining('did not reach the person') }), NOW);
  });

  it('shows each problem beside its field and in the summary, keeps what was typed, and records nothing', async () => {
    const page = await contact.recordAttempt(teamPage({ 'at-day': '31', 'at-month': '2', 'at-year': '2026', 'at-time': '9:45', note: 'Kept this.' }));
    expect(page.statusCode).toBe(400);
    const body = bodyOf(page);
    expect(body).toContain('href="#at-day">The date of the attempt must be a real date');
    expect(body).toContain('href="#method">Choose how you tried to make contact');
    expect(body).toContain('href="#reached">Say whether you reached the person');
    expect(body).toMatch(/<textarea[^>]*>Kept this.<\/textarea>/);
    expect(actions.recordContactAttempt).not.toHaveBeenCalled();
  });

  it('puts a time the action refuses (in the future) on the date field', async () => {
    actions.recordContactAttempt.mockRejectedValue(new InvalidInput({ path: 'at', message: 'The time of the attempt must not be in the future.' }));
    const page = await contact.recordAttempt(teamPage(anAttempt));
    expect(page.statusCode).toBe(400);
    expect(bodyOf(page)).toContain('href="#at-day">The time of the attempt must not be in the future.');
  });

  it('is not found for another team, refused without the form token, and explained once the assignment has moved on', async () => {
    expect((await contact.showAttempt(teamPage(undefined, ['mdvs']))).statusCode).toBe(404);
    expect((await contact.recordAttempt(staffRequest(['victim-care'], { params: { reference: REFERENCE, teamId: 'victim-care' }, form: { ...anAttempt, csrf: 'stale' } }))).statusCode).toBe(403);
    store.getAssignment.mockResolvedValue(acknowledged({ outcome: 'support-accepted' }));
    expect((await contact.showAttempt(teamPage())).statusCode).toBe(409);
    store.getAssignment.mockResolvedValue(acknowledged({ status: 'NOTIFIED' }));
    expect(bodyOf(await contact.showAttempt(teamPage()))).toContain('Acknowledge this referral before recording');
    store.getAssignment.mockResolvedValue(acknowledged());
    actions.recordContactAttempt.mockRejectedValue(new Conflict({ path: 'status', message: 'This assignment has moved on: no attempt was added.' }));
    expect((await contact.recordAttempt(teamPage(anAttempt))).statusCode).toBe(409);
    expect(sessions.savePortalSession).not.toHaveBeenCalled();
  });
});

describe('recording the outcome in the portal', () => {
  it('offers the five outcomes in plain words and a reason', async () => {
    const body = bodyOf(await contact.showOutcome(teamPage()));
    for (const words of ['Support accepted', 'Support declined by the person', 'Unable to contact', 'Referred to another service', 'Not appropriate for this service']) {
      expect(body).toContain(words);
    }
    expect(body).toContain('name="reason"');
  });

  it('asks to check and confirm before anything is recorded, and lets the answers be changed', async () => {
    const check = await contact.submitOutcome(teamPage({ outcome: 'unable-to-contact', reason: 'Five tries in a week.' }));
    expect(check.statusCode).toBe(200);
    expect(bodyOf(check)).toContain('Check and confirm the outcome');
    expect(bodyOf(check)).toContain('Unable to contact');
    expect(bodyOf(check)).toMatch(/type="hidden" name="reason" value="Five tries in a week."/);
    expect(actions.recordOutcome).not.toHaveBeenCalled();

    const change = await contact.submitOutcome(teamPage({ outcome: 'unable-to-contact', reason: 'Five tries in a week.', step: 'change' }));
    expect(bodyOf(change)).toMatch(/value="unable-to-contact" checked/);
    expect(actions.recordOutcome).not.toHaveBeenCalled();

    const done = await contact.submitOutcome(teamPage({ outcome: 'unable-to-contact', reason: 'Five tries in a week.', step: 'confirm' }));
    expect(actions.recordOutcome).toHaveBeenCalledWith(REFERENCE, 'victim-care', { outcome: 'unable-to-contact', reason: 'Five tries in a week.' }, expect.objectContaining({ userId: 'user-1' }), NOW);
    expect(locationOf(done)).toBe(`/portal/referrals/${REFERENCE}`);
    expect(sessions.savePortalSession).toHaveBeenCalledWith(expect.objectContaining({ flash: 'Outcome recorded for Victim Care Merseyside: Unable to contact.' }), NOW);
  });

  it('asks for an outcome and a reason, with the summary linking to each', async () => {
    const page = await contact.submitOutcome(teamPage({ reason: '' }));
    expect(page.statusCode).toBe(400);
    expect(bodyOf(page)).toContain('href="#outcome">Choose the outcome');
    expect(bodyOf(page)).toContain('href="#reason">Say briefly why this is the outcome');
  });

  it('explains a different outcome recorded meanwhile, and changes nothing', async () => {
    actions.recordOutcome.mockRejectedValue(new Conflict({ path: 'outcome', message: 'The outcome "support-accepted" is already recorded for this assignment.' }));
    const page = await contact.submitOutcome(teamPage({ outcome: 'unable-to-contact', reason: 'Five tries in a week.', step: 'confirm' }));
    expect(page.statusCode).toBe(409);
    expect(sessions.savePortalSession).not.toHaveBeenCalled();
  });
});
