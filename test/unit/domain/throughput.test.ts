import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BANDS } from '../../../functions/domain/config.js';
import { SOURCES } from '../../../functions/domain/referral.js';
import {
  aggregateFacts, aggregateKey, ALL_TEAMS, type AggregateRow, BUCKET_SECONDS, COUNT_FIGURES, COUNTERS, factIdFor, HISTOGRAM_CAP_SECONDS,
  histogramBucket, mergeHistograms, notApplicable, OUT_OF_AREA, OUTCOME_COUNTERS, OVERFLOW_BUCKET, percentileFromHistogram, REFERRAL_LEVEL,
  decodeHistogram, encodeHistogram, rollUp, throughputReport, valueIn, type Counter, type Dimension, type ThroughputFact, type ThroughputFigures,
} from '../../../functions/domain/throughput.js';
import { OUTCOMES } from '../../../functions/domain/referral-record.js';
import { periodOf, type GroupBy } from '../../../functions/domain/report-calendar.js';

const base = { band: 'HIGH', source: 'police' } as const;

function histogramOf(seconds: readonly number[]): Record<number, number> {
  const histogram: Record<number, number> = {};
  for (const s of seconds) histogram[histogramBucket(s)] = (histogram[histogramBucket(s)] ?? 0) + 1;
  return histogram;
}

function row(overrides: Partial<AggregateRow> & Pick<AggregateRow, 'day' | 'counters'>): AggregateRow {
  return { areaId: 'merseyside', teamId: 'mdvs', band: 'HIGH', source: 'police', histogram: {}, ...overrides };
}

describe('facts and the buckets they add to', () => {
  it('gives a retried step the same fact id, and different steps different ones', () => {
    expect(factIdFor('ACKNOWLEDGED', 'SR-7KQ2-9XMD', 'mdvs')).toBe('SR-7KQ2-9XMD#mdvs#ACKNOWLEDGED');
    expect(factIdFor('ACKNOWLEDGED', 'SR-7KQ2-9XMD', 'mdvs')).toBe(factIdFor('ACKNOWLEDGED', 'SR-7KQ2-9XMD', 'mdvs'));
    const ids = new Set([
      factIdFor('RECEIVED', 'SR-7KQ2-9XMD'),
      factIdFor('ASSIGNED', 'SR-7KQ2-9XMD', 'mdvs'),
      factIdFor('ASSIGNED', 'SR-7KQ2-9XMD', 'housing-support'),
      factIdFor('DECLINED', 'SR-7KQ2-9XMD', 'mdvs'),
      factIdFor('ASSIGNED', 'SR-3PLM-4WQA', 'mdvs'),
    ]);
    expect(ids.size).toBe(5);
  });

  it('refuses to count a referral received once per team', () => {
    expect(() => factIdFor('RECEIVED', 'SR-7KQ2-9XMD', 'mdvs')).toThrow(RangeError);
  });

  it('counts a day as London reads it, in summer time and in winter', () => {
    const at = (iso: string): ThroughputFact => ({ kind: 'ASSIGNED', factId: 'x', at: new Date(iso), areaId: 'merseyside', teamId: 'mdvs', ...base });
    expect(aggregateKey(at('2026-06-01T23:30:00Z')).key.day).toBe('2026-06-02');
    expect(aggregateKey(at('2026-01-01T23:30:00Z')).key.day).toBe('2026-01-01');
    expect(aggregateKey(at('2026-03-29T00:30:00Z')).key.day).toBe('2026-03-29');
  });

  it('puts a referral received outside every area under OUT_OF_AREA, at referral level', () => {
    const increment = aggregateKey({ kind: 'RECEIVED', factId: 'x', at: new Date('2026-06-01T10:00:00Z'), areaId: undefined, band: 'STANDARD', source: 'self' });
    expect(increment).toEqual({
      key: { day: '2026-06-01', areaId: OUT_OF_AREA, teamId: REFERRAL_LEVEL, band: 'STANDARD', source: 'self' },
      counters: ['received'],
    });
  });

  it('counts an acknowledgement in time twice over, and a late one once, with its time in the histogram', () => {
    const acknowledged = (withinDeadline: boolean, secondsToAcknowledge: number): ThroughputFact => ({
      kind: 'ACKNOWLEDGED', factId: 'x', at: new Date('2026-06-01T10:00:00Z'), areaId: 'merseyside', teamId: 'mdvs',
      withinDeadline, secondsToAcknowledge, ...base,
    });
    expect(aggregateKey(acknowledged(true, 3_600))).toMatchObject({ counters: ['acknowledged', 'acknowledgedWithinDeadline'], timing: { measure: 'acknowledge', bucket: 12 } });
    expect(aggregateKey(acknowledged(false, 3 * 86_400))).toMatchObject({ counters: ['acknowledged'], timing: { measure: 'acknowledge', bucket: 864 } });
  });

  it('counts a first contact with its time from submission in a histogram of its own, dated at the contact', () => {
    const contacted: ThroughputFact = {
      kind: 'CONTACTED', factId: factIdFor('CONTACTED', 'SR-7KQ2-9XMD', 'mdvs'), at: new Date('2026-06-01T23:30:00Z'),
      areaId: 'merseyside', teamId: 'mdvs', secondsToFirstContact: 2 * 3_600, ...base,
    };
    expect(aggregateKey(contacted)).toEqual({
      key: { day: '2026-06-02', areaId: 'merseyside', teamId: 'mdvs', band: 'HIGH', source: 'police' },
      counters: ['contacted'], timing: { measure: 'firstContact', bucket: 24 },
    });
    expect(contacted.factId).toBe('SR-7KQ2-9XMD#mdvs#CONTACTED');
  });

  it.each(OUTCOMES.map((outcome) => [outcome, OUTCOME_COUNTERS[outcome]]))('counts the outcome %s as %s, and nothing else', (outcome, counter) => {
    const fact: ThroughputFact = { kind: 'OUTCOME', factId: factIdFor('OUTCOME', 'SR-7KQ2-9XMD', 'mdvs'), at: new Date('2026-06-01T10:00:00Z'), areaId: 'merseyside', teamId: 'mdvs', outcome, ...base };
    expect(aggregateKey(fact)).toEqual({ key: { day: '2026-06-01', areaId: 'merseyside', teamId: 'mdvs', band: 'HIGH', source: 'police' }, counters: [counter] });
  });

  it('has a counter per outcome, each a store-safe name of letters only', () => {
    expect(new Set(OUTCOMES.map((o) => OUTCOME_COUNTERS[o])).size).toBe(OUTCOMES.length);
    for (const counter of COUNTERS) expect(counter).toMatch(/^[a-zA-Z]+$/);
  });

  it('refuses an outcome it does not know', () => {
    const fact = { kind: 'OUTCOME', factId: 'x', at: new Date('2026-06-01T10:00:00Z'), areaId: 'merseyside', teamId: 'mdvs', outcome: 'closed', ...base } as unknown as ThroughputFact;
    expect(() => aggregateKey(fact)).toThrow(RangeError);
  });

  it.each([
    ['DECLINED', 'declined'], ['REROUTED', 'rerouted'], ['BREACHED', 'breached'], ['ASSIGNED', 'assigned'],
  ] as const)('counts %s as %s', (kind, counter) => {
    const fact = { kind, factId: 'x', at: new Date('2026-06-01T10:00:00Z'), areaId: 'merseyside', teamId: 'mdvs', ...base } as ThroughputFact;
    expect(aggregateKey(fact)).toEqual({
      key: { day: '2026-06-01', areaId: 'merseyside', teamId: 'mdvs', band: 'HIGH', source: 'police' },
      counters: [counter],
    });
  });
});

