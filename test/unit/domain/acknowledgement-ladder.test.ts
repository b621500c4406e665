import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  acknowledgementAt, breachAt, declineAt, ladderFor, ladderMovesBy, reminderAt, WAITING_IN, type Ladder,
} from '../../../functions/domain/acknowledgement-ladder.js';
import { isLate, stageOf } from '../../../functions/domain/assignment-progress.js';
import { graceEndFor, type EscalationPolicy } from '../../../functions/domain/deadlines.js';
import type { AssignmentRecord } from '../../../functions/domain/referral-record.js';

const ASSIGNED = new Date('2026-06-08T10:00:00Z');
const DEADLINE = new Date('2026-06-09T10:00:00Z');
const POLICY: EscalationPolicy = { graceFraction: 0.25, minimumGraceSeconds: 7200 };
const LADDER = ladderFor(ASSIGNED, DEADLINE, POLICY);
const HOUR = 3_600_000;
const after = (at: Date, ms: number) => new Date(at.getTime() + ms);

/** A ladder anywhere in a few years, with a window of a minute to a fortnight and a grace of up to a week. */
const ladders = fc.record({
  assignedAt: fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2028, 0, 1) }),
  window: fc.integer({ min: 60_000, max: 14 * 24 * HOUR }),
  graceFraction: fc.double({ min: 0, max: 1, noNaN: true }),
  minimumGraceSeconds: fc.integer({ min: 0, max: 7 * 24 * 3600 }),
}).map(({ assignedAt, window, graceFraction, minimumGraceSeconds }) =>
  ladderFor(new Date(assignedAt), new Date(assignedAt + window), { graceFraction, minimumGraceSeconds }));
/** A moment somewhere from before the ladder starts to well after it ends. */
const momentAround = (ladder: Ladder) => fc.integer({ min: ladder.deadlineAt.getTime() - 20 * 24 * HOUR, max: ladder.graceEndsAt.getTime() + 20 * 24 * HOUR }).map((t) => new Date(t));
const withMoments = ladders.chain((ladder) => fc.tuple(fc.constant(ladder), momentAround(ladder), fc.option(momentAround(ladder), { nil: undefined })));

