import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { StoredAssignment, StoredReferral } from '../../../functions/adapters/referral-store.js';
import { bodyOf, staffRequest } from '../../support/portal-requests.js';

const teamAssignments = vi.hoisted(() => vi.fn<(teamId: string) => Promise<StoredAssignment[]>>());
const getReferral = vi.hoisted(() => vi.fn(async (reference: string) => ({ submission: { immediateDanger: reference === 'SR-4444-CCCC' } })));
const outOfAreaReferrals = vi.hoisted(() => vi.fn<(areaId: string) => Promise<StoredReferral[]>>());
vi.mock('../../../functions/adapters/referral-store.js', () => ({ teamAssignments, getReferral, outOfAreaReferrals }));
const coordinator = await import('../../../functions/portal/routes/coordinator.js');

const assignment = (reference: string, teamId: string, status: StoredAssignment['status'], deadlineAt: string): StoredAssignment => ({
  reference, teamId, areaId: 'merseyside', band: 'MEDIUM', reason: 'area', status, assignedAt: '2026-11-16T09:00:00Z', deadlineAt,
});
const tableOf = (body: string, id: string) => body.slice(body.indexOf(`id="${id}"`), body.indexOf('</table>', body.indexOf(`id="${id}"`)));

const outOfArea = (reference: string, band: 'HIGH' | 'STANDARD', immediateDanger: boolean): StoredReferral => ({
  reference, status: 'OUT_OF_AREA', createdAt: '2026-11-17T08:30:00Z', areaId: 'merseyside', victimKey: 'k',
  screening: { band, factors: [], rulesVersion: 'merseyside-screening-1' },
  submission: { immediateDanger } as StoredReferral['submission'],
});

beforeEach(() => {
  outOfAreaReferrals.mockReset();
  outOfAreaReferrals.mockResolvedValue([outOfArea('SR-6666-EEEE', 'HIGH', true), outOfArea('SR-7777-FFFF', 'STANDARD', false)]);
  teamAssignments.mockReset();
  teamAssignments.mockImplementation(async (teamId) => (teamId === 'mdvs' ? [
    assignment('SR-2222-AAAA', 'mdvs', 'REMINDED', '2026-11-17T17:00:00Z'),
    assignment('SR-3333-BBBB', 'mdvs', 'BREACHED', '2026-11-16T17:00:00Z'),
  ] : teamId === 'victim-care' ? [
    assignment('SR-4444-CCCC', 'victim-care', 'NOTIFIED', '2026-11-20T17:00:00Z'),
    assignment('SR-5555-DDDD', 'victim-care', 'DECLINED', '2026-11-20T17:00:00Z'),
  ] : []));
});

describe("the coordinator's view of all teams", () => {
  it('reads every team of the area and sorts its work into overdue, needing a coordinator, open and declined', async () => {
    const page = await coordinator.show(staffRequest(['coordinator-merseyside']));
    expect(page.statusCode).toBe(200);
    expect(teamAssignments.mock.calls.map(([teamId]) => teamId).sort()).toEqual(['housing-support', 'mdvs', 'victim-care']);
    const body = bodyOf(page);
    expect(body).toContain('2 open, <strong>2 overdue</strong>, 1 needing a coordinator.');
    expect(tableOf(body, 'overdue-merseyside')).toContain('SR-2222-AAAA');
    expect(tableOf(body, 'breached-merseyside')).toContain('SR-3333-BBBB');
    expect(tableOf(body, 'open-merseyside')).toContain('SR-4444-CCCC');
    expect(tableOf(body, 'declined-merseyside')).toContain('SR-5555-DDDD');
  });

  it('flags the referrals of people said to be in danger now, in words', async () => {
    const body = bodyOf(await coordinator.show(staffRequest(['coordinator-merseyside'])));
    expect(tableOf(body, 'open-merseyside')).toContain('In danger now');
    expect(tableOf(body, 'overdue-merseyside')).not.toContain('In danger now');
  });

  it('refuses a caseworker with a 403 and reads nothing', async () => {
    const page = await coordinator.show(staffRequest(['mdvs']));
    expect(page.statusCode).toBe(403);
    expect(bodyOf(page)).toContain('Only for coordinators');
    expect(teamAssignments).not.toHaveBeenCalled();
    expect(outOfAreaReferrals).not.toHaveBeenCalled();
  });

  it("shows the default area's coordinator the out-of-area queue: each referral linked, with its band and whether the person is in danger now", async () => {
    const body = bodyOf(await coordinator.show(staffRequest(['coordinator-merseyside'])));
    expect(outOfAreaReferrals).toHaveBeenCalledWith('merseyside');
    const queue = tableOf(body, 'out-of-area-merseyside');
    const rows = queue.split('<tr class="govuk-table__row">').slice(2);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toContain('href="/portal/referrals/SR-6666-EEEE"');
    expect(rows[0]).toContain('Tue, 17 Nov 2026, 08:30 GMT');
    expect(rows[0]).toContain('High');
    expect(rows[0]).toContain('In danger now');
    expect(rows[1]).toContain('href="/portal/referrals/SR-7777-FFFF"');
    expect(rows[1]).toContain('Standard');
    expect(rows[1]).not.toContain('In danger now');
  });

  it("keeps the queue to the default area: another area's coordinator has none", async () => {
    const body = bodyOf(await coordinator.show(staffRequest(['coordinator-halton'])));
    expect(outOfAreaReferrals).not.toHaveBeenCalled();
    expect(body).not.toContain('out-of-area-');
  });

  it('offers a coordinator who is in no team all teams and the reports in the navigation, not a team inbox', async () => {
    const body = bodyOf(await coordinator.show(staffRequest(['coordinator-merseyside'])));
    const navigation = body.slice(body.indexOf('<nav'), body.indexOf('</nav>'));
    expect(navigation).toContain('href="/portal/coordinator"');
    expect(navigation).not.toContain('href="/portal/inbox"');
  });
});
