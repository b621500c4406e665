import { BANDS, type Band } from './config.js';
import { SOURCES, type ReferralSource } from './referral.js';
import { localDateOf } from './working-calendar.js';

/*
 * Commissioner throughput reports (SPEC §7). Each step of a referral's journey becomes a fact; each fact
 * adds to one aggregate bucket (London day × area × team × band × source), so a report reads buckets and
 * its cost grows with days and teams, never with the number of referrals. Facts carry no victim details:
 * only where, when, which team, which band and who referred.
 */

/** Reports count days as a commissioner in England would: the London calendar, across clock changes. */
export const REPORT_TIME_ZONE = 'Europe/London';
/** The area of a referral no configured area covers. Upper case, so no configured (lower-case) id can be it. */
export const OUT_OF_AREA = 'OUT_OF_AREA';
/** The team of a referral-level fact (RECEIVED): it belongs to no team. */
export const REFERRAL_LEVEL = '-';

export type FactKind = 'RECEIVED' | 'ASSIGNED' | 'ACKNOWLEDGED' | 'DECLINED' | 'REROUTED' | 'BREACHED';

interface FactBase {
  /** Deterministic (see `factIdFor`): a retried step produces the same id, and the store counts an id once. */
  readonly factId: string;
  readonly at: Date;
  readonly band: Band;
  readonly source: ReferralSource;
}

/** A referral arrived. Recorded once it is screened and routed, but dated when it arrived. */
export interface ReceivedFact extends FactBase {
  readonly kind: 'RECEIVED';
  /** `undefined`: no configured area covers the referral. */
  readonly areaId: string | undefined;
}

interface TeamFactBase extends FactBase {
  readonly areaId: string;
  readonly teamId: string;
}

export interface AssignedFact extends TeamFactBase { readonly kind: 'ASSIGNED' }
export interface AcknowledgedFact extends TeamFactBase {
  readonly kind: 'ACKNOWLEDGED';
  readonly withinDeadline: boolean;
  /** From the moment the team was assigned, so a slow email does not look like a slow team. */
  readonly secondsToAcknowledge: number;
}
export interface DeclinedFact extends TeamFactBase { readonly kind: 'DECLINED' }
export interface ReroutedFact extends TeamFactBase { readonly kind: 'REROUTED' }
export interface BreachedFact extends TeamFactBase { readonly kind: 'BREACHED' }

export type ThroughputFact = ReceivedFact | AssignedFact | AcknowledgedFact | DeclinedFact | ReroutedFact | BreachedFact;

/**
 * The id a fact is counted under. One per referral, team and kind: the store keeps one assignment per
 * team per referral, so a second ACKNOWLEDGED for the same pair can only be a retry.
 */
export function factIdFor(kind: FactKind, reference: string, teamId: string = REFERRAL_LEVEL): string {
  if (kind === 'RECEIVED' && teamId !== REFERRAL_LEVEL) throw new RangeError('RECEIVED is counted once per referral, not per team');
  return `${reference}#${teamId}#${kind}`;
}

export const COUNTERS = [
  'received', 'assigned', 'acknowledged', 'acknowledgedWithinDeadline', 'declined', 'rerouted', 'breached',
] as const;
export type Counter = typeof COUNTERS[number];

/* ---------------------------------------------------------------------------------------------------
 * Time-to-acknowledge histogram. Uniform buckets keep the arithmetic obvious: a percentile read from a
 * bucket is within one bucket width of the exact one, so 5-minute buckets keep the median and 90th
 * percentile within 5 minutes. 14 days covers the longest configured window plus its grace several
 * times over; anything slower lands in one overflow bucket. Stored sparse: only buckets in use.
 * ------------------------------------------------------------------------------------------------- */

export const BUCKET_SECONDS = 5 * 60;
export const HISTOGRAM_CAP_SECONDS = 14 * 24 * 3600;
/** The last index: [HISTOGRAM_CAP_SECONDS, ∞). */
export const OVERFLOW_BUCKET = HISTOGRAM_CAP_SECONDS / BUCKET_SECONDS;

/** Bucket index → how many acknowledgements fell in it. Absent buckets are empty. */
export type Histogram = Readonly<Record<number, number>>;

