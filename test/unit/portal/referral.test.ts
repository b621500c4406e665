import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { StoredAssignment, StoredReferral } from '../../../functions/adapters/referral-store.js';
import { Conflict, NotFound } from '../../../functions/domain/refusals.js';
import type { ReferralSubmission } from '../../../functions/domain/referral.js';
import submission from '../../fixtures/referral.json' with { type: 'json' };
import { bodyOf, locationOf, NOW, REFERENCE, staffRequest } from '../../support/portal-requests.js';

const actions = vi.hoisted(() => ({ viewReferral: vi.fn(), acknowledgeAssignment: vi.fn(), declineAssignment: vi.fn(), reassignmentTargets: vi.fn() }));
const store = vi.hoisted(() => ({ getReferral: vi.fn(), listAssignments: vi.fn() }));
const sessions = vi.hoisted(() => ({ savePortalSession: vi.fn() }));
vi.mock('../../../functions/adapters/referral-actions.js', () => actions);
vi.mock('../../../functions/adapters/referral-store.js', () => store);
vi.mock('../../../functions/adapters/portal-session-store.js', () => sessions);
const referral = await import('../../../functions/portal/routes/referral.js');

const stored: StoredReferral = {
  reference: REFERENCE, status: 'AWAITING_ACK', createdAt: '2026-11-17T09:00:00Z', submission: submission as ReferralSubmission, victimKey: 'key', areaId: 'merseyside',
};
const assignment = (teamId: string, status: StoredAssignment['status'], extra: Partial<StoredAssignment> = {}): StoredAssignment => ({
  reference: REFERENCE, teamId, areaId: 'merseyside', band: 'HIGH', reason: 'area', status, assignedAt: '2026-11-17T09:00:00Z', deadlineAt: '2026-11-19T17:00:00Z', ...extra,
});
const teamPage = (form?: Record<string, string>) => staffRequest(['victim-care'], { params: { reference: REFERENCE, teamId: 'victim-care' }, form });

beforeEach(() => {
  for (const mock of [...Object.values(actions), ...Object.values(store), ...Object.values(sessions)]) mock.mockReset();
  const assignments = [assignment('victim-care', 'NOTIFIED'), assignment('mdvs', 'DECLINED', { declineReason: 'No capacity this month' })];
  actions.viewReferral.mockResolvedValue({ referral: stored, assignments, events: [] });
  actions.reassignmentTargets.mockReturnValue([]);
  store.getReferral.mockResolvedValue(stored);
  store.listAssignments.mockResolvedValue(assignments);
});

