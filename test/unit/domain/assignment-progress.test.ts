import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { settledStatus, stageOf } from '../../../functions/domain/assignment-progress.js';
import { ASSIGNMENT_STATUSES, type AssignmentRecord, type AssignmentStatus } from '../../../functions/domain/referral-record.js';

const NOW = new Date('2026-11-18T10:00:00Z');
const a = (teamId: string, status: AssignmentStatus, extra: Partial<AssignmentRecord> = {}): AssignmentRecord => ({
  reference: 'SR-AAAA-BBBB', teamId, areaId: 'merseyside', band: 'HIGH', reason: 'test', status, assignedAt: '2026-11-17T09:00:00Z', ...extra,
});

describe('the status a referral settles at', () => {
  it('follows the assignments that were not handed on', () => {
    expect(settledStatus([a('mdvs', 'ACKNOWLEDGED'), a('housing-support', 'ACKNOWLEDGED')])).toBe('ACKNOWLEDGED');
    expect(settledStatus([a('mdvs', 'ACKNOWLEDGED'), a('housing-support', 'BREACHED')])).toBe('PARTIALLY_ACKNOWLEDGED');
    expect(settledStatus([a('mdvs', 'DECLINED'), a('victim-care', 'BREACHED')])).toBe('BREACHED');
    expect(settledStatus([a('mdvs', 'DECLINED'), a('victim-care', 'DECLINED')])).toBe('ESCALATED');
  });

  it('ignores a team a coordinator took the referral off, and waits while the team it went to is still open', () => {
    expect(settledStatus([a('victim-care', 'REASSIGNED'), a('housing-support', 'ACKNOWLEDGED', { reassignedBy: 'u1' })])).toBe('ACKNOWLEDGED');
    for (const open of ['ASSIGNED', 'NOTIFIED', 'REMINDED', 'ESCALATED'] as const) {
      expect(settledStatus([a('victim-care', 'REASSIGNED'), a('housing-support', open, { reassignedBy: 'u1' })])).toBe('AWAITING_ACK');
    }
    expect(settledStatus([a('victim-care', 'REASSIGNED')])).toBe('ESCALATED');
  });

  it('never settles as acknowledged while some live assignment is not', () => {
    const assignment = fc.record({ status: fc.constantFrom(...ASSIGNMENT_STATUSES), reassigned: fc.boolean() });
    fc.assert(fc.property(fc.array(assignment, { minLength: 1, maxLength: 6 }), (all) => {
      const records = all.map((x, i) => a(`team-${i}`, x.status, x.reassigned ? { reassignedBy: 'u1' } : {}));
      const outcome = settledStatus(records);
      const live = records.filter((r) => r.status !== 'DECLINED' && r.status !== 'REASSIGNED');
      if (outcome === 'ACKNOWLEDGED') expect(live.length > 0 && live.every((r) => r.status === 'ACKNOWLEDGED')).toBe(true);
      if (live.length === 0) expect(outcome).toBe('ESCALATED');
    }));
  });
});

describe('where a re-assigned or handed-on assignment stands for the workflow', () => {
  it('is settled, so its ladder stops', () => {
    expect(stageOf(a('victim-care', 'REASSIGNED'), NOW)).toEqual({ stage: 'SETTLED' });
    expect(stageOf(a('victim-care', 'DECLINED'), NOW)).toEqual({ stage: 'DECLINED' });
  });
});