describe('the acknowledgement ladder', () => {
  it('does nothing to an assignment before its deadline', () => {
    expect(ladderMovesBy(LADDER, after(DEADLINE, -1))).toEqual([]);
  });

  it('reminds a team nobody has heard from at its deadline, and breaches the assignment when the grace period ends too', () => {
    expect(LADDER.graceEndsAt).toEqual(after(DEADLINE, 6 * HOUR));
    expect(ladderMovesBy(LADDER, DEADLINE).map((m) => m.kind)).toEqual(['REMINDED']);
    expect(ladderMovesBy(LADDER, after(DEADLINE, HOUR))).toEqual([{ kind: 'REMINDED', at: DEADLINE, graceEndsAt: LADDER.graceEndsAt }]);
    expect(ladderMovesBy(LADDER, after(DEADLINE, 7 * HOUR))).toEqual([
      { kind: 'REMINDED', at: DEADLINE, graceEndsAt: LADDER.graceEndsAt },
      { kind: 'BREACHED', at: LADDER.graceEndsAt },
    ]);
  });

  it('reminds a team that answers in its grace period, but never breaches it', () => {
    expect(ladderMovesBy(LADDER, after(DEADLINE, 30 * HOUR), after(DEADLINE, HOUR)).map((m) => m.kind)).toEqual(['REMINDED']);
  });

  it('takes an answer at the deadline\'s own instant as in time: no reminder, just as it is not late', () => {
    expect(ladderMovesBy(LADDER, after(DEADLINE, 30 * HOUR), DEADLINE)).toEqual([]);
    expect(isLate({ deadlineAt: DEADLINE.toISOString() }, DEADLINE)).toBe(false);
  });

  it('ends the grace period where graceEndFor puts it, measured from the original window', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 30 * 24 * HOUR }), fc.integer({ min: 0, max: 30 * 24 * HOUR }), (start, window) => {
      const assignedAt = new Date(Date.UTC(2026, 0, 1) + start);
      const deadlineAt = after(assignedAt, window);
      expect(ladderFor(assignedAt, deadlineAt, POLICY)).toEqual({ deadlineAt, graceEndsAt: graceEndFor(assignedAt, deadlineAt, POLICY) });
    }));
  });

  it('reminds a team exactly when its answer would be late, and only once the deadline has come', () => {
    fc.assert(fc.property(withMoments, ([ladder, now, answeredAt]) => {
      const reminded = ladderMovesBy(ladder, now, answeredAt).some((m) => m.kind === 'REMINDED');
      const lateOrUnanswered = answeredAt === undefined || isLate({ deadlineAt: ladder.deadlineAt.toISOString() }, answeredAt);
      expect(reminded).toBe(lateOrUnanswered && ladder.deadlineAt.getTime() <= now.getTime());
    }));
  });

  it('only ever breaches after a reminder, and makes no move after the team answered or after now', () => {
    fc.assert(fc.property(withMoments, ([ladder, now, answeredAt]) => {
      const moves = ladderMovesBy(ladder, now, answeredAt);
      expect(moves.map((m) => m.kind)).toEqual(['REMINDED', 'BREACHED'].slice(0, moves.length));
      for (const move of moves) {
        expect(move.at.getTime()).toBeLessThanOrEqual(now.getTime());
        if (answeredAt) expect(move.at.getTime()).toBeLessThan(answeredAt.getTime());
      }
    }));
  });

  it('never takes back a move as time goes on', () => {
    fc.assert(fc.property(withMoments, fc.integer({ min: 0, max: 30 * 24 * HOUR }), ([ladder, now, answeredAt], more) => {
      const before = ladderMovesBy(ladder, now, answeredAt);
      const later = ladderMovesBy(ladder, after(now, more), answeredAt);
      expect(later.slice(0, before.length)).toEqual(before);
    }));
  });
});

describe('the ladder\'s moves as they are recorded', () => {
  const waiting = (status: AssignmentRecord['status']): AssignmentRecord => ({
    reference: 'SR-AAAA-BBBB', teamId: 'mdvs', areaId: 'merseyside', band: 'HIGH', reason: 'test', status, assignedAt: ASSIGNED.toISOString(),
  });

  it('waits in the status whose stage the workflow waits out', () => {
    for (const stage of ['DEADLINE', 'GRACE'] as const) expect(stageOf(waiting(WAITING_IN[stage]), DEADLINE).stage).toBe(stage);
  });

  it('reminds only an assignment still waiting for its deadline, keeping when its grace period ends', () => {
    expect(reminderAt(DEADLINE, LADDER.graceEndsAt)).toEqual({
      from: ['NOTIFIED'], to: 'REMINDED', set: { remindedAt: '2026-06-09T10:00:00.000Z', graceEndsAt: '2026-06-09T16:00:00.000Z' },
    });
  });

  it('breaches only an assignment in its grace period', () => {
    expect(breachAt(LADDER.graceEndsAt)).toEqual({ from: ['REMINDED'], to: 'BREACHED', set: { breachedAt: '2026-06-09T16:00:00.000Z' } });
  });

  it('records a team\u2019s answer, by whoever gave it, only from a status the team may give that answer in', () => {
    expect(acknowledgementAt(DEADLINE, 'caseworker-1', false)).toEqual({
      from: ['NOTIFIED', 'REMINDED', 'ESCALATED', 'BREACHED'], to: 'ACKNOWLEDGED',
      set: { acknowledgedAt: '2026-06-09T10:00:00.000Z', acknowledgedBy: 'caseworker-1', late: false },
    });
    expect(declineAt(DEADLINE, 'caseworker-2', 'Not our area of work')).toEqual({
      from: ['NOTIFIED', 'REMINDED'], to: 'DECLINED',
      set: { declinedAt: '2026-06-09T10:00:00.000Z', declinedBy: 'caseworker-2', declineReason: 'Not our area of work' },
    });
  });
});