describe('the time-to-acknowledge histogram', () => {
  it('uses 5-minute buckets, a clock slightly behind as zero, and one bucket for 14 days and over', () => {
    expect(histogramBucket(0)).toBe(0);
    expect(histogramBucket(-30)).toBe(0);
    expect(histogramBucket(BUCKET_SECONDS - 1)).toBe(0);
    expect(histogramBucket(BUCKET_SECONDS)).toBe(1);
    expect(histogramBucket(HISTOGRAM_CAP_SECONDS - 1)).toBe(OVERFLOW_BUCKET - 1);
    expect(histogramBucket(HISTOGRAM_CAP_SECONDS)).toBe(OVERFLOW_BUCKET);
    expect(histogramBucket(400 * 86_400)).toBe(OVERFLOW_BUCKET);
    expect(() => histogramBucket(Number.NaN)).toThrow(RangeError);
  });

  it('has no percentile without acknowledgements', () => {
    expect(percentileFromHistogram({}, 50)).toBeUndefined();
    expect(percentileFromHistogram({ 3: 0 }, 90)).toBeUndefined();
  });

  it('interpolates within the bucket the rank falls in', () => {
    // Four entries: one in 30–35 min, two in 60–65 min, one in 150–155 min.
    const histogram = { 6: 1, 12: 2, 30: 1 };
    expect(percentileFromHistogram(histogram, 25)).toBe(1_800 + 150);
    expect(percentileFromHistogram(histogram, 50)).toBe(3_600 + 75);
    expect(percentileFromHistogram(histogram, 75)).toBe(3_600 + 225);
    expect(percentileFromHistogram(histogram, 90)).toBe(9_000 + 150);
  });

  it('says "at least 14 days" for a percentile in the overflow bucket', () => {
    expect(percentileFromHistogram({ 1: 1, [OVERFLOW_BUCKET]: 9 }, 50)).toBe(HISTOGRAM_CAP_SECONDS);
  });

  it('refuses a percentile outside (0, 100]', () => {
    for (const p of [0, -5, 101, Number.NaN]) expect(() => percentileFromHistogram({ 1: 1 }, p)).toThrow(RangeError);
  });

  it('puts the median and 90th percentile within 5 minutes of the exact nearest-rank values', () => {
    const nearestRank = (sorted: number[], p: number) => sorted[Math.ceil((p / 100) * sorted.length) - 1]!;
    const times = fc.oneof(
      fc.integer({ min: 0, max: HISTOGRAM_CAP_SECONDS - 1 }),
      // Most teams answer within hours: crowd the samples so many share a bucket.
      fc.integer({ min: 0, max: 4 * 3_600 }),
    );
    fc.assert(fc.property(fc.array(times, { minLength: 1, maxLength: 400 }), fc.constantFrom(50, 90), (samples, p) => {
      const sorted = [...samples].sort((a, b) => a - b);
      const estimate = percentileFromHistogram(histogramOf(samples), p)!;
      expect(Math.abs(estimate - nearestRank(sorted, p))).toBeLessThanOrEqual(5 * 60);
    }), { numRuns: 2_000 });
  });

  it('merges histograms by adding bucket counts', () => {
    expect(mergeHistograms([{ 1: 2, 5: 1 }, { 5: 3, 7: 1 }, {}])).toEqual({ 1: 2, 5: 4, 7: 1 });
  });
});

