import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { StoredAssignment } from '../../../functions/adapters/referral-store.js';
import { bodyOf, locationOf, staffRequest } from '../../support/portal-requests.js';

const teamAssignments = vi.fn<(teamId: string) => Promise<StoredAssignment[]>>();
vi.mock('../../../functions/adapters/referral-store.js', () => ({ teamAssignments }));
const inbox = await import('../../../functions/portal/routes/inbox.js');

const assignment = (reference: string, status: StoredAssignment['status'], deadlineAt: string): StoredAssignment => ({
  reference, teamId: 'victim-care', areaId: 'merseyside', band: 'HIGH', reason: 'area', status, assignedAt: '2026-11-17T09:00:00Z', deadlineAt,
});

beforeEach(() => {
  teamAssignments.mockReset();
  teamAssignments.mockResolvedValue([
    assignment('SR-2222-AAAA', 'NOTIFIED', '2026-11-19T17:00:00Z'),
    assignment('SR-3333-BBBB', 'REMINDED', '2026-11-17T17:00:00Z'),
    assignment('SR-4444-CCCC', 'ACKNOWLEDGED', '2026-11-18T17:00:00Z'),
  ]);
});

describe('the team inbox', () => {
  it.each([
    [['victim-care'], '/portal/inbox'],
    [['victim-care', 'coordinator-merseyside'], '/portal/inbox'],
    [['coordinator-merseyside'], '/portal/coordinator'],
    [['commissioner-merseyside'], '/portal/reports'],
    [[], '/portal/inbox'],
  ])('sends someone in %j asking for the portal itself to %s', async (groups, landing) => {
    const page = await inbox.home(staffRequest(groups));
    expect(page.statusCode).toBe(303);
    expect(locationOf(page)).toBe(landing);
  });

  it('sends a coordinator who is in no team to all teams rather than an empty inbox', async () => {
    const page = await inbox.show(staffRequest(['coordinator-merseyside']));
    expect(page.statusCode).toBe(303);
    expect(locationOf(page)).toBe('/portal/coordinator');
    expect(teamAssignments).not.toHaveBeenCalled();
  });

  it("shows a caseworker their team's open referrals, overdue first, with counts", async () => {
    const page = await inbox.show(staffRequest(['victim-care']));
    expect(page.statusCode).toBe(200);
    expect(teamAssignments).toHaveBeenCalledWith('victim-care');
    const body = bodyOf(page);
    expect(body).toContain('Victim Care Merseyside inbox');
    expect(body).toMatch(/id="count-new">1</);
    expect(body).toMatch(/id="count-overdue">1</);
    expect(body.indexOf('SR-3333-BBBB')).toBeLessThan(body.indexOf('SR-2222-AAAA'));
    expect(body).not.toContain('SR-4444-CCCC');
  });

  it('shows everything, acknowledged referrals too, when the caseworker asks for it', async () => {
    const body = bodyOf(await inbox.show(staffRequest(['victim-care'], { query: { status: 'all' } })));
    expect(body).toContain('SR-4444-CCCC');
    expect(body).toContain('Victim Care Merseyside: everything, soonest deadline first');
  });

  it('opens the team the caseworker chose when they are in more than one', async () => {
    await inbox.show(staffRequest(['victim-care', 'mdvs'], { query: { team: 'mdvs' } }));
    expect(teamAssignments).toHaveBeenCalledWith('mdvs');
  });

  it('sends a commissioner, who has no team inbox, to the reports', async () => {
    const page = await inbox.show(staffRequest(['commissioner-merseyside']));
    expect(page.statusCode).toBe(303);
    expect(locationOf(page)).toBe('/portal/reports');
    expect(teamAssignments).not.toHaveBeenCalled();
  });
});
