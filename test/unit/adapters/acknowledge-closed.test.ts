import { beforeEach, describe, expect, it, vi } from 'vitest';
import { Conflict } from '../../../functions/domain/refusals.js';

// The table and the workflow are out of the picture: this is the rule acknowledgeAssignment applies.
const store = vi.hoisted(() => ({
  getAssignment: vi.fn(), getReferral: vi.fn(), moveAssignment: vi.fn(),
}));
vi.mock('../../../functions/adapters/referral-store.js', () => store);
vi.mock('../../../functions/adapters/task-tokens.js', () => ({ resumeWithAcknowledgement: vi.fn() }));
vi.mock('../../../functions/adapters/report-facts.js', () => ({ countAcknowledged: vi.fn() }));
vi.mock('../../../functions/adapters/workflow-starter.js', () => ({ startReassignmentWorkflow: vi.fn() }));

const { acknowledgeAssignment } = await import('../../../functions/adapters/referral-actions.js');

const caller = { userId: 'u1', username: 'casey', groups: ['housing-support'] };
const NOW = new Date('2026-11-20T10:00:00Z');
const breached = {
  reference: 'SR-7KQ2-9XMD', teamId: 'housing-support', areaId: 'merseyside', band: 'STANDARD', reason: 'housing', status: 'BREACHED',
  assignedAt: '2026-11-16T10:00:00Z', deadlineAt: '2026-11-18T10:00:00Z',
};

beforeEach(() => vi.clearAllMocks());

describe('a late acknowledgement', () => {
  it('is refused once every other team finished and the referral closed, and nothing is written', async () => {
    store.getAssignment.mockResolvedValue(breached);
    store.getReferral.mockResolvedValue({ reference: breached.reference, status: 'CLOSED' });
    await expect(acknowledgeAssignment(breached.reference, 'housing-support', caller, NOW)).rejects.toBeInstanceOf(Conflict);
    expect(store.moveAssignment).not.toHaveBeenCalled();
  });

  it('is still recorded, flagged late, on a breached assignment of a referral that is not closed', async () => {
    store.getAssignment.mockResolvedValueOnce(breached).mockResolvedValueOnce({ ...breached, status: 'ACKNOWLEDGED', late: true, acknowledgedAt: NOW.toISOString() });
    store.getReferral.mockResolvedValue({ reference: breached.reference, status: 'BREACHED' });
    store.moveAssignment.mockResolvedValue({ ...breached });
    const after = await acknowledgeAssignment(breached.reference, 'housing-support', caller, NOW);
    expect(after.status).toBe('ACKNOWLEDGED');
    expect(store.moveAssignment).toHaveBeenCalledWith(breached.reference, 'housing-support', expect.objectContaining({ to: 'ACKNOWLEDGED', set: expect.objectContaining({ late: true }) }));
  });
});