describe('report periods', () => {
  it.each([
    ['2026-11-16', 'week', '2026-W47'],
    ['2026-11-22', 'week', '2026-W47'],
    ['2026-11-23', 'week', '2026-W48'],
    ['2026-12-31', 'week', '2026-W53'],
    ['2027-01-01', 'week', '2026-W53'],
    ['2027-01-04', 'week', '2027-W01'],
    ['2024-12-30', 'week', '2025-W01'],
    ['2025-12-29', 'week', '2026-W01'],
    ['2026-11-30', 'month', '2026-11'],
    ['2026-01-01', 'month', '2026-01'],
    ['2026-01-01', 'quarter', '2026-Q1'],
    ['2026-03-31', 'quarter', '2026-Q1'],
    ['2026-04-01', 'quarter', '2026-Q2'],
    ['2026-12-31', 'quarter', '2026-Q4'],
  ] as const)('puts %s in %s %s', (day, groupBy, label) => {
    expect(periodOf(day, groupBy)).toBe(label);
  });

  it('refuses a day that is not on the calendar', () => {
    for (const day of ['2026-02-30', '2026-13-01', '26-01-01', '2026-1-1']) expect(() => periodOf(day, 'month')).toThrow(RangeError);
  });

  it('starts a new week on Mondays and only on Mondays, with labels in time order', () => {
    const dayAt = (offset: number) => new Date(Date.UTC(2000, 0, 1) + offset * 86_400_000).toISOString().slice(0, 10);
    fc.assert(fc.property(fc.integer({ min: 0, max: 40_000 }), (offset) => {
      const today = dayAt(offset);
      const tomorrow = dayAt(offset + 1);
      const isMonday = new Date(`${tomorrow}T00:00:00Z`).getUTCDay() === 1;
      const [a, b] = [periodOf(today, 'week'), periodOf(tomorrow, 'week')];
      expect(a !== b).toBe(isMonday);
      expect(a <= b).toBe(true);
    }), { numRuns: 2_000 });
  });
});

const zero: ThroughputFigures = {
  received: 0, assignments: 0, acknowledged: 0, acknowledgedWithinDeadline: 0, withinDeadlinePercent: null,
  medianMinutesToAcknowledge: null, p90MinutesToAcknowledge: null, declined: 0, rerouted: 0, breached: 0,
  contacted: 0, medianMinutesToFirstContact: null, p90MinutesToFirstContact: null, outcomeSupportAccepted: 0,
  outcomeSupportDeclined: 0, outcomeUnableToContact: 0, outcomeReferredElsewhere: 0, outcomeNotAppropriate: 0,
};

// Two weeks in June 2026 in Merseyside, and rows either side of the range that must not count.
const twoWeeks: AggregateRow[] = [
  row({ day: '2026-05-31', counters: { assigned: 9 } }),
  row({ day: '2026-06-01', teamId: REFERRAL_LEVEL, counters: { received: 3 } }),
  row({ day: '2026-06-02', counters: { assigned: 3, acknowledged: 2, acknowledgedWithinDeadline: 1 }, histogram: { 6: 1, 30: 1 } }),
  row({ day: '2026-06-03', teamId: 'housing-support', counters: { assigned: 1, declined: 1, rerouted: 1 } }),
  row({ day: '2026-06-09', band: 'STANDARD', source: 'self', counters: { assigned: 2, acknowledged: 2, acknowledgedWithinDeadline: 2 }, histogram: { 12: 2 } }),
  row({ day: '2026-06-10', teamId: REFERRAL_LEVEL, band: 'STANDARD', source: 'self', counters: { received: 2 } }),
  row({ day: '2026-06-12', band: 'MEDIUM', source: 'agency', counters: { assigned: 1, breached: 1 } }),
  row({ day: '2026-06-15', counters: { assigned: 5 } }),
];

