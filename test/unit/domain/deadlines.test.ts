import { TZDate } from '@date-fns/tz';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import twoAreasJson from '../../fixtures/service-config.two-areas.json' with { type: 'json' };
import {
  BANDS, defaultServiceConfig, parseServiceConfig, withShortDeadlines,
} from '../../../functions/domain/config.js';
import { deadlineFor, type EscalationPolicy, graceEndFor, isWorkingTime } from '../../../functions/domain/deadlines.js';
import { englandAndWales, workingHoursOn } from '../../../functions/domain/working-calendar.js';

/** A wall-clock time in London, written as "YYYY-MM-DD HH:mm". */
function london(wallTime: string): Date {
  const match = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})$/.exec(wallTime);
  if (!match) throw new Error(`bad wall time ${wallTime}`);
  const [year, month, day, hour, minute] = match.slice(1).map(Number) as [number, number, number, number, number];
  return new Date(new TZDate(year, month - 1, day, hour, minute, 0, 0, 'Europe/London').getTime());
}

// Read back with Intl rather than the code under test, so the properties do not mark their own homework.
const londonDate = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' });
const londonWeekday = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', weekday: 'short' });
const londonClock = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

const defaultPolicy: EscalationPolicy = { graceFraction: 0.25, minimumGraceSeconds: 7200 };
const HOUR_MS = 3_600_000;

describe('deadlineFor with working days', () => {
  it.each([
    ['a Monday afternoon runs to the same time on Tuesday', '2026-06-08 16:00', 1, '2026-06-09 16:00'],
    ['a Friday afternoon runs over the weekend to Monday', '2026-06-12 16:00', 1, '2026-06-15 16:00'],
    ['a Saturday start counts from Monday opening, ending at Monday closing', '2026-06-13 11:00', 1, '2026-06-15 17:00'],
    ['a start before opening counts from opening', '2026-06-08 08:00', 2, '2026-06-09 17:00'],
    ['a start at opening ends exactly at closing the same day', '2026-06-08 09:00', 1, '2026-06-08 17:00'],
    ['a start at closing counts from the next opening', '2026-06-08 17:00', 1, '2026-06-09 17:00'],
    ['a start in the evening counts from the next opening', '2026-06-08 21:30', 1, '2026-06-09 17:00'],
    ['minutes carry over between days', '2026-06-10 16:45', 1, '2026-06-11 16:45'],
    ['two working days from Thursday skip the weekend', '2026-06-11 10:00', 2, '2026-06-15 10:00'],
  ])('%s', (_name, start, workingDays, expected) => {
    expect(deadlineFor(london(start), { workingDays })).toEqual(london(expected));
  });

  it.each([
    ['skips the early May bank holiday', '2026-05-01 16:00', '2026-05-05 16:00'],
    ['skips the spring bank holiday', '2026-05-22 16:00', '2026-05-26 16:00'],
    ['skips Good Friday and Easter Monday', '2026-04-02 16:00', '2026-04-07 16:00'],
    ['skips Christmas Day and the Monday that stands in for Boxing Day on a Saturday', '2026-12-24 16:00', '2026-12-29 16:00'],
    ['skips New Year\'s Day', '2026-12-31 16:00', '2027-01-04 16:00'],
    ['skips both substitute days when Christmas and Boxing Day fall at a weekend', '2027-12-24 16:00', '2027-12-29 16:00'],
    ['skips the Monday that stands in for New Year\'s Day on a Saturday', '2027-12-31 16:00', '2028-01-04 16:00'],
  ])('%s', (_name, start, expected) => {
    expect(deadlineFor(london(start), { workingDays: 1 })).toEqual(london(expected));
  });

  it('runs from a Friday in GMT to a Monday in BST across the March clock change', () => {
    const start = new Date('2026-03-27T16:00:00Z');
    expect(london('2026-03-27 16:00')).toEqual(start);
    expect(deadlineFor(start, { workingDays: 1 }).toISOString()).toBe('2026-03-30T15:00:00.000Z');
  });

  it('runs from a Friday in BST to a Monday in GMT across the October clock change', () => {
    const start = new Date('2026-10-23T15:00:00Z');
    expect(london('2026-10-23 16:00')).toEqual(start);
    expect(deadlineFor(start, { workingDays: 1 }).toISOString()).toBe('2026-10-26T16:00:00.000Z');
  });

  it('refuses a number of working days it could never count to', () => {
    for (const workingDays of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => deadlineFor(london('2026-06-08 10:00'), { workingDays })).toThrow(RangeError);
    }
  });

  it('fails rather than hangs on a calendar with no working days', () => {
    const neverOpen = { ...englandAndWales, name: 'never open', isHoliday: () => true };
    expect(() => deadlineFor(london('2026-06-08 10:00'), { workingDays: 1 }, neverOpen)).toThrow(/no working day/);
  });
});