describe('the referral page', () => {
  it("shows a caseworker the safe ways to contact the person and their own team's assignment, not another team's", async () => {
    const page = await referral.show(staffRequest(['victim-care'], { params: { reference: REFERENCE } }));
    expect(page.statusCode).toBe(200);
    expect(actions.viewReferral).toHaveBeenCalledWith(REFERENCE, expect.objectContaining({ groups: ['victim-care'] }), NOW);
    const body = bodyOf(page);
    expect(body).toContain('Contact only by: Text message, Email. Do not use any other way.');
    expect(body).toContain('<strong class="govuk-tag govuk-tag--blue">New</strong>');
    expect(body).toContain(`href="/portal/referrals/${REFERENCE}/teams/victim-care/acknowledge"`);
    expect(body).not.toContain('No capacity this month');
  });

  it("offers the default area's coordinator an out-of-area referral's two ways on: a team, or signposting elsewhere", async () => {
    // Stored out of area before referrals were kept under the default area: no area of its own.
    const { areaId: _areaId, ...earlier } = stored;
    actions.viewReferral.mockResolvedValue({ referral: { ...earlier, status: 'OUT_OF_AREA' }, assignments: [], events: [] });
    actions.reassignmentTargets.mockReturnValue([{ id: 'mdvs' }]);
    const body = bodyOf(await referral.show(staffRequest(['coordinator-merseyside'], { params: { reference: REFERENCE } })));
    expect(body).toContain('id="out-of-area"');
    expect(body).toContain(`href="/portal/referrals/${REFERENCE}/reassign"`);
    expect(body).toContain(`href="/portal/referrals/${REFERENCE}/signpost"`);
  });

  it('shows a signposted referral closed, with when and why', async () => {
    const closure = { kind: 'signposted-elsewhere' as const, reason: 'Given the Westminster service and the national helpline', at: '2026-11-17T10:00:00Z', by: 'user-1' };
    actions.viewReferral.mockResolvedValue({ referral: { ...stored, status: 'CLOSED', closure }, assignments: [], events: [] });
    const body = bodyOf(await referral.show(staffRequest(['coordinator-merseyside'], { params: { reference: REFERENCE } })));
    expect(body).toContain('id="closure"');
    expect(body).toContain('signposted elsewhere');
    expect(body).toContain(closure.reason);
    expect(body).not.toContain('/signpost"');
  });

  it("shows the area's coordinator every team's assignment, an overdue one tagged as such", async () => {
    actions.viewReferral.mockResolvedValue({ referral: stored, assignments: [assignment('mdvs', 'REMINDED', { deadlineAt: '2026-11-17T17:00:00Z' })], events: [] });
    const body = bodyOf(await referral.show(staffRequest(['coordinator-merseyside'], { params: { reference: REFERENCE } })));
    expect(body).toContain('<strong class="govuk-tag govuk-tag--orange">Reminded</strong> <strong class="govuk-tag govuk-tag--red">Overdue</strong>');
    expect(body).not.toContain('/teams/mdvs/acknowledge');
  });

  it('shows the team a declined referral was passed to which team declined it, when and why', async () => {
    actions.viewReferral.mockResolvedValue({
      referral: stored, events: [],
      assignments: [
        assignment('mdvs', 'DECLINED', { declineReason: 'No capacity this month', declinedAt: '2026-11-17T10:00:00Z' }),
        assignment('victim-care', 'NOTIFIED', { reroutedFrom: 'mdvs', reason: 'fallback-for:mdvs' }),
      ],
    });
    const body = bodyOf(await referral.show(staffRequest(['victim-care'], { params: { reference: REFERENCE } })));
    expect(body).toContain('Passed on by');
    expect(body).toContain('Merseyside Domestic Violence and Stalking Service, who declined it on Tue, 17 Nov 2026, 10:00 GMT');
    expect(body).toContain('Merseyside Domestic Violence and Stalking Service declined because');
    expect(body).toContain('No capacity this month');
    // Still only its own assignment's card: the declining team's actions are not offered.
    expect(body).not.toContain('/teams/mdvs/');
  });

  it('warns at the top of the page, in words, when the person was said to be in danger now', async () => {
    actions.viewReferral.mockResolvedValue({ referral: { ...stored, submission: { ...stored.submission, immediateDanger: true } }, assignments: [assignment('victim-care', 'NOTIFIED')], events: [] });
    const body = bodyOf(await referral.show(staffRequest(['victim-care'], { params: { reference: REFERENCE } })));
    const warning = body.indexOf('id="in-danger-now"');
    expect(warning).toBeGreaterThan(0);
    expect(warning).toBeLessThan(body.indexOf('id="safe-contact"'));
    expect(body).toMatch(/govuk-warning-text__icon[^>]*aria-hidden="true">!<\/span>\s*<strong class="govuk-warning-text__text">\s*<span class="govuk-visually-hidden">Warning<\/span>\s*In danger now:/);
  });

  it('has no danger warning when the person was not said to be in danger', async () => {
    const body = bodyOf(await referral.show(staffRequest(['victim-care'], { params: { reference: REFERENCE } })));
    expect(body).not.toContain('id="in-danger-now"');
  });

  it('offers a team that acknowledged the contact and outcome forms, and shows its attempts with their notes', async () => {
    const attempts = [
      { reference: REFERENCE, teamId: 'victim-care', at: '2026-11-17T11:00:00Z', method: 'phone', reached: false, note: 'No answer.', recordedAt: '2026-11-17T11:01:00Z', recordedBy: 'u1' },
      { reference: REFERENCE, teamId: 'mdvs', at: '2026-11-17T12:00:00Z', method: 'text', reached: true, note: 'Another team’s note', recordedAt: '2026-11-17T12:01:00Z', recordedBy: 'u2' },
    ];
    actions.viewReferral.mockResolvedValue({ referral: { ...stored, status: 'ACKNOWLEDGED' }, assignments: [assignment('victim-care', 'ACKNOWLEDGED')], events: [], attempts });
    const body = bodyOf(await referral.show(staffRequest(['victim-care'], { params: { reference: REFERENCE } })));
    expect(body).toContain(`href="/portal/referrals/${REFERENCE}/teams/victim-care/contact-attempts"`);
    expect(body).toContain(`href="/portal/referrals/${REFERENCE}/teams/victim-care/outcome"`);
    expect(body).toContain('No answer.');
    expect(body).not.toContain('Another team’s note');
  });

  it('shows a closed referral as CLOSED with the outcome, and no more forms', async () => {
    const finished = assignment('victim-care', 'ACKNOWLEDGED', { outcome: 'support-accepted', outcomeReason: 'Weekly calls agreed.', outcomeAt: '2026-11-18T09:00:00Z', firstContactAt: '2026-11-17T12:00:00Z' });
    const events = [{ reference: REFERENCE, at: '2026-11-18T09:00:00Z', actor: 'user:u1', type: 'OUTCOME_RECORDED', teamId: 'victim-care', to: 'support-accepted', detail: { username: 'casey' } },
      { reference: REFERENCE, at: '2026-11-17T12:01:00Z', actor: 'user:u1', type: 'CONTACT_ATTEMPT_RECORDED', teamId: 'victim-care', detail: { username: 'casey', method: 'text', reached: true, attemptAt: '2026-11-17T12:00:00Z' } }];
    actions.viewReferral.mockResolvedValue({ referral: { ...stored, status: 'CLOSED' }, assignments: [finished], events, attempts: [] });
    const body = bodyOf(await referral.show(staffRequest(['victim-care'], { params: { reference: REFERENCE } })));
    expect(body).toContain('CLOSED</strong>');
    expect(body).toContain('Support accepted. Weekly calls agreed.');
    expect(body).toContain('Outcome recorded (Victim Care Merseyside) – → support-accepted');
    expect(body).toContain('Contact attempt recorded (Victim Care Merseyside) Text message, reached the person, Tue, 17 Nov 2026, 12:00 GMT');
    expect(body).not.toContain('/contact-attempts"');
    expect(body).not.toContain('/outcome"');
  });

  it('leaves a refusal to the portal, which answers it as not found', async () => {
    actions.viewReferral.mockRejectedValue(new NotFound({ path: 'reference', message: 'No such referral.' }));
    await expect(referral.show(staffRequest(['housing-support'], { params: { reference: REFERENCE } }))).rejects.toBeInstanceOf(NotFound);
  });
});

