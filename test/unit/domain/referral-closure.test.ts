import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isFinished, shouldClose } from '../../../functions/domain/referral-closure.js';
import {
  ASSIGNMENT_STATUSES, AWAITED_STATUSES, OUTCOMES, canMoveReferral, type AssignmentRecord, type AssignmentStatus, type Outcome,
} from '../../../functions/domain/referral-record.js';

type Closing = Pick<AssignmentRecord, 'status' | 'outcome'>;
const a = (status: AssignmentStatus, outcome?: Outcome): Closing => (outcome ? { status, outcome } : { status });

describe('when a referral closes', () => {
  it('closes when its only team recorded an outcome', () => {
    expect(shouldClose([a('ACKNOWLEDGED', 'support-accepted')])).toBe(true);
  });

  it('stays open while a team that took it on has no outcome yet', () => {
    expect(shouldClose([a('ACKNOWLEDGED')])).toBe(false);
    expect(shouldClose([a('ACKNOWLEDGED', 'unable-to-contact'), a('ACKNOWLEDGED')])).toBe(false);
  });

  it('stays open while any team is still being waited on', () => {
    for (const waiting of AWAITED_STATUSES) {
      expect(shouldClose([a('ACKNOWLEDGED', 'support-accepted'), a(waiting)])).toBe(false);
    }
  });

  it('closes when the others ended without an outcome: declined and handed on, re-assigned, or breached', () => {
    expect(shouldClose([a('DECLINED'), a('ACKNOWLEDGED', 'referred-elsewhere')])).toBe(true);
    expect(shouldClose([a('REASSIGNED'), a('ACKNOWLEDGED', 'not-appropriate')])).toBe(true);
    expect(shouldClose([a('BREACHED'), a('ACKNOWLEDGED', 'support-declined')])).toBe(true);
  });

  it('never closes without any outcome: a referral every team declined or missed is a coordinator’s to take on', () => {
    expect(shouldClose([])).toBe(false);
    expect(shouldClose([a('DECLINED'), a('BREACHED'), a('REASSIGNED')])).toBe(false);
  });

  it('closes exactly when some team has an outcome, none is awaited and every team is finished', () => {
    const assignment = fc.record({
      status: fc.constantFrom(...ASSIGNMENT_STATUSES),
      outcome: fc.option(fc.constantFrom(...OUTCOMES), { nil: undefined }),
    }).map((x) => a(x.status, x.status === 'ACKNOWLEDGED' ? x.outcome : undefined));
    fc.assert(fc.property(fc.array(assignment, { maxLength: 6 }), (all) => {
      const closes = shouldClose(all);
      if (closes) {
        expect(all.some((x) => x.outcome !== undefined)).toBe(true);
        expect(all.every(isFinished)).toBe(true);
        expect(all.some((x) => AWAITED_STATUSES.includes(x.status))).toBe(false);
      } else {
        expect(all.some((x) => x.outcome !== undefined) && all.every(isFinished)).toBe(false);
      }
    }));
  });

  it('never reopens: one more finished team keeps a closed referral closed, one more waited-on team keeps it open', () => {
    const finished = fc.oneof(
      fc.constantFrom<Closing>(a('DECLINED'), a('REASSIGNED'), a('BREACHED')),
      fc.constantFrom(...OUTCOMES).map((o) => a('ACKNOWLEDGED', o)),
    );
    fc.assert(fc.property(fc.array(finished, { minLength: 1, maxLength: 5 }), finished, fc.constantFrom(...AWAITED_STATUSES), (all, more, waiting) => {
      expect(shouldClose([...all, more])).toBe(shouldClose(all) || more.outcome !== undefined);
      expect(shouldClose([...all, a(waiting)])).toBe(false);
    }));
  });

  it('may close from wherever the workflow has got to, but never from out of area or a failure, and never moves on from closed', () => {
    for (const from of ['ROUTED', 'AWAITING_ACK', 'ACKNOWLEDGED', 'PARTIALLY_ACKNOWLEDGED', 'ESCALATED', 'BREACHED'] as const) {
      expect(canMoveReferral(from, 'CLOSED')).toBe(true);
    }
    expect(canMoveReferral('RECEIVED', 'CLOSED')).toBe(false);
    expect(canMoveReferral('FAILED', 'CLOSED')).toBe(false);
    for (const to of ['AWAITING_ACK', 'ACKNOWLEDGED', 'PARTIALLY_ACKNOWLEDGED', 'ESCALATED', 'BREACHED', 'FAILED'] as const) {
      expect(canMoveReferral('CLOSED', to)).toBe(false);
    }
  });
});