describe('the throughput report', () => {
  it('adds up two weeks by team, with referrals received on a line of their own', () => {
    const report = throughputReport(rollUp(twoWeeks), { from: '2026-06-01', to: '2026-06-14', groupBy: 'week', by: 'team' });
    expect(report.periods).toEqual(['2026-W23', '2026-W24']);
    expect(report.values).toEqual(['housing-support', 'mdvs', ALL_TEAMS]);
    expect(report.lines).toEqual([
      { period: '2026-W23', value: 'housing-support', ...zero, assignments: 1, declined: 1, rerouted: 1 },
      {
        period: '2026-W23', value: 'mdvs', ...zero, assignments: 3, acknowledged: 2, acknowledgedWithinDeadline: 1,
        withinDeadlinePercent: 50, medianMinutesToAcknowledge: 33, p90MinutesToAcknowledge: 153,
      },
      { period: '2026-W23', value: ALL_TEAMS, ...zero, received: 3 },
      { period: '2026-W24', value: 'housing-support', ...zero },
      {
        period: '2026-W24', value: 'mdvs', ...zero, assignments: 3, acknowledged: 2, acknowledgedWithinDeadline: 2,
        withinDeadlinePercent: 100, medianMinutesToAcknowledge: 61, p90MinutesToAcknowledge: 64, breached: 1,
      },
      { period: '2026-W24', value: ALL_TEAMS, ...zero, received: 2 },
    ]);
    expect(report.periodTotals).toEqual([
      {
        ...zero, period: '2026-W23', received: 3, assignments: 4, acknowledged: 2, acknowledgedWithinDeadline: 1, withinDeadlinePercent: 50,
        medianMinutesToAcknowledge: 33, p90MinutesToAcknowledge: 153, declined: 1, rerouted: 1, breached: 0,
      },
      {
        ...zero, period: '2026-W24', received: 2, assignments: 3, acknowledged: 2, acknowledgedWithinDeadline: 2, withinDeadlinePercent: 100,
        medianMinutesToAcknowledge: 61, p90MinutesToAcknowledge: 64, declined: 0, rerouted: 0, breached: 1,
      },
    ]);
    expect(report.valueTotals[1]).toEqual({
      value: 'mdvs', ...zero, assignments: 6, acknowledged: 4, acknowledgedWithinDeadline: 3, withinDeadlinePercent: 75,
      medianMinutesToAcknowledge: 61, p90MinutesToAcknowledge: 153, breached: 1,
    });
    expect(report.total).toEqual({
      ...zero, received: 5, assignments: 7, acknowledged: 4, acknowledgedWithinDeadline: 3, withinDeadlinePercent: 75,
      medianMinutesToAcknowledge: 61, p90MinutesToAcknowledge: 153, declined: 1, rerouted: 1, breached: 1,
    });
    // A team receives no referrals and the referral-level line does no team's work: not applicable, not "none".
    expect(report.notApplicable).toEqual({ 'housing-support': ['received'], mdvs: ['received'], [ALL_TEAMS]: notApplicable('team', ALL_TEAMS) });
    expect(report.notApplicable[ALL_TEAMS]).toEqual(expect.arrayContaining(['assignments', 'contacted', 'medianMinutesToFirstContact', 'outcomeSupportAccepted']));
    expect(report.notApplicable[ALL_TEAMS]).not.toContain('received');
  });

  it('says every figure applies to every band, source and area', () => {
    for (const by of ['band', 'source', 'area'] as const) {
      expect(throughputReport(rollUp(twoWeeks), { from: '2026-06-01', to: '2026-06-14', groupBy: 'week', by }).notApplicable).toEqual({});
    }
  });

  it('gives time to first contact and outcome counts per team, band and in total', () => {
    const contact = (reference: string, teamId: string, band: 'HIGH' | 'STANDARD', minutes: number): ThroughputFact => ({
      kind: 'CONTACTED', factId: factIdFor('CONTACTED', reference, teamId), at: new Date('2026-06-03T12:00:00Z'),
      areaId: 'merseyside', teamId, band, source: 'police', secondsToFirstContact: minutes * 60,
    });
    const outcome = (reference: string, teamId: string, band: 'HIGH' | 'STANDARD', value: typeof OUTCOMES[number]): ThroughputFact => ({
      kind: 'OUTCOME', factId: factIdFor('OUTCOME', reference, teamId), at: new Date('2026-06-04T12:00:00Z'),
      areaId: 'merseyside', teamId, band, source: 'police', outcome: value,
    });
    const facts = [
      contact('SR-1', 'mdvs', 'HIGH', 62), contact('SR-2', 'mdvs', 'HIGH', 182), contact('SR-3', 'victim-care', 'STANDARD', 2_882),
      outcome('SR-1', 'mdvs', 'HIGH', 'support-accepted'), outcome('SR-2', 'mdvs', 'HIGH', 'support-accepted'),
      outcome('SR-3', 'victim-care', 'STANDARD', 'referred-elsewhere'), outcome('SR-4', 'victim-care', 'STANDARD', 'unable-to-contact'),
    ];
    const byTeam = throughputReport(rollUp(aggregateFacts(facts)), { from: '2026-06-01', to: '2026-06-30', groupBy: 'month', by: 'team' });
    expect(byTeam.values).toEqual(['mdvs', 'victim-care']);
    // 62 and 182 minutes are in buckets 12 and 36: each read at its bucket's middle (62.5, 182.5), rounded.
    expect(byTeam.valueTotals[0]).toEqual({
      value: 'mdvs', ...zero, contacted: 2, medianMinutesToFirstContact: 63, p90MinutesToFirstContact: 183, outcomeSupportAccepted: 2,
    });
    expect(byTeam.valueTotals[1]).toEqual({
      value: 'victim-care', ...zero, contacted: 1, medianMinutesToFirstContact: 2_883, p90MinutesToFirstContact: 2_883,
      outcomeReferredElsewhere: 1, outcomeUnableToContact: 1,
    });
    expect(byTeam.total).toMatchObject({ contacted: 3, medianMinutesToFirstContact: 183, p90MinutesToFirstContact: 2_883, outcomeSupportAccepted: 2, outcomeReferredElsewhere: 1, outcomeUnableToContact: 1 });
    // Acknowledgement figures are untouched by contacts: nothing to measure there.
    expect(byTeam.total.medianMinutesToAcknowledge).toBeNull();
    const byBand = throughputReport(rollUp(aggregateFacts(facts)), { from: '2026-06-01', to: '2026-06-30', groupBy: 'month', by: 'band' });
    expect(byBand.valueTotals.map((t) => [t.value, t.contacted, t.medianMinutesToFirstContact, t.outcomeSupportAccepted, t.outcomeUnableToContact]))
      .toEqual([['STANDARD', 1, 2_883, 0, 1], ['MEDIUM', 0, null, 0, 0], ['HIGH', 2, 63, 2, 0]]);
  });

  it('lists every band, lowest first, even one with nothing in it', () => {
    const report = throughputReport(rollUp(twoWeeks), { from: '2026-06-01', to: '2026-06-14', groupBy: 'month', by: 'band' });
    expect(report.periods).toEqual(['2026-06']);
    expect(report.values).toEqual([...BANDS]);
    expect(report.lines.map((l) => [l.value, l.received, l.assignments, l.breached])).toEqual([
      ['STANDARD', 2, 2, 0], ['MEDIUM', 0, 1, 1], ['HIGH', 3, 4, 0],
    ]);
  });

  it('splits by source and by area, out-of-area last', () => {
    const bySource = throughputReport(rollUp(twoWeeks), { from: '2026-06-01', to: '2026-06-14', groupBy: 'quarter', by: 'source' });
    expect(bySource.values).toEqual([...SOURCES]);
    expect(bySource.lines.map((l) => [l.value, l.received, l.assignments])).toEqual([['self', 2, 2], ['police', 3, 4], ['agency', 0, 1]]);
    const withOutOfArea = [...twoWeeks, row({ day: '2026-06-05', areaId: OUT_OF_AREA, teamId: REFERRAL_LEVEL, counters: { received: 1 } })];
    const byArea = throughputReport(rollUp(withOutOfArea), { from: '2026-06-01', to: '2026-06-14', groupBy: 'quarter', by: 'area' });
    expect(byArea.values).toEqual(['merseyside', OUT_OF_AREA]);
    expect(byArea.lines.map((l) => [l.value, l.received])).toEqual([['merseyside', 5], [OUT_OF_AREA, 1]]);
  });

  it('counts only the days in range of a week the range cuts through, and keeps empty periods', () => {
    const report = throughputReport(rollUp(twoWeeks), { from: '2026-06-03', to: '2026-06-22', groupBy: 'week', by: 'band' });
    expect(report.periods).toEqual(['2026-W23', '2026-W24', '2026-W25', '2026-W26']);
    expect(report.periodTotals.map((t) => [t.period, t.received, t.assignments])).toEqual([
      ['2026-W23', 0, 1], ['2026-W24', 2, 3], ['2026-W25', 0, 5], ['2026-W26', 0, 0],
    ]);
  });

  it('refuses a range that ends before it starts, or is not made of days', () => {
    expect(() => throughputReport([], { from: '2026-06-02', to: '2026-06-01', groupBy: 'week', by: 'team' })).toThrow(RangeError);
    expect(() => throughputReport([], { from: '2026-06-31', to: '2026-07-01', groupBy: 'week', by: 'team' })).toThrow(RangeError);
  });

  const dayOf = (offset: number) => new Date(Date.UTC(2026, 0, 1) + offset * 86_400_000).toISOString().slice(0, 10);
  const count = fc.nat({ max: 20 });
  const arbitraryRow: fc.Arbitrary<AggregateRow> = fc.record({
    day: fc.integer({ min: 0, max: 400 }).map(dayOf),
    areaId: fc.constantFrom('merseyside', 'cheshire', OUT_OF_AREA),
    teamId: fc.constantFrom('mdvs', 'victim-care', 'housing-support', REFERRAL_LEVEL),
    band: fc.constantFrom(...BANDS),
    source: fc.constantFrom(...SOURCES),
    counters: fc.record(
      Object.fromEntries(COUNTERS.map((c) => [c, count])) as Record<Counter, fc.Arbitrary<number>>,
      { requiredKeys: [] },
    ),
    histogram: fc.dictionary(fc.integer({ min: 0, max: OVERFLOW_BUCKET }).map(String), fc.integer({ min: 1, max: 5 }), { maxKeys: 5 }),
    firstContactHistogram: fc.dictionary(fc.integer({ min: 0, max: OVERFLOW_BUCKET }).map(String), fc.integer({ min: 1, max: 5 }), { maxKeys: 5 }),
  }, { requiredKeys: ['day', 'areaId', 'teamId', 'band', 'source', 'counters', 'histogram'] });
  const reportOptions = fc.record({
    from: fc.integer({ min: 0, max: 200 }).map(dayOf),
    to: fc.integer({ min: 200, max: 400 }).map(dayOf),
    groupBy: fc.constantFrom('week', 'month', 'quarter'),
    by: fc.constantFrom('team', 'band', 'area', 'source'),
  } as const);

  it('has totals that are the sums of their lines, and counts every row in range once', () => {
    fc.assert(fc.property(fc.array(arbitraryRow, { maxLength: 60 }), reportOptions, (rows, options) => {
      const report = throughputReport(rollUp(rows), options);
      const sum = (xs: readonly ThroughputFigures[], figure: typeof COUNT_FIGURES[number]) => xs.reduce((s, x) => s + x[figure], 0);
      for (const figure of COUNT_FIGURES) {
        report.periods.forEach((period, p) => {
          expect(report.periodTotals[p]![figure]).toBe(sum(report.lines.filter((l) => l.period === period), figure));
        });
        report.values.forEach((value, v) => {
          expect(report.valueTotals[v]![figure]).toBe(sum(report.lines.filter((l) => l.value === value), figure));
        });
        expect(report.total[figure]).toBe(sum(report.lines, figure));
        expect(report.total[figure]).toBe(sum(report.periodTotals, figure));
        expect(report.total[figure]).toBe(sum(report.valueTotals, figure));
      }
      const inRange = rows.filter((r) => r.day >= options.from && r.day <= options.to);
      expect(report.total.assignments).toBe(inRange.reduce((s, r) => s + (r.counters.assigned ?? 0), 0));
      expect(report.total.received).toBe(inRange.reduce((s, r) => s + (r.counters.received ?? 0), 0));
      expect(report.lines).toHaveLength(report.periods.length * report.values.length);
    }), { numRuns: 300 });
  });

  it('does not depend on the order rows are read in', () => {
    const rowsAndShuffle = fc.array(arbitraryRow, { maxLength: 40 })
      .chain((rows) => fc.tuple(fc.constant(rows), fc.shuffledSubarray(rows, { minLength: rows.length, maxLength: rows.length })));
    fc.assert(fc.property(rowsAndShuffle, reportOptions, ([rows, shuffled], options) => {
      expect(throughputReport(rollUp(shuffled), options)).toEqual(throughputReport(rollUp(rows), options));
    }), { numRuns: 300 });
  });

  /** The report as a plain sum over day rows: what reading whole weeks and months must come to. */
  function directly(rows: readonly AggregateRow[], options: { from: string; to: string; groupBy: GroupBy; by: Dimension }) {
    const cells = new Map<string, { counters: Record<Counter, number>; histograms: Record<number, number>[]; contactHistograms: Record<number, number>[] }>();
    for (const r of rows) {
      if (r.day < options.from || r.day > options.to) continue;
      const id = `${periodOf(r.day, options.groupBy)} ${valueIn(r, options.by)}`;
      const cell = cells.get(id) ?? { counters: Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Record<Counter, number>, histograms: [], contactHistograms: [] };
      for (const c of COUNTERS) cell.counters[c] += r.counters[c] ?? 0;
      cell.histograms.push(r.histogram);
      if (r.firstContactHistogram) cell.contactHistograms.push(r.firstContactHistogram);
      cells.set(id, cell);
    }
    return cells;
  }

  const minutesOf = (seconds: number | undefined) => (seconds === undefined ? null : Math.round(seconds / 60));
  const countsOf = (figures: ThroughputFigures) => ({ ...Object.fromEntries(COUNT_FIGURES.map((f) => [f, figures[f]])) });
  const expectedCounts = (counters: Record<Counter, number> | undefined) => Object.fromEntries(COUNT_FIGURES.map((f) => [f, counters?.[f === 'assignments' ? 'assigned' : f] ?? 0]));

  it('gives, for any range, the figures of adding up its days one by one', () => {
    const anyRange = fc.tuple(fc.integer({ min: 0, max: 420 }), fc.integer({ min: 0, max: 120 }))
      .map(([start, length]) => ({ from: dayOf(start), to: dayOf(start + length) }));
    const options = fc.record({ range: anyRange, groupBy: fc.constantFrom<GroupBy>('week', 'month', 'quarter'), by: fc.constantFrom<Dimension>('team', 'band', 'area', 'source') })
      .map(({ range, groupBy, by }) => ({ ...range, groupBy, by }));
    const dense = arbitraryRow.chain((r) => fc.integer({ min: 0, max: 540 }).map((d) => ({ ...r, day: dayOf(d) })));
    fc.assert(fc.property(fc.array(dense, { maxLength: 80 }), options, (rows, opts) => {
      const report = throughputReport(rollUp(rows), opts);
      const expected = directly(rows, opts);
      for (const line of report.lines) {
        const cell = expected.get(`${line.period} ${line.value}`);
        expect(countsOf(line)).toEqual(expectedCounts(cell?.counters));
        expect(line.medianMinutesToAcknowledge).toBe(minutesOf(percentileFromHistogram(mergeHistograms(cell?.histograms ?? []), 50)));
        expect(line.medianMinutesToFirstContact).toBe(minutesOf(percentileFromHistogram(mergeHistograms(cell?.contactHistograms ?? []), 50)));
        expect(line.p90MinutesToFirstContact).toBe(minutesOf(percentileFromHistogram(mergeHistograms(cell?.contactHistograms ?? []), 90)));
      }
      for (const id of expected.keys()) expect(report.lines.some((l) => `${l.period} ${l.value}` === id)).toBe(true);
    }), { numRuns: 400 });
  });

  /** Facts of every kind, each counted once, on days around a year, in London time. */
  const anyFact: fc.Arbitrary<ThroughputFact> = fc.record({
    kind: fc.constantFrom('RECEIVED', 'ASSIGNED', 'ACKNOWLEDGED', 'DECLINED', 'REROUTED', 'BREACHED', 'CONTACTED', 'OUTCOME'),
    reference: fc.integer({ min: 0, max: 1_000_000 }).map((n) => `SR-${n}`),
    at: fc.integer({ min: 0, max: 420 * 86_400 }).map((s) => new Date(Date.UTC(2026, 0, 1) + s * 1000)),
    areaId: fc.constantFrom('merseyside', 'cheshire'),
    teamId: fc.constantFrom('mdvs', 'victim-care'),
    band: fc.constantFrom(...BANDS),
    source: fc.constantFrom(...SOURCES),
    seconds: fc.oneof(fc.integer({ min: 0, max: 6 * 3_600 }), fc.integer({ min: 0, max: HISTOGRAM_CAP_SECONDS + 86_400 })),
    withinDeadline: fc.boolean(),
    outcome: fc.constantFrom(...OUTCOMES),
  }).map(({ kind, reference, at, areaId, teamId, band, source, seconds, withinDeadline, outcome }): ThroughputFact => {
    const common = { at, band, source };
    if (kind === 'RECEIVED') return { ...common, kind, factId: factIdFor(kind, reference), areaId };
    const team = { ...common, areaId, teamId, factId: factIdFor(kind, reference, teamId) };
    if (kind === 'ACKNOWLEDGED') return { ...team, kind, withinDeadline, secondsToAcknowledge: seconds };
    if (kind === 'CONTACTED') return { ...team, kind, secondsToFirstContact: seconds };
    if (kind === 'OUTCOME') return { ...team, kind, outcome };
    return { ...team, kind };
  });

  it('gives, for any range and breakdown, what adding up its facts one by one gives, new kinds included', () => {
    const londonDay = (at: Date) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
    const options = fc.record({
      start: fc.integer({ min: 0, max: 400 }), length: fc.integer({ min: 0, max: 120 }),
      groupBy: fc.constantFrom<GroupBy>('week', 'month', 'quarter'), by: fc.constantFrom<Dimension>('team', 'band', 'area', 'source'),
    }).map(({ start, length, groupBy, by }) => ({ from: dayOf(start), to: dayOf(start + length), groupBy, by }));
    fc.assert(fc.property(fc.array(anyFact, { maxLength: 120 }), options, (facts, opts) => {
      const report = throughputReport(rollUp(aggregateFacts(facts)), opts);
      type Cell = { counts: Record<string, number>; acknowledge: number[]; firstContact: number[] };
      const cells = new Map<string, Cell>();
      for (const fact of facts) {
        const day = londonDay(fact.at);
        if (day < opts.from || day > opts.to) continue;
        const value = opts.by === 'team' ? (fact.kind === 'RECEIVED' ? ALL_TEAMS : fact.teamId)
          : opts.by === 'area' ? fact.areaId ?? OUT_OF_AREA : opts.by === 'band' ? fact.band : fact.source;
        const id = `${periodOf(day, opts.groupBy)} ${value}`;
        const cell = cells.get(id) ?? { counts: {}, acknowledge: [], firstContact: [] };
        cells.set(id, cell);
        const add = (figure: string) => { cell.counts[figure] = (cell.counts[figure] ?? 0) + 1; };
        if (fact.kind === 'RECEIVED') add('received');
        if (fact.kind === 'ASSIGNED') add('assignments');
        if (fact.kind === 'DECLINED') add('declined');
        if (fact.kind === 'REROUTED') add('rerouted');
        if (fact.kind === 'BREACHED') add('breached');
        if (fact.kind === 'ACKNOWLEDGED') {
          add('acknowledged');
          if (fact.withinDeadline) add('acknowledgedWithinDeadline');
          cell.acknowledge.push(fact.secondsToAcknowledge);
        }
        if (fact.kind === 'CONTACTED') {
          add('contacted');
          cell.firstContact.push(fact.secondsToFirstContact);
        }
        if (fact.kind === 'OUTCOME') add(OUTCOME_COUNTERS[fact.outcome]);
      }
      for (const line of report.lines) {
        const cell = cells.get(`${line.period} ${line.value}`);
        expect(countsOf(line)).toEqual(Object.fromEntries(COUNT_FIGURES.map((f) => [f, cell?.counts[f] ?? 0])));
        // Within one 5-minute bucket of the exact nearest-rank value (or "at least 14 days").
        for (const [measure, median, p90] of [
          ['acknowledge', line.medianMinutesToAcknowledge, line.p90MinutesToAcknowledge],
          ['firstContact', line.medianMinutesToFirstContact, line.p90MinutesToFirstContact],
        ] as const) {
          const sorted = [...(cell?.[measure] ?? [])].sort((a, b) => a - b);
          if (sorted.length === 0) {
            expect([median, p90]).toEqual([null, null]);
            continue;
          }
          for (const [figure, p] of [[median, 50], [p90, 90]] as const) {
            const exact = Math.min(sorted[Math.ceil((p / 100) * sorted.length) - 1]!, HISTOGRAM_CAP_SECONDS);
            expect(Math.abs(figure! * 60 - exact)).toBeLessThanOrEqual(BUCKET_SECONDS + 30);
          }
        }
      }
      for (const id of cells.keys()) expect(report.lines.some((l) => `${l.period} ${l.value}` === id)).toBe(true);
    }), { numRuns: 300 });
  });
});

