import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BANDS, defaultServiceConfig, type Band, type Deadline } from '../../../functions/domain/config.js';
import { deadlineFor } from '../../../functions/domain/deadlines.js';
import { inboxOrder, movedDeadline } from '../../../functions/domain/urgency.js';

const teams = defaultServiceConfig.areas[0]!.teams;
const team = (id: string) => teams.find((t) => t.id === id)!;

const deadline: fc.Arbitrary<Deadline> = fc.oneof(
  fc.integer({ min: 1, max: 24 * 14 }).map((clockHours) => ({ clockHours })),
  fc.integer({ min: 1, max: 10 }).map((workingDays) => ({ workingDays })),
  fc.integer({ min: 1, max: 7 * 24 * 3600 }).map((seconds) => ({ seconds })),
);
const deadlines = fc.record({ STANDARD: deadline, MEDIUM: deadline, HIGH: deadline });
const moment = fc.date({ min: new Date('2025-01-01T00:00:00Z'), max: new Date('2028-12-31T00:00:00Z'), noInvalidDate: true });

describe('the deadline of a referral that moves to another team', () => {
  it('keeps a declined HIGH referral due within 24 clock hours at victim care, whose own HIGH deadline is 2 working days', () => {
    // A Wednesday morning: 2 working days is Friday morning, 24 hours is Thursday morning.
    const now = new Date('2026-12-02T10:00:00Z');
    const moved = movedDeadline({ at: now, band: 'HIGH', to: team('victim-care'), from: team('mdvs') });
    expect(moved).toEqual({ deadlineAt: new Date('2026-12-03T10:00:00Z'), carriedFrom: 'mdvs' });
  });

  it('is the new team’s own when that is sooner, and says nothing was carried', () => {
    const now = new Date('2026-12-02T10:00:00Z');
    expect(movedDeadline({ at: now, band: 'HIGH', to: team('mdvs'), from: team('victim-care') })).toEqual({ deadlineAt: new Date('2026-12-03T10:00:00Z') });
  });

  it('is the new team’s own when it came from no team', () => {
    const now = new Date('2026-12-02T10:00:00Z');
    expect(movedDeadline({ at: now, band: 'HIGH', to: team('victim-care') })).toEqual({ deadlineAt: deadlineFor(now, { workingDays: 2 }) });
  });

  it('counts the left team’s deadline from when the referral left it: the moment it was declined', () => {
    const declinedAt = new Date('2026-12-02T10:00:00Z');
    const reroutedAt = new Date('2026-12-02T10:00:07Z');
    const moved = movedDeadline({ at: reroutedAt, band: 'HIGH', to: team('victim-care'), from: team('mdvs'), leftAt: declinedAt });
    expect(moved.deadlineAt).toEqual(new Date('2026-12-03T10:00:00Z'));
  });

  it('is never later than the new team’s deadline nor the left team’s, counted from the move', () => {
    const lag = fc.integer({ min: 0, max: 3_600_000 });
    fc.assert(fc.property(moment, lag, fc.constantFrom(...BANDS), deadlines, deadlines, (now, lagMs, band, toDeadlines, fromDeadlines) => {
      const leftAt = new Date(now.getTime() - lagMs);
      const moved = movedDeadline({ at: now, band, to: { deadlines: toDeadlines }, from: { id: 'left', deadlines: fromDeadlines }, leftAt });
      const theirs = deadlineFor(now, toDeadlines[band]);
      const left = deadlineFor(leftAt, fromDeadlines[band]);
      expect(moved.deadlineAt.getTime()).toBeLessThanOrEqual(theirs.getTime());
      expect(moved.deadlineAt.getTime()).toBeLessThanOrEqual(left.getTime());
      // It is one of the two, not something sooner still.
      expect(moved.deadlineAt.getTime()).toBe(Math.min(theirs.getTime(), left.getTime()));
      if (theirs.getTime() <= left.getTime()) expect(moved).toEqual({ deadlineAt: theirs });
      else expect(moved.carriedFrom).toBe('left');
    }));
  });
});

describe('the order of every list of referrals', () => {
  type Item = { reference: string; band: Band; assignedAt: string; deadlineAt?: string };
  const at = (minutes: number) => new Date(Date.UTC(2026, 11, 2, 10) + minutes * 60_000).toISOString();
  const references = (items: Item[]) => [...items].sort(inboxOrder).map((i) => i.reference);

  it('puts the soonest deadline first, then HIGH before MEDIUM before STANDARD, then the first received', () => {
    const items: Item[] = [
      { reference: 'SR-AAAA-0001', band: 'STANDARD', assignedAt: at(0), deadlineAt: at(600) },
      { reference: 'SR-AAAA-0002', band: 'MEDIUM', assignedAt: at(1), deadlineAt: at(600) },
      { reference: 'SR-AAAA-0003', band: 'HIGH', assignedAt: at(5), deadlineAt: at(600) },
      { reference: 'SR-AAAA-0004', band: 'HIGH', assignedAt: at(2), deadlineAt: at(600) },
      { reference: 'SR-AAAA-0005', band: 'STANDARD', assignedAt: at(9), deadlineAt: at(300) },
    ];
    expect(references(items)).toEqual(['SR-AAAA-0005', 'SR-AAAA-0004', 'SR-AAAA-0003', 'SR-AAAA-0002', 'SR-AAAA-0001']);
  });

  it('counts an assignment with no deadline yet as due when received', () => {
    expect(references([
      { reference: 'SR-AAAA-0001', band: 'HIGH', assignedAt: at(0), deadlineAt: at(10) },
      { reference: 'SR-AAAA-0002', band: 'STANDARD', assignedAt: at(5) },
    ])).toEqual(['SR-AAAA-0002', 'SR-AAAA-0001']);
  });

  const item = fc.record({
    reference: fc.stringMatching(/^SR-[A-Z0-9]{4}-[A-Z0-9]{4}$/),
    band: fc.constantFrom(...BANDS),
    assignedAt: fc.integer({ min: 0, max: 100 }).map(at),
    deadlineAt: fc.option(fc.integer({ min: 0, max: 100 }).map(at), { nil: undefined }),
  }).map(({ deadlineAt, ...rest }): Item => (deadlineAt === undefined ? rest : { ...rest, deadlineAt }));
  const rank = (band: Band) => ({ HIGH: 0, MEDIUM: 1, STANDARD: 2 })[band];

  it('is a total order that any input order sorts the same, with every neighbour in deadline, band, received order', () => {
    fc.assert(fc.property(fc.uniqueArray(item, { selector: (i) => i.reference, maxLength: 30 }), (items) => {
      const sorted = [...items].sort(inboxOrder);
      expect([...items].reverse().sort(inboxOrder)).toEqual(sorted);
      for (let i = 1; i < sorted.length; i += 1) {
        const [a, b] = [sorted[i - 1]!, sorted[i]!];
        const due = (x: Item) => x.deadlineAt ?? x.assignedAt;
        expect(due(a) <= due(b)).toBe(true);
        if (due(a) === due(b)) {
          expect(rank(a.band)).toBeLessThanOrEqual(rank(b.band));
          if (a.band === b.band) expect(a.assignedAt <= b.assignedAt).toBe(true);
        }
      }
    }));
  });

  it('is antisymmetric and zero only for the same reference', () => {
    fc.assert(fc.property(item, item, (a, b) => {
      expect(Math.sign(inboxOrder(a, b))).toBe(-Math.sign(inboxOrder(b, a)) || 0);
      if (a.reference !== b.reference) expect(inboxOrder(a, b)).not.toBe(0);
    }));
  });
});