describe('acknowledging', () => {
  it('asks the caseworker to confirm, with the reference, team and deadline', async () => {
    const page = await referral.confirmAcknowledgement(teamPage());
    expect(page.statusCode).toBe(200);
    const body = bodyOf(page);
    expect(body).toContain('Acknowledge this referral?');
    expect(body).toContain('Victim Care Merseyside');
    expect(body).toContain('Thu, 19 Nov 2026, 17:00 GMT');
    expect(body).toContain(`action="/portal/referrals/${REFERENCE}/teams/victim-care/acknowledge"`);
  });

  it("does not show another team's confirmation at all", async () => {
    const page = await referral.confirmAcknowledgement(staffRequest(['victim-care'], { params: { reference: REFERENCE, teamId: 'mdvs' } }));
    expect(page.statusCode).toBe(404);
    expect(store.getReferral).not.toHaveBeenCalled();
  });

  it('records the acknowledgement and takes the caseworker back to the referral with a message', async () => {
    const page = await referral.acknowledge(teamPage({ csrf: 'form-token' }));
    expect(actions.acknowledgeAssignment).toHaveBeenCalledWith(REFERENCE, 'victim-care', expect.objectContaining({ userId: 'user-1' }), NOW);
    expect(page.statusCode).toBe(303);
    expect(locationOf(page)).toBe(`/portal/referrals/${REFERENCE}`);
    expect(sessions.savePortalSession).toHaveBeenCalledWith(expect.objectContaining({ flash: `Referral ${REFERENCE} acknowledged for Victim Care Merseyside.` }), NOW);
  });

  it('changes nothing for a form without this session’s token', async () => {
    const page = await referral.acknowledge(teamPage({ csrf: 'someone-elses' }));
    expect(page.statusCode).toBe(403);
    expect(bodyOf(page)).toContain('This form has expired');
    expect(actions.acknowledgeAssignment).not.toHaveBeenCalled();
  });

  it('tells the caseworker when the assignment has moved on, on the same page with a 409', async () => {
    actions.acknowledgeAssignment.mockRejectedValue(new Conflict({ path: 'status', message: 'This assignment is declined, so it cannot be acknowledged.' }));
    const page = await referral.acknowledge(teamPage({ csrf: 'form-token' }));
    expect(page.statusCode).toBe(409);
    expect(bodyOf(page)).toContain('This assignment is declined, so it cannot be acknowledged.');
    expect(sessions.savePortalSession).not.toHaveBeenCalled();
  });
});