describe('deadlineFor with clock time', () => {
  it('gives 24 clock hours across the March clock change as 24 real hours, 13:00 in London', () => {
    const deadline = deadlineFor(new Date('2026-03-28T12:00:00Z'), { clockHours: 24 });
    expect(deadline.toISOString()).toBe('2026-03-29T12:00:00.000Z');
    expect(londonClock.format(deadline)).toBe('13:00');
  });

  it('gives 24 clock hours across the October clock change as 24 real hours, 12:00 in London', () => {
    const deadline = deadlineFor(new Date('2026-10-24T12:00:00Z'), { clockHours: 24 });
    expect(deadline.toISOString()).toBe('2026-10-25T12:00:00.000Z');
    expect(londonClock.format(deadline)).toBe('12:00');
  });

  it('runs clock hours through nights, weekends and bank holidays', () => {
    expect(deadlineFor(london('2026-12-24 20:00'), { clockHours: 24 })).toEqual(london('2026-12-25 20:00'));
  });

  it('adds seconds exactly, whenever they start', () => {
    const start = london('2026-06-13 23:59');
    expect(deadlineFor(start, { seconds: 30 }).getTime()).toBe(start.getTime() + 30_000);
  });
});

describe('the England and Wales calendar', () => {
  // Published by GOV.UK (gov.uk/bank-holidays); the library is the source, this is the check on it.
  const bankHolidays: Record<number, string[]> = {
    2025: ['2025-01-01', '2025-04-18', '2025-04-21', '2025-05-05', '2025-05-26', '2025-08-25', '2025-12-25', '2025-12-26'],
    2026: ['2026-01-01', '2026-04-03', '2026-04-06', '2026-05-04', '2026-05-25', '2026-08-31', '2026-12-25', '2026-12-28'],
    2027: ['2027-01-01', '2027-03-26', '2027-03-29', '2027-05-03', '2027-05-31', '2027-08-30', '2027-12-27', '2027-12-28'],
  };

  it.each(Object.entries(bankHolidays))('knows every bank holiday of %s', (_year, dates) => {
    for (const date of dates) expect(englandAndWales.isHoliday(date), date).toBe(true);
  });

  it.each(Object.keys(bankHolidays).map(Number))('has no weekday holiday in %s that GOV.UK does not list', (year) => {
    const extra: string[] = [];
    for (let day = new Date(Date.UTC(year, 0, 1)); day.getUTCFullYear() === year; day.setUTCDate(day.getUTCDate() + 1)) {
      const date = day.toISOString().slice(0, 10);
      const weekday = day.getUTCDay() !== 0 && day.getUTCDay() !== 6;
      if (weekday && englandAndWales.isHoliday(date) && !bankHolidays[year]?.includes(date)) extra.push(date);
    }
    expect(extra).toEqual([]);
  });

  it('does not treat observances such as Mother\'s Day as bank holidays', () => {
    expect(englandAndWales.isHoliday('2026-03-15')).toBe(false);
  });

  it('works on the day after a substitute bank holiday', () => {
    expect(englandAndWales.isHoliday('2026-12-29')).toBe(false);
  });
});

