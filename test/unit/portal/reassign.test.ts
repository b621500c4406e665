import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { StoredAssignment, StoredReferral } from '../../../functions/adapters/referral-store.js';
import { serviceConfig } from '../../../functions/adapters/service-config.js';
import { Conflict, InvalidInput } from '../../../functions/domain/refusals.js';
import { bodyOf, locationOf, NOW, REFERENCE, staffRequest } from '../../support/portal-requests.js';

const actions = vi.hoisted(() => ({ reassignReferral: vi.fn(), reassignmentTargets: vi.fn(), reassignableFrom: vi.fn() }));
const store = vi.hoisted(() => ({ getReferral: vi.fn(), listAssignments: vi.fn() }));
const sessions = vi.hoisted(() => ({ savePortalSession: vi.fn() }));
vi.mock('../../../functions/adapters/referral-actions.js', () => actions);
vi.mock('../../../functions/adapters/referral-store.js', () => store);
vi.mock('../../../functions/adapters/portal-session-store.js', () => sessions);
const reassign = await import('../../../functions/portal/routes/reassign.js');

const [mdvs, victimCare, housing] = ['mdvs', 'victim-care', 'housing-support'].map((id) => serviceConfig.areas[0]!.teams.find((t) => t.id === id)!);
const notified: StoredAssignment = {
  reference: REFERENCE, teamId: 'victim-care', areaId: 'merseyside', band: 'HIGH', reason: 'area', status: 'NOTIFIED', assignedAt: '2026-11-17T09:00:00Z',
};
const asCoordinator = (form?: Record<string, string>) => staffRequest(['coordinator-merseyside'], { params: { reference: REFERENCE }, form });
const valid = { csrf: 'form-token', toTeamId: 'housing-support', fromTeamId: 'victim-care', reason: 'Victim Care has no capacity' };

beforeEach(() => {
  for (const mock of [...Object.values(actions), ...Object.values(store), ...Object.values(sessions)]) mock.mockReset();
  store.getReferral.mockResolvedValue({ reference: REFERENCE, areaId: 'merseyside' } as StoredReferral);
  store.listAssignments.mockResolvedValue([notified]);
  actions.reassignmentTargets.mockReturnValue([mdvs, housing]);
  actions.reassignableFrom.mockReturnValue([notified]);
});

describe('re-assigning a referral', () => {
  it("offers the coordinator the area's teams that have not had it, and the teams it can be taken off", async () => {
    const page = await reassign.show(asCoordinator());
    expect(page.statusCode).toBe(200);
    const body = bodyOf(page);
    expect(body).toContain(`value="mdvs"`);
    expect(body).toContain(`value="housing-support"`);
    expect(body).toContain(`${victimCare!.name} (new)`);
    expect(body).toContain('No, keep every team on it');
  });

  it('shows a caseworker no re-assignment page at all', async () => {
    const page = await reassign.show(staffRequest(['victim-care'], { params: { reference: REFERENCE } }));
    expect(page.statusCode).toBe(404);
    expect(store.listAssignments).not.toHaveBeenCalled();
  });

  it('tells the coordinator when every team in the area has had it', async () => {
    actions.reassignmentTargets.mockReturnValue([]);
    const page = await reassign.show(asCoordinator());
    expect(page.statusCode).toBe(409);
    expect(bodyOf(page)).toContain('Every team has had this referral');
  });

  it('re-assigns with the reason and shows the new team and its deadline', async () => {
    actions.reassignReferral.mockResolvedValue({ ...notified, teamId: 'housing-support', status: 'ASSIGNED', deadlineAt: '2026-11-20T10:00:00Z' });
    const page = await reassign.submit(asCoordinator(valid));
    expect(actions.reassignReferral).toHaveBeenCalledWith({
      reference: REFERENCE, toTeamId: 'housing-support', fromTeamId: 'victim-care', reason: 'Victim Care has no capacity', caller: expect.objectContaining({ userId: 'user-1' }), now: NOW,
    });
    expect(page.statusCode).toBe(303);
    expect(locationOf(page)).toBe(`/portal/referrals/${REFERENCE}`);
    expect(sessions.savePortalSession).toHaveBeenCalledWith(expect.objectContaining({
      flash: `Referral ${REFERENCE} re-assigned to ${housing!.name}. Their deadline is Fri, 20 Nov 2026, 10:00 GMT.`,
    }), NOW);
  });

  it('asks again, keeping the choices, when no team or reason was given', async () => {
    const page = await reassign.submit(asCoordinator({ csrf: 'form-token', toTeamId: '', fromTeamId: 'victim-care', reason: '' }));
    expect(page.statusCode).toBe(400);
    const body = bodyOf(page);
    expect(body).toContain('href="#toTeamId">Choose the team that should have it');
    expect(body).toContain('href="#reason">Say why the referral is moving to this team.');
    expect(body).toMatch(/value="victim-care" checked/);
    expect(actions.reassignReferral).not.toHaveBeenCalled();
  });

  it("shows the action's refusal beside the field it is about", async () => {
    actions.reassignReferral.mockRejectedValue(new Conflict({ path: 'fromTeamId', message: 'That team has acknowledged, declined or already handed on this referral.' }));
    const body = bodyOf(await reassign.submit(asCoordinator(valid)));
    expect(body).toContain('href="#fromTeamId">That team has acknowledged, declined or already handed on this referral.');
    expect(sessions.savePortalSession).not.toHaveBeenCalled();
  });

  it('puts a refusal about no field in particular on the choice of team', async () => {
    actions.reassignReferral.mockRejectedValue(new InvalidInput({ path: '', message: 'Choose a team in this area.' }));
    const page = await reassign.submit(asCoordinator(valid));
    expect(page.statusCode).toBe(400);
    expect(bodyOf(page)).toContain('href="#toTeamId">Choose a team in this area.');
  });

  it('changes nothing for a form without this session’s token', async () => {
    const page = await reassign.submit(asCoordinator({ ...valid, csrf: 'stale' }));
    expect(page.statusCode).toBe(403);
    expect(actions.reassignReferral).not.toHaveBeenCalled();
  });
});