describe('declining', () => {
  it('passes the reason on and sends the caseworker to their inbox, where the referral no longer is', async () => {
    const page = await referral.decline(teamPage({ csrf: 'form-token', reason: '  We have no capacity this month  ' }));
    expect(actions.declineAssignment).toHaveBeenCalledWith(REFERENCE, 'victim-care', 'We have no capacity this month', expect.objectContaining({ userId: 'user-1' }), NOW);
    expect(locationOf(page)).toBe('/portal/inbox');
    expect(sessions.savePortalSession).toHaveBeenCalledWith(expect.objectContaining({ flash: `Referral ${REFERENCE} declined. It is being passed to another team.` }), NOW);
  });

  it('asks again for a reason too short to help the next team, keeping what was typed', async () => {
    const page = await referral.decline(teamPage({ csrf: 'form-token', reason: 'no' }));
    expect(page.statusCode).toBe(400);
    expect(bodyOf(page)).toContain('Say why your team cannot take this referral.');
    expect(bodyOf(page)).toMatch(/<textarea[^>]*>no<\/textarea>/);
    expect(actions.declineAssignment).not.toHaveBeenCalled();
  });

  it('shows why a decline came too late beside the reason', async () => {
    actions.declineAssignment.mockRejectedValue(new Conflict({ path: 'status', message: 'This assignment is acknowledged and can no longer be declined.' }));
    const page = await referral.decline(teamPage({ csrf: 'form-token', reason: 'We have no capacity' }));
    expect(page.statusCode).toBe(400);
    expect(bodyOf(page)).toContain('href="#reason">This assignment is acknowledged and can no longer be declined.');
  });

  it('refuses a form posted to the referral itself', async () => {
    const page = await referral.refuseForm(staffRequest(['victim-care'], { params: { reference: REFERENCE }, form: { csrf: 'form-token' } }));
    expect(page.statusCode).toBe(403);
    expect(bodyOf(page)).toContain(`href="/portal/referrals/${REFERENCE}"`);
  });
});
