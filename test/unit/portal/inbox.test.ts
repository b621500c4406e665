import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { StoredAssignment, StoredReferral } from '../../../functions/adapters/referral-store.js';
import { bodyOf, locationOf, staffRequest } from '../../support/portal-requests.js';

const teamAssignments = vi.fn<(teamId: string) => Promise<StoredAssignment[]>>();
const getReferral = vi.fn<(reference: string) => Promise<StoredReferral | undefined>>();
vi.mock('../../../functions/adapters/referral-store.js', () => ({ teamAssignments, getReferral }));
const inbox = await import('../../../functions/portal/routes/inbox.js');

const assignment = (reference: string, status: StoredAssignment['status'], deadlineAt: string): StoredAssignment => ({
  reference, teamId: 'victim-care', areaId: 'merseyside', band: 'HIGH', reason: 'area', status, assignedAt: '2026-11-17T09:00:00Z', deadlineAt,
});

beforeEach(() => {
  getReferral.mockReset();
  getReferral.mockResolvedValue({ submission: { immediateDanger: false } } as StoredReferral);
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
    // Older assignments without the danger flag cost a read of their referral: only those shown are read.
    expect(getReferral.mock.calls.map(([r]) => r).sort()).toEqual(['SR-2222-AAAA', 'SR-3333-BBBB']);
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

  it('puts the higher band first when deadlines are the same, then the first received', async () => {
    const due = '2026-11-20T17:00:00Z';
    teamAssignments.mockResolvedValue([
      { ...assignment('SR-5555-STAN', 'NOTIFIED', due), band: 'STANDARD', assignedAt: '2026-11-18T09:00:00Z' },
      { ...assignment('SR-6666-MEDI', 'NOTIFIED', due), band: 'MEDIUM', assignedAt: '2026-11-18T09:01:00Z' },
      { ...assignment('SR-7777-HIGH', 'NOTIFIED', due), band: 'HIGH', assignedAt: '2026-11-18T09:03:00Z' },
      { ...assignment('SR-8888-HIGH', 'NOTIFIED', due), band: 'HIGH', assignedAt: '2026-11-18T09:02:00Z' },
    ]);
    const body = bodyOf(await inbox.show(staffRequest(['victim-care'])));
    const order = ['SR-8888-HIGH', 'SR-7777-HIGH', 'SR-6666-MEDI', 'SR-5555-STAN'].map((r) => body.indexOf(r));
    expect(order.every((at) => at > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('flags a person in danger now in words, from the assignment or, for an older one, from its referral', async () => {
    teamAssignments.mockResolvedValue([
      { ...assignment('SR-2222-AAAA', 'NOTIFIED', '2026-11-19T17:00:00Z'), immediateDanger: true },
      assignment('SR-3333-BBBB', 'NOTIFIED', '2026-11-19T18:00:00Z'),
      { ...assignment('SR-4444-CCCC', 'NOTIFIED', '2026-11-19T19:00:00Z'), immediateDanger: false },
    ]);
    getReferral.mockImplementation(async (reference) => ({ submission: { immediateDanger: reference === 'SR-3333-BBBB' } }) as StoredReferral);
    const body = bodyOf(await inbox.show(staffRequest(['victim-care'])));
    const rowOf = (reference: string) => body.slice(body.indexOf(`>${reference}<`), body.indexOf('</tr>', body.indexOf(`>${reference}<`)));
    expect(rowOf('SR-2222-AAAA')).toContain('In danger now');
    expect(rowOf('SR-3333-BBBB')).toContain('In danger now');
    expect(rowOf('SR-4444-CCCC')).not.toContain('In danger now');
    // Only the assignment made before the flag was copied needs its referral read.
    expect(getReferral.mock.calls).toEqual([['SR-3333-BBBB']]);
  });

  it('finds a referral by part of its reference, and narrows by band and the days received', async () => {
    teamAssignments.mockResolvedValue([
      { ...assignment('SR-2222-AAAA', 'NOTIFIED', '2026-11-19T17:00:00Z'), band: 'HIGH', assignedAt: '2026-11-16T10:00:00Z' },
      { ...assignment('SR-3333-BBBB', 'NOTIFIED', '2026-11-19T17:00:00Z'), band: 'MEDIUM', assignedAt: '2026-11-17T10:00:00Z' },
      { ...assignment('SR-4444-CCCC', 'NOTIFIED', '2026-11-19T17:00:00Z'), band: 'HIGH', assignedAt: '2026-11-18T10:00:00Z' },
    ]);
    const shown = async (query: Record<string, string>) => {
      const page = await inbox.show(staffRequest(['victim-care'], { query }));
      expect(page.statusCode).toBe(200);
      const body = bodyOf(page);
      return ['SR-2222-AAAA', 'SR-3333-BBBB', 'SR-4444-CCCC'].filter((r) => body.includes(`>${r}<`));
    };
    expect(await shown({ reference: 'bbbb' })).toEqual(['SR-3333-BBBB']);
    expect(await shown({ band: 'HIGH' })).toEqual(['SR-2222-AAAA', 'SR-4444-CCCC']);
    expect(await shown({ band: 'HIGH', receivedFrom: '2026-11-17' })).toEqual(['SR-4444-CCCC']);
    expect(await shown({ receivedFrom: '2026-11-16', receivedTo: '2026-11-17' })).toEqual(['SR-2222-AAAA', 'SR-3333-BBBB']);
    const none = bodyOf(await inbox.show(staffRequest(['victim-care'], { query: { reference: 'SR-9999' } })));
    expect(none).toContain('No referrals match your search.');
    // What was asked for stays in the form, with the chosen band selected.
    const kept = bodyOf(await inbox.show(staffRequest(['victim-care'], { query: { reference: 'SR-2222', band: 'HIGH' } })));
    expect(kept).toMatch(/id="reference" name="reference" type="text"[^>]*value="SR-2222"/);
    expect(kept).toMatch(/<option value="HIGH" selected>/);
  });

  it('answers a search it cannot read with a 400 that says what is wrong with each field, and lists nothing', async () => {
    const page = await inbox.show(staffRequest(['victim-care'], { query: { reference: '<b>x</b>', band: 'URGENT', receivedFrom: '2026-02-30', receivedTo: 'yesterday' } }));
    expect(page.statusCode).toBe(400);
    const body = bodyOf(page);
    expect(body).toContain('There is a problem');
    for (const field of ['reference', 'band', 'receivedFrom', 'receivedTo']) expect(body).toContain(`href="#${field}"`);
    expect(body).toContain('Choose a band: High, Medium or Standard');
    expect(body).toContain('Received from must be a real date, like 2026-11-18');
    expect(body).not.toContain('<b>x</b>');
    expect(body).not.toContain('>SR-2222-AAAA<');
    expect(body).toContain('Correct the search to see referrals.');
  });
});
