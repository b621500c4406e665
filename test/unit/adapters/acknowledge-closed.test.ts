import { beforeEach, describe, expect, it, vi } from 'vitest';
import { Conflict } from '../../../functions/domain/refusals.js';

// The table and the workflow are out of the picture: this is the rule acknowledgeAssignment applies.
const store = vi.hoisted(() => {
  // The store's own module is loaded for its pure parts (what a move leaves behind); it names its table on load.
  process.env.TABLE_NAME ??= 'ReferralTable';
  return { getAssignment: vi.fn(), getReferral: vi.fn(), moveAssignment: vi.fn() };
});
vi.mock('../../../functions/adapters/referral-store.js', async (original) => ({
  ...await original<typeof import('../../../functions/adapters/referral-store.js')>(), ...store,
}));
const workflow = vi.hoisted(() => ({ resumeWithAcknowledgement: vi.fn() }));
vi.mock('../../../functions/adapters/task-tokens.js', () => workflow);
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
    store.getAssignment.mockResolvedValue(breached);
    store.getReferral.mockResolvedValue({ reference: breached.reference, status: 'BREACHED' });
    store.moveAssignment.mockResolvedValue({ ...breached });
    const after = await acknowledgeAssignment(breached.reference, 'housing-support', caller, NOW);
    expect(after.status).toBe('ACKNOWLEDGED');
    expect(after.late).toBe(true);
    expect(store.moveAssignment).toHaveBeenCalledWith(breached.reference, 'housing-support', expect.objectContaining({ to: 'ACKNOWLEDGED', set: expect.objectContaining({ late: true }) }), breached);
  });
});

describe('an acknowledgement in time', () => {
  const waiting = { ...breached, status: 'NOTIFIED', deadlineAt: '2026-11-21T10:00:00Z', waitToken: 'token-1', waitStage: 'first', openKey: 'OPEN#merseyside', openSort: 'x' };

  it('reads the assignment once, resumes the workflow with the token it moved from, and answers the assignment as written', async () => {
    store.getAssignment.mockResolvedValue(waiting);
    store.moveAssignment.mockResolvedValue(waiting);
    const after = await acknowledgeAssignment(waiting.reference, 'housing-support', caller, NOW);
    expect(store.getAssignment).toHaveBeenCalledTimes(1);
    // The move is conditioned on the read just made, not on a second read of the same item.
    expect(store.moveAssignment).toHaveBeenCalledWith(waiting.reference, 'housing-support', expect.objectContaining({ to: 'ACKNOWLEDGED' }), waiting);
    expect(workflow.resumeWithAcknowledgement).toHaveBeenCalledWith('token-1', 'housing-support');
    expect(after).toMatchObject({ status: 'ACKNOWLEDGED', acknowledgedAt: NOW.toISOString(), acknowledgedBy: 'u1', late: false });
    for (const gone of ['waitToken', 'waitStage', 'openKey', 'openSort']) expect(after).not.toHaveProperty(gone);
  });

  it('is answered from a fresh read when it is a repeat, and moves nothing', async () => {
    const acknowledged = { ...breached, status: 'ACKNOWLEDGED', acknowledgedAt: '2026-11-20T09:00:00.000Z', late: false };
    store.getAssignment.mockResolvedValue(acknowledged);
    store.moveAssignment.mockResolvedValue(undefined);
    const after = await acknowledgeAssignment(acknowledged.reference, 'housing-support', caller, NOW);
    expect(after.acknowledgedAt).toBe('2026-11-20T09:00:00.000Z');
    expect(store.getAssignment).toHaveBeenCalledTimes(2);
    expect(workflow.resumeWithAcknowledgement).not.toHaveBeenCalled();
  });
});