describe('isWorkingTime', () => {
  it.each([
    ['opening time on a weekday', '2026-06-08 09:00', true],
    ['the last minute before closing', '2026-06-08 16:59', true],
    ['closing time', '2026-06-08 17:00', false],
    ['just before opening', '2026-06-08 08:59', false],
    ['a Saturday afternoon', '2026-06-13 14:00', false],
    ['a bank holiday morning', '2026-05-04 10:00', false],
    ['the first Monday morning in BST', '2026-03-30 09:00', true],
    ['the first Monday morning in GMT', '2026-10-26 09:00', true],
  ])('says %s is %s', (_name, at, expected) => {
    expect(isWorkingTime(london(at))).toBe(expected);
  });

  it('opens at 09:00 London time, not UTC, in summer', () => {
    expect(isWorkingTime(new Date('2026-06-08T08:30:00Z'))).toBe(true);
    expect(isWorkingTime(new Date('2026-06-08T16:30:00Z'))).toBe(false);
  });
});

describe('graceEndFor', () => {
  it('gives a quarter of a 24 hour window, 6 hours, after the deadline', () => {
    const start = new Date('2026-06-08T12:00:00Z');
    const deadline = deadlineFor(start, { clockHours: 24 });
    expect(graceEndFor(start, deadline, defaultPolicy).toISOString()).toBe('2026-06-09T18:00:00.000Z');
  });

  it('gives at least the minimum when a quarter of the window is shorter', () => {
    const start = new Date('2026-06-08T12:00:00Z');
    const deadline = deadlineFor(start, { clockHours: 4 });
    expect(graceEndFor(start, deadline, defaultPolicy).toISOString()).toBe('2026-06-08T18:00:00.000Z');
  });

  it('measures the window in clock time, weekends included', () => {
    const start = london('2026-06-12 16:00');
    const deadline = deadlineFor(start, { workingDays: 1 });
    expect(graceEndFor(start, deadline, defaultPolicy)).toEqual(london('2026-06-16 10:00'));
  });
});

describe('escalation settings in the service config', () => {
  it('gives every area a quarter of the window and at least 2 hours when the config says nothing', () => {
    const twoAreas = parseServiceConfig(twoAreasJson);
    for (const area of [...defaultServiceConfig.areas, ...twoAreas.areas]) expect(area.escalation).toEqual(defaultPolicy);
  });

  it('refuses a grace fraction of zero or more than the whole window', () => {
    for (const graceFraction of [0, 1.5]) {
      const raw = structuredClone(twoAreasJson) as { areas: Record<string, unknown>[] };
      raw.areas[0] = { ...raw.areas[0], escalation: { graceFraction, minimumGraceSeconds: 0 } };
      expect(() => parseServiceConfig(raw)).toThrow(/escalation\.graceFraction/);
    }
  });

  it('shortens every deadline and grace period for tests that watch the ladder', () => {
    const short = withShortDeadlines(parseServiceConfig(twoAreasJson), 5, 3);
    for (const area of short.areas) {
      expect(area.escalation).toEqual({ graceFraction: 0.25, minimumGraceSeconds: 3 });
      for (const team of area.teams) for (const band of BANDS) expect(team.deadlines[band]).toEqual({ seconds: 5 });
    }
    expect(defaultServiceConfig.areas[0]?.teams[0]?.deadlines.HIGH).toEqual({ clockHours: 24 });
  });
});