export function histogramBucket(seconds: number): number {
  if (!Number.isFinite(seconds)) throw new RangeError(`time to acknowledge must be a number of seconds, not ${seconds}`);
  // A clock a little behind between two Lambdas could make this negative; it still means "at once".
  return Math.min(Math.floor(Math.max(0, seconds) / BUCKET_SECONDS), OVERFLOW_BUCKET);
}

export function mergeHistograms(histograms: Iterable<Histogram>): Record<number, number> {
  const merged: Record<number, number> = {};
  for (const histogram of histograms) {
    for (const [bucket, count] of Object.entries(histogram)) {
      if (count) merged[Number(bucket)] = (merged[Number(bucket)] ?? 0) + count;
    }
  }
  return merged;
}

/**
 * The p-th percentile (0 < p ≤ 100) in seconds, by nearest rank, or `undefined` for an empty histogram.
 * The rank is found in its bucket and placed by linear interpolation among that bucket's entries, so
 * the answer always lies in the same bucket as the exact value. In the overflow bucket the answer is
 * the cap: "at least 14 days" is all the histogram knows.
 */
export function percentileFromHistogram(histogram: Histogram, p: number): number | undefined {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], not ${p}`);
  const buckets = Object.entries(histogram)
    .map(([bucket, count]) => [Number(bucket), count] as const)
    .filter(([, count]) => count > 0)
    .sort(([a], [b]) => a - b);
  const total = buckets.reduce((sum, [, count]) => sum + count, 0);
  if (total === 0) return undefined;
  const rank = Math.ceil((p / 100) * total);
  let before = 0;
  for (const [bucket, count] of buckets) {
    if (before + count >= rank) {
      const lower = bucket * BUCKET_SECONDS;
      if (bucket >= OVERFLOW_BUCKET) return lower;
      // Entries are spread evenly through the bucket, each at the middle of its own slice.
      return lower + (BUCKET_SECONDS * (rank - before - 0.5)) / count;
    }
    before += count;
  }
  throw new Error('unreachable: the rank is never above the total');
}

/* ------------------------------------------------------------------------------------------------- */

/** Where a fact is counted: one bucket per London day, area, team, band and source. */
export interface AggregateKey {
  /** YYYY-MM-DD in London. */
  readonly day: string;
  /** A configured area id, or OUT_OF_AREA. */
  readonly areaId: string;
  /** A team id, or REFERRAL_LEVEL for facts about the referral as a whole. */
  readonly teamId: string;
  readonly band: Band;
  readonly source: ReferralSource;
}

export interface AggregateIncrement {
  readonly key: AggregateKey;
  /** Each named counter goes up by one. */
  readonly counters: readonly Counter[];
  /** ACKNOWLEDGED only: the time-to-acknowledge bucket that goes up by one. */
  readonly histogramBucket?: number;
}

const COUNTER_OF: Record<FactKind, Counter> = {
  RECEIVED: 'received',
  ASSIGNED: 'assigned',
  ACKNOWLEDGED: 'acknowledged',
  DECLINED: 'declined',
  REROUTED: 'rerouted',
  BREACHED: 'breached',
};

export function aggregateKey(fact: ThroughputFact): AggregateIncrement {
  const key: AggregateKey = {
    day: localDateOf(fact.at, REPORT_TIME_ZONE),
    areaId: fact.areaId ?? OUT_OF_AREA,
    teamId: fact.kind === 'RECEIVED' ? REFERRAL_LEVEL : fact.teamId,
    band: fact.band,
    source: fact.source,
  };
  if (fact.kind === 'ACKNOWLEDGED') {
    return {
      key,
      counters: fact.withinDeadline ? ['acknowledged', 'acknowledgedWithinDeadline'] : ['acknowledged'],
      histogramBucket: histogramBucket(fact.secondsToAcknowledge),
    };
  }
  return { key, counters: [COUNTER_OF[fact.kind]] };
}

/** One stored bucket, as the report reads it. */
export interface AggregateRow extends AggregateKey {
  readonly counters: Readonly<Partial<Record<Counter, number>>>;
  readonly histogram: Histogram;
}

/* ---------------------------------------------------------------------------------------------------
 * Report periods
 * ------------------------------------------------------------------------------------------------- */

export type GroupBy = 'week' | 'month' | 'quarter';
export type Dimension = 'team' | 'band' | 'area' | 'source';

const dayPattern = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

function utcOf(day: string): Date {
  const match = dayPattern.exec(day);
  const date = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : undefined;
  // Round-tripping rejects 2026-02-30, which Date.UTC would quietly turn into 2 March.
  if (!date || date.toISOString().slice(0, 10) !== day) throw new RangeError(`"${day}" is not a YYYY-MM-DD date`);
  return date;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * The period a London day belongs to: `2026-W47` (ISO 8601 week: Monday first, and the week belongs to
 * the year of its Thursday, so 2026-12-31 is in 2026-W53 and 2027-01-01 too), `2026-11`, `2026-Q4`.
 * Labels sort in time order as plain strings.
 */
export function periodOf(day: string, groupBy: GroupBy): string {
  const date = utcOf(day);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth() + 1;
  if (groupBy === 'month') return `${pad(year, 4)}-${pad(month)}`;
  if (groupBy === 'quarter') return `${pad(year, 4)}-Q${Math.ceil(month / 3)}`;
  const isoWeekday = date.getUTCDay() || 7;
  const thursday = new Date(date.getTime() + (4 - isoWeekday) * DAY_MS);
  const weekYear = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(weekYear, 0, 1)) / DAY_MS / 7) + 1;
  return `${pad(weekYear, 4)}-W${pad(week)}`;
}

function daysFrom(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = utcOf(from).getTime(), end = utcOf(to).getTime(); t <= end; t += DAY_MS) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}

/* ---------------------------------------------------------------------------------------------------
 * The report
 * ------------------------------------------------------------------------------------------------- */

export interface ThroughputFigures {
  /** Referrals, not assignments: see ALL_TEAMS. */
  readonly received: number;
  readonly assignments: number;
  readonly acknowledged: number;
  readonly acknowledgedWithinDeadline: number;
  /** 0–100, one decimal place; null with no acknowledgements to take a share of. */
  readonly withinDeadlinePercent: number | null;
  readonly medianMinutesToAcknowledge: number | null;
  readonly p90MinutesToAcknowledge: number | null;
  readonly declined: number;
  readonly rerouted: number;
  readonly breached: number;
}

/** The figures that are counts, and so add up across lines. */
export const COUNT_FIGURES = [
  'received', 'assignments', 'acknowledged', 'acknowledgedWithinDeadline', 'declined', 'rerouted', 'breached',
] as const satisfies readonly (keyof ThroughputFigures)[];
export type CountFigure = typeof COUNT_FIGURES[number];

/**
 * Under `by: 'team'`, a referral received belongs to no team (one referral may go to two teams, or to
 * none when out of area), so `received` is on a line of its own with this value and is 0 on every team
 * line. Totals stay plain sums of lines. Upper case, so it can never be a team's id.
 */
export const ALL_TEAMS = 'ALL_TEAMS';

export interface ReportOptions {
  /** Inclusive London days, YYYY-MM-DD. */
  readonly from: string;
  readonly to: string;
  readonly groupBy: GroupBy;
  readonly by: Dimension;
  /**
   * Team or area ids to show even without figures (a team that was sent nothing is news too), so that
   * a report's lines match the teams and areas it covers. Bands and sources are always all shown.
   */
  readonly includeValues?: readonly string[];
}

/** `F` is the figures' form: numbers here, published strings after suppression. */
export interface ReportOf<F> extends ReportOptions {
  /** Every period the range touches, in order, including empty ones: a missing week would look like missing data. */
  readonly periods: readonly string[];
  /** Every value of the dimension: all bands and sources; the teams and areas that have any figures. */
  readonly values: readonly string[];
  /** One per period × value, period-major in the order of `periods` and `values`. */
  readonly lines: readonly ({ readonly period: string; readonly value: string } & F)[];
  readonly periodTotals: readonly ({ readonly period: string } & F)[];
  readonly valueTotals: readonly ({ readonly value: string } & F)[];
  readonly total: F;
}

export type ThroughputReport = ReportOf<ThroughputFigures>;

interface Tally {
  counters: Record<Counter, number>;
  histograms: Histogram[];
}

const emptyTally = (): Tally => ({
  counters: Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Record<Counter, number>,
  histograms: [],
});

function add(tally: Tally, row: AggregateRow): void {
  for (const counter of COUNTERS) tally.counters[counter] += row.counters[counter] ?? 0;
  tally.histograms.push(row.histogram);
}

const minutes = (seconds: number | undefined) => (seconds === undefined ? null : Math.round(seconds / 60));

function figuresOf(tally: Tally): ThroughputFigures {
  const { counters } = tally;
  const histogram = mergeHistograms(tally.histograms);
  return {
    received: counters.received,
    assignments: counters.assigned,
    acknowledged: counters.acknowledged,
    acknowledgedWithinDeadline: counters.acknowledgedWithinDeadline,
    withinDeadlinePercent: counters.acknowledged
      ? Math.round((1000 * counters.acknowledgedWithinDeadline) / counters.acknowledged) / 10
      : null,
    medianMinutesToAcknowledge: minutes(percentileFromHistogram(histogram, 50)),
    p90MinutesToAcknowledge: minutes(percentileFromHistogram(histogram, 90)),
    declined: counters.declined,
    rerouted: counters.rerouted,
    breached: counters.breached,
  };
}

function valueOf(row: AggregateRow, by: Dimension): string {
  if (by === 'band') return row.band;
  if (by === 'source') return row.source;
  if (by === 'area') return row.areaId;
  return row.teamId === REFERRAL_LEVEL ? ALL_TEAMS : row.teamId;
}

/** Bands and sources in their own order (lowest band first); ids alphabetically, then the upper-case sentinels. */
function orderedValues(seen: ReadonlySet<string>, by: Dimension): string[] {
  if (by === 'band') return [...BANDS];
  if (by === 'source') return [...SOURCES];
  const sentinel = (v: string) => v === ALL_TEAMS || v === OUT_OF_AREA;
  return [...seen].sort((a, b) => Number(sentinel(a)) - Number(sentinel(b)) || (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Throughput for a range of London days, per period and dimension value, from stored buckets. Buckets
 * outside the range are ignored, so a caller may pass whole months. Percentiles of a total come from
 * the merged histogram, not from its lines' percentiles, which do not add.
 */
export function throughputReport(rows: Iterable<AggregateRow>, options: ReportOptions): ThroughputReport {
  const { from, to, groupBy, by, includeValues = [] } = options;
  if (utcOf(from) > utcOf(to)) throw new RangeError(`the report starts (${from}) after it ends (${to})`);
  const periods = [...new Set(daysFrom(from, to).map((day) => periodOf(day, groupBy)))];

  const cells = new Map<string, Tally>();
  const seen = new Set<string>(by === 'team' || by === 'area' ? includeValues : []);
  const cellKey = (period: string, value: string) => `${period}\u0000${value}`;
  for (const row of rows) {
    if (row.day < from || row.day > to) continue;
    const period = periodOf(row.day, groupBy);
    const value = valueOf(row, by);
    seen.add(value);
    let tally = cells.get(cellKey(period, value));
    if (!tally) cells.set(cellKey(period, value), (tally = emptyTally()));
    add(tally, row);
  }
  const values = orderedValues(seen, by);

  const byPeriod = new Map(periods.map((p) => [p, emptyTally()]));
  const byValue = new Map(values.map((v) => [v, emptyTally()]));
  const overall = emptyTally();
  const lines = periods.flatMap((period) => values.map((value) => {
    const tally = cells.get(cellKey(period, value)) ?? emptyTally();
    for (const total of [byPeriod.get(period), byValue.get(value), overall]) {
      if (!total) continue;
      for (const counter of COUNTERS) total.counters[counter] += tally.counters[counter];
      total.histograms.push(...tally.histograms);
    }
    return { period, value, ...figuresOf(tally) };
  }));

  return {
    from, to, groupBy, by, periods, values, lines,
    periodTotals: periods.map((period) => ({ period, ...figuresOf(byPeriod.get(period) ?? emptyTally()) })),
    valueTotals: values.map((value) => ({ value, ...figuresOf(byValue.get(value) ?? emptyTally()) })),
    total: figuresOf(overall),
  };
}