describe('histograms as text', () => {
  const histogram = fc.dictionary(fc.integer({ min: 0, max: OVERFLOW_BUCKET }).map(String), fc.integer({ min: 1, max: 2 ** 40 }), { maxKeys: 300 })
    .map((h) => Object.fromEntries(Object.entries(h).map(([k, v]) => [Number(k), v])) as Record<number, number>);

  it('reads back exactly what was written', () => {
    fc.assert(fc.property(histogram, (h) => {
      expect(decodeHistogram(encodeHistogram(h))).toEqual(h);
    }), { numRuns: 300 });
  });

  it('writes buckets as steps, so a busy histogram stays short', () => {
    expect(encodeHistogram({ 0: 3, 12: 1, 13: 2 })).toBe('0:3,c:1,1:2');
    expect(encodeHistogram({ 5: 0 })).toBe('');
    const full = Object.fromEntries(Array.from({ length: OVERFLOW_BUCKET + 1 }, (_, b) => [b, 999]));
    expect(encodeHistogram(full).length).toBeLessThan(50_000);
  });

  it('refuses text it would never have written', () => {
    for (const text of ['x', '1', '1:', ':1', '1:0', '0:1,0:1', '1:1:1', `${(OVERFLOW_BUCKET + 1).toString(36)}:1`, '-1:2', '0:3,,1:2']) {
      expect(() => decodeHistogram(text), text).toThrow(RangeError);
    }
  });
});