describe('deadline properties', () => {
  const startArb = fc.date({ min: new Date('2025-01-01T00:00:00Z'), max: new Date('2028-12-31T23:59:59.999Z'), noInvalidDate: true });
  const workingDaysArb = fc.integer({ min: 1, max: 31 });

  function isClosingTime(at: Date): boolean {
    return workingHoursOn(englandAndWales, londonDate.format(at))?.closesAt.getTime() === at.getTime();
  }

  /** Working time between two instants, counted day by day with the calendar's opening hours. */
  function workingMsBetween(from: Date, to: Date): number {
    let total = 0;
    for (let day = from.getTime() - 24 * HOUR_MS; day <= to.getTime() + 24 * HOUR_MS; day += 24 * HOUR_MS) {
      const hours = workingHoursOn(englandAndWales, londonDate.format(new Date(day)));
      if (!hours) continue;
      const overlap = Math.min(to.getTime(), hours.closesAt.getTime()) - Math.max(from.getTime(), hours.opensAt.getTime());
      total += Math.max(0, overlap);
    }
    return total;
  }

  it('never lands outside working hours, though it may land exactly at closing', () => {
    fc.assert(fc.property(startArb, workingDaysArb, (start, workingDays) => {
      const deadline = deadlineFor(start, { workingDays });
      expect(isWorkingTime(deadline) || isClosingTime(deadline)).toBe(true);
    }));
  });

  it('never lands on a weekend or a bank holiday', () => {
    fc.assert(fc.property(startArb, workingDaysArb, (start, workingDays) => {
      const deadline = deadlineFor(start, { workingDays });
      expect(['Sat', 'Sun']).not.toContain(londonWeekday.format(deadline));
      expect(englandAndWales.isHoliday(londonDate.format(deadline))).toBe(false);
    }));
  });

  it('leaves exactly the promised number of working hours between the start and the deadline', () => {
    fc.assert(fc.property(startArb, workingDaysArb, (start, workingDays) => {
      expect(workingMsBetween(start, deadlineFor(start, { workingDays }))).toBe(workingDays * 8 * HOUR_MS);
    }));
  });

  it('never gives a later referral an earlier deadline', () => {
    fc.assert(fc.property(startArb, startArb, workingDaysArb, (a, b, workingDays) => {
      const [earlier, later] = a <= b ? [a, b] : [b, a];
      expect(deadlineFor(earlier, { workingDays }).getTime()).toBeLessThanOrEqual(deadlineFor(later, { workingDays }).getTime());
    }));
  });

  it('always falls after the start', () => {
    fc.assert(fc.property(startArb, workingDaysArb, (start, workingDays) => {
      expect(deadlineFor(start, { workingDays }).getTime()).toBeGreaterThan(start.getTime());
    }));
  });

  it('ends later with one more working day', () => {
    fc.assert(fc.property(startArb, fc.integer({ min: 1, max: 30 }), (start, workingDays) => {
      expect(deadlineFor(start, { workingDays: workingDays + 1 }).getTime())
        .toBeGreaterThan(deadlineFor(start, { workingDays }).getTime());
    }));
  });

  it('puts a clock-hour deadline exactly that many real hours after the start', () => {
    fc.assert(fc.property(startArb, fc.integer({ min: 1, max: 24 * 31 }), (start, clockHours) => {
      expect(deadlineFor(start, { clockHours }).getTime() - start.getTime()).toBe(clockHours * HOUR_MS);
    }));
  });

  it('ends the grace period no sooner than the minimum or the share of the window, and no later than the larger rounded up to a millisecond', () => {
    const deadlineArb = fc.oneof(
      workingDaysArb.map((workingDays) => ({ workingDays })),
      fc.integer({ min: 1, max: 24 * 31 }).map((clockHours) => ({ clockHours })),
      fc.integer({ min: 1, max: 31 * 24 * 3600 }).map((seconds) => ({ seconds })),
    );
    const policyArb = fc.record({
      graceFraction: fc.double({ min: Number.MIN_VALUE, max: 1, noNaN: true }),
      minimumGraceSeconds: fc.integer({ min: 0, max: 7 * 24 * 3600 }),
    });
    fc.assert(fc.property(startArb, deadlineArb, policyArb, (start, deadline, policy) => {
      const deadlineAt = deadlineFor(start, deadline);
      const window = deadlineAt.getTime() - start.getTime();
      const grace = graceEndFor(start, deadlineAt, policy).getTime() - deadlineAt.getTime();
      expect(grace).toBeGreaterThanOrEqual(policy.minimumGraceSeconds * 1000);
      expect(grace).toBeGreaterThanOrEqual(policy.graceFraction * window);
      expect(grace).toBeLessThanOrEqual(Math.ceil(Math.max(policy.minimumGraceSeconds * 1000, policy.graceFraction * window)));
    }));
  });
});
