import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  coverOf, daysFrom, defaultReportRange, financialYearToDate, periodOf, reportCover, spansOfDay, spansToRead, yearToDate, type GroupBy, type Span,
} from '../../../functions/domain/report-calendar.js';

const dayOf = (offset: number) => new Date(Date.UTC(2024, 0, 1) + offset * 86_400_000).toISOString().slice(0, 10);
const range = fc.tuple(fc.integer({ min: 0, max: 1200 }), fc.integer({ min: 0, max: 400 }))
  .map(([start, length]) => ({ from: dayOf(start), to: dayOf(start + length) }));
const daysOf = (span: Span) => daysFrom(span.first, span.last);

describe('spans a day adds to', () => {
  it('are its day, its ISO week (Monday to Sunday) and its month', () => {
    expect(spansOfDay('2026-11-21')).toEqual([
      { unit: 'day', label: '2026-11-21', first: '2026-11-21', last: '2026-11-21' },
      { unit: 'week', label: '2026-W47', first: '2026-11-16', last: '2026-11-22' },
      { unit: 'month', label: '2026-11', first: '2026-11-01', last: '2026-11-30' },
    ]);
    // A week across New Year belongs to the year of its Thursday, and a leap February has 29 days.
    expect(spansOfDay('2027-01-01')[1]).toEqual({ unit: 'week', label: '2026-W53', first: '2026-12-28', last: '2027-01-03' });
    expect(spansOfDay('2028-02-10')[2]).toMatchObject({ first: '2028-02-01', last: '2028-02-29' });
  });

  it('always hold the day, and their labels are the report periods of the same name', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 3000 }).map(dayOf), (day) => {
      const [d, week, month] = spansOfDay(day);
      for (const span of [d, week, month]) expect(daysOf(span!)).toContain(day);
      expect(daysOf(week!)).toHaveLength(7);
      expect(week!.label).toBe(periodOf(day, 'week'));
      expect(month!.label).toBe(periodOf(day, 'month'));
      expect(new Date(`${week!.first}T00:00:00Z`).getUTCDay()).toBe(1);
    }), { numRuns: 200 });
  });
});

describe('the spans covering a range', () => {
  it('hold every day of the range exactly once, and nothing else', () => {
    fc.assert(fc.property(range, ({ from, to }) => {
      const days = coverOf(from, to).flatMap(daysOf);
      expect(days).toEqual(daysFrom(from, to));
    }), { numRuns: 200 });
  });

  it('use whole months wherever the range holds one, so a year is twelve reads', () => {
    expect(coverOf('2025-01-01', '2025-12-31').map((s) => s.label)).toEqual(
      ['01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12'].map((m) => `2025-${m}`));
    fc.assert(fc.property(range, ({ from, to }) => {
      const spans = coverOf(from, to);
      const months = new Set(spans.filter((s) => s.unit === 'month').map((s) => s.label));
      for (const day of daysFrom(from, to)) {
        const [, , month] = spansOfDay(day);
        if (month!.first >= from && month!.last <= to) expect(months.has(month!.label)).toBe(true);
      }
      // Around the months: whole weeks, then days, a handful either side, whatever the range.
      expect(spans.filter((s) => s.unit !== 'month').length).toBeLessThanOrEqual(2 * (5 + 12));
    }), { numRuns: 200 });
  });

  it('give each report period exactly its own days within the range', () => {
    fc.assert(fc.property(range, fc.constantFrom<GroupBy>('week', 'month', 'quarter'), ({ from, to }, groupBy) => {
      const cover = reportCover(from, to, groupBy);
      expect(cover.map((c) => c.period)).toEqual([...new Set(daysFrom(from, to).map((d) => periodOf(d, groupBy)))]);
      for (const { period, spans } of cover) {
        const days = spans.flatMap(daysOf);
        expect(days).toEqual(daysFrom(from, to).filter((d) => periodOf(d, groupBy) === period));
      }
      const read = spansToRead(from, to, groupBy);
      expect(new Set(read.map((s) => `${s.unit}|${s.label}`)).size).toBe(read.length);
    }), { numRuns: 150 });
  });

  it('read a whole week as a week, and a part of one as days', () => {
    expect(reportCover('2026-11-16', '2026-11-25', 'week')).toEqual([
      { period: '2026-W47', spans: [spansOfDay('2026-11-16')[1]] },
      { period: '2026-W48', spans: ['2026-11-23', '2026-11-24', '2026-11-25'].map((d) => spansOfDay(d)[0]) },
    ]);
  });

  it('refuses a range that ends before it starts, or a day that does not exist', () => {
    expect(() => reportCover('2026-06-02', '2026-06-01', 'week')).toThrow(RangeError);
    expect(() => coverOf('2026-02-30', '2026-03-01')).toThrow(RangeError);
  });
});

describe('ranges that end today', () => {
  it('defaults to the last 12 months, this one so far: 12 months by month, today included', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 3_000 }), (offset) => {
      const today = dayOf(offset);
      const { from, to } = defaultReportRange(today);
      expect(to).toBe(today);
      expect(from.slice(8)).toBe('01');
      expect(reportCover(from, to, 'month').map((c) => c.period)).toHaveLength(12);
      expect(periodOf(to, 'month')).toBe(today.slice(0, 7));
    }), { numRuns: 300 });
    expect(defaultReportRange('2026-01-15')).toEqual({ from: '2025-02-01', to: '2026-01-15' });
  });

  it('runs this year, and this financial year (from 1 April), to today', () => {
    expect(yearToDate('2026-11-18')).toEqual({ from: '2026-01-01', to: '2026-11-18' });
    expect(financialYearToDate('2026-03-31')).toEqual({ from: '2025-04-01', to: '2026-03-31' });
    expect(financialYearToDate('2026-04-01')).toEqual({ from: '2026-04-01', to: '2026-04-01' });
    expect(() => yearToDate('2026-02-30')).toThrow(RangeError);
  });
});
