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
const facts = vi.hoisted(() => ({ countAcknowledged: vi.fn() }));
vi.mock('../../../functions/adapters/report-facts.js', () => facts);
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

describe('an acknowledgement whose sign-in is still being checked', () => {
  const waiting = { ...breached, status: 'NOTIFIED', deadlineAt: '2026-11-21T10:00:00Z', waitToken: 'token-1', waitStage: 'first' };
  const revoked = Object.assign(new Error('Your access token was revoked when you signed out: sign in again.'), { name: 'HttpError' });

  it('reads the assignment meanwhile, and moves nothing until the sign-in is confirmed', async () => {
    store.getAssignment.mockResolvedValue(waiting);
    store.moveAssignment.mockResolvedValue(waiting);
    let confirm = () => undefined as void;
    const signedIn = new Promise<void>((resolve) => { confirm = resolve; });
    const acknowledged = acknowledgeAssignment(waiting.reference, 'housing-support', caller, NOW, signedIn);
    await vi.waitFor(() => expect(store.getAssignment).toHaveBeenCalledTimes(1));
    // Every mocked read has answered by the next turn of the event loop: only the sign-in holds the move back.
    await new Promise((resolve) => setImmediate(resolve));
    expect(store.moveAssignment).not.toHaveBeenCalled();
    confirm();
    expect((await acknowledged).status).toBe('ACKNOWLEDGED');
    expect(store.moveAssignment).toHaveBeenCalledTimes(1);
  });

  it('is refused with the sign-in check\'s refusal, nothing moved and nobody told, even when the read failed too', async () => {
    for (const read of [() => store.getAssignment.mockResolvedValue(waiting), () => store.getAssignment.mockRejectedValue(Object.assign(new Error('busy'), { name: 'ThrottlingException' }))]) {
      read();
      await expect(acknowledgeAssignment(waiting.reference, 'housing-support', caller, NOW, Promise.reject(revoked))).rejects.toBe(revoked);
    }
    expect(store.moveAssignment).not.toHaveBeenCalled();
    expect(workflow.resumeWithAcknowledgement).not.toHaveBeenCalled();
    expect(facts.countAcknowledged).not.toHaveBeenCalled();
  });
});

describe('after the acknowledgement is stored', () => {
  const waiting = { ...breached, status: 'NOTIFIED', deadlineAt: '2026-11-21T10:00:00Z', waitToken: 'token-1', waitStage: 'first' };

  it('tells the workflow and counts the fact without waiting for one another', async () => {
    store.getAssignment.mockResolvedValue(waiting);
    store.moveAssignment.mockResolvedValue(waiting);
    // Whether the fact was asked for while the workflow was still being told: never, if one waited for the other.
    let factsAskedWhileTelling = 0;
    workflow.resumeWithAcknowledgement.mockImplementation(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      factsAskedWhileTelling = facts.countAcknowledged.mock.calls.length;
      return 'told';
    });
    facts.countAcknowledged.mockResolvedValue(undefined);
    const after = await acknowledgeAssignment(waiting.reference, 'housing-support', caller, NOW);
    expect(factsAskedWhileTelling).toBe(1);
    expect(facts.countAcknowledged).toHaveBeenCalledWith(after);
    expect(workflow.resumeWithAcknowledgement).toHaveBeenCalledWith('token-1', 'housing-support');
  });

  it('fails the request when the workflow cannot be told, as before', async () => {
    store.getAssignment.mockResolvedValue(waiting);
    store.moveAssignment.mockResolvedValue(waiting);
    const down = Object.assign(new Error('connect ECONNREFUSED'), { name: 'TimeoutError' });
    workflow.resumeWithAcknowledgement.mockRejectedValue(down);
    facts.countAcknowledged.mockResolvedValue(undefined);
    await expect(acknowledgeAssignment(waiting.reference, 'housing-support', caller, NOW)).rejects.toBe(down);
  });
});
