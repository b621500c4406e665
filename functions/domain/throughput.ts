import { BANDS, type Band } from './config.js';
import { SOURCES, type ReferralSource } from './referral.js';
import { OUTCOMES, type Outcome } from './referral-record.js';
import { reportCover, spansOfDay, type GroupBy, type SpanUnit } from './report-calendar.js';
import { localDateOf } from './working-calendar.js';

/*
 * Commissioner throughput reports (SPEC §7). Each step of a referral's journey becomes a fact; each fact
 * adds to the totals of its area for its day, ISO week and month (report-calendar.ts), per team, band,
 * source and area. A report reads the few spans covering its periods, so its cost grows with periods and
 * teams, never with the number of referrals. Facts carry no victim details: only where, when, which
 * team, which band and who referred.
 */

/** Reports count days as a commissioner in England would: the London calendar, across clock changes. */
export const REPORT_TIME_ZONE = 'Europe/London';
/** The area of a referral no configured area covers. Upper case, so no configured (lower-case) id can be it. */
export const OUT_OF_AREA = 'OUT_OF_AREA';
/** The team of a referral-level fact (RECEIVED): it belongs to no team. */
export const REFERRAL_LEVEL = '-';

export type FactKind = 'RECEIVED' | 'ASSIGNED' | 'ACKNOWLEDGED' | 'DECLINED' | 'REROUTED' | 'BREACHED' | 'CONTACTED' | 'OUTCOME';

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
/** The team first reached the person (SPEC §2 step 6). Dated at the contact. */
export interface ContactedFact extends TeamFactBase {
  readonly kind: 'CONTACTED';
  /**
   * From the referral's submission, not the assignment: what the victim waited for someone to speak to
   * them, whichever team it was and however many declines and re-routes came first.
   */
  readonly secondsToFirstContact: number;
}
/** The team recorded how its part ended. Dated when recorded. */
export interface OutcomeFact extends TeamFactBase {
  readonly kind: 'OUTCOME';
  readonly outcome: Outcome;
}

export type ThroughputFact = ReceivedFact | AssignedFact | AcknowledgedFact | DeclinedFact | ReroutedFact | BreachedFact | ContactedFact | OutcomeFact;

/**
 * The id a fact is counted under. One per referral, team and kind: the store keeps one assignment per
 * team per referral, so a second ACKNOWLEDGED for the same pair can only be a retry. CONTACTED is
 * counted for every successful contact and kept only for the first; OUTCOME once per team.
 */
export function factIdFor(kind: FactKind, reference: string, teamId: string = REFERRAL_LEVEL): string {
  if (kind === 'RECEIVED' && teamId !== REFERRAL_LEVEL) throw new RangeError('RECEIVED is counted once per referral, not per team');
  return `${reference}#${teamId}#${kind}`;
}

/** The counter (and report figure) of each outcome: letters only, as the store's attribute names need. */
export const OUTCOME_COUNTERS = {
  'support-accepted': 'outcomeSupportAccepted',
  'support-declined': 'outcomeSupportDeclined',
  'unable-to-contact': 'outcomeUnableToContact',
  'referred-elsewhere': 'outcomeReferredElsewhere',
  'not-appropriate': 'outcomeNotAppropriate',
} as const satisfies Record<Outcome, string>;
export type OutcomeCounter = typeof OUTCOME_COUNTERS[Outcome];
export const OUTCOME_FIGURES: readonly OutcomeCounter[] = OUTCOMES.map((outcome) => OUTCOME_COUNTERS[outcome]);

export const COUNTERS = [
  'received', 'assigned', 'acknowledged', 'acknowledgedWithinDeadline', 'declined', 'rerouted', 'breached',
  'contacted', ...OUTCOME_FIGURES,
] as const;
export type Counter = typeof COUNTERS[number];

/* ---------------------------------------------------------------------------------------------------
 * Time histograms (to acknowledge, to first contact). Uniform buckets keep the arithmetic obvious: a percentile read from a
 * bucket is within one bucket width of the exact one, so 5-minute buckets keep the median and 90th
 * percentile within 5 minutes. 14 days covers the longest configured window plus its grace several
 * times over; anything slower lands in one overflow bucket. Stored sparse: only buckets in use.
 * ------------------------------------------------------------------------------------------------- */

export const BUCKET_SECONDS = 5 * 60;
export const HISTOGRAM_CAP_SECONDS = 14 * 24 * 3600;
/** The last index: [HISTOGRAM_CAP_SECONDS, ∞). */
export const OVERFLOW_BUCKET = HISTOGRAM_CAP_SECONDS / BUCKET_SECONDS;

/** Bucket index → how many acknowledgements (or first contacts) fell in it. Absent buckets are empty. */
export type Histogram = Readonly<Record<number, number>>;

export function histogramBucket(seconds: number): number {
  if (!Number.isFinite(seconds)) throw new RangeError(`a time must be a number of seconds, not ${seconds}`);
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
 * A histogram as one count per bucket, 0 to OVERFLOW_BUCKET: the form a report adds histograms up in,
 * so its work follows the number of buckets (fixed) rather than how many are in use.
 */
export type DenseHistogram = Float64Array;

export const denseHistogram = (): DenseHistogram => new Float64Array(OVERFLOW_BUCKET + 1);

/** Adds a histogram into a dense one. */
export function addToDense(dense: DenseHistogram, histogram: Histogram | DenseHistogram): void {
  if (histogram instanceof Float64Array) {
    for (let bucket = 0; bucket < dense.length; bucket++) dense[bucket]! += histogram[bucket]!;
    return;
  }
  for (const key in histogram) {
    const count = histogram[key as unknown as number]!;
    if (count) dense[Math.min(Number(key), OVERFLOW_BUCKET)]! += count;
  }
}

/**
 * The p-th percentile (0 < p ≤ 100) in seconds, by nearest rank, or `undefined` for an empty histogram.
 * The rank is found in its bucket and placed by linear interpolation among that bucket's entries, so
 * the answer always lies in the same bucket as the exact value. In the overflow bucket the answer is
 * the cap: "at least 14 days" is all the histogram knows.
 */
export function percentileFromHistogram(histogram: Histogram | DenseHistogram, p: number): number | undefined {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], not ${p}`);
  let dense: DenseHistogram;
  if (histogram instanceof Float64Array) dense = histogram;
  else addToDense((dense = denseHistogram()), histogram);
  let total = 0;
  for (let bucket = 0; bucket < dense.length; bucket++) total += dense[bucket]!;
  if (total === 0) return undefined;
  const rank = Math.ceil((p / 100) * total);
  let before = 0;
  for (let bucket = 0; bucket < dense.length; bucket++) {
    const count = dense[bucket]!;
    if (count > 0 && before + count >= rank) {
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

/** What a time histogram measures: time to acknowledge (from assignment), to first contact (from submission). */
export type Measure = 'acknowledge' | 'firstContact';
export const MEASURES = ['acknowledge', 'firstContact'] as const satisfies readonly Measure[];

export interface AggregateIncrement {
  readonly key: AggregateKey;
  /** Each named counter goes up by one. */
  readonly counters: readonly Counter[];
  /** ACKNOWLEDGED and CONTACTED only: the bucket of the measure's histogram that goes up by one. */
  readonly timing?: { readonly measure: Measure; readonly bucket: number };
}

const COUNTER_OF: Record<Exclude<FactKind, 'OUTCOME'>, Counter> = {
  RECEIVED: 'received',
  ASSIGNED: 'assigned',
  ACKNOWLEDGED: 'acknowledged',
  DECLINED: 'declined',
  REROUTED: 'rerouted',
  BREACHED: 'breached',
  CONTACTED: 'contacted',
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
      timing: { measure: 'acknowledge', bucket: histogramBucket(fact.secondsToAcknowledge) },
    };
  }
  if (fact.kind === 'CONTACTED') {
    return { key, counters: ['contacted'], timing: { measure: 'firstContact', bucket: histogramBucket(fact.secondsToFirstContact) } };
  }
  if (fact.kind === 'OUTCOME') {
    const counter = OUTCOME_COUNTERS[fact.outcome];
    if (!counter) throw new RangeError(`"${String(fact.outcome)}" is not an outcome`);
    return { key, counters: [counter] };
  }
  return { key, counters: [COUNTER_OF[fact.kind]] };
}

/** A day's figures for one area × team × band × source: what facts add up to before they are kept per span. */
export interface AggregateRow extends AggregateKey {
  readonly counters: Readonly<Partial<Record<Counter, number>>>;
  /** Time to acknowledge. */
  readonly histogram: Histogram;
  /** Time from submission to first contact; absent when there was none. */
  readonly firstContactHistogram?: Histogram;
}

/** The histogram field of a day row for each measure. */
const ROW_HISTOGRAM = { acknowledge: 'histogram', firstContact: 'firstContactHistogram' } as const satisfies Record<Measure, keyof AggregateRow>;

/** Facts added up per day and combination, as if each were counted once. For seeding and for tests. */
export function aggregateFacts(facts: Iterable<ThroughputFact>): AggregateRow[] {
  const rows = new Map<string, { key: AggregateKey; counters: Partial<Record<Counter, number>>; histograms: Record<Measure, Record<number, number>> }>();
  for (const fact of facts) {
    const { key, counters, timing } = aggregateKey(fact);
    const id = [key.areaId, key.day, key.teamId, key.band, key.source].join('\u0000');
    let row = rows.get(id);
    if (!row) rows.set(id, (row = { key, counters: {}, histograms: { acknowledge: {}, firstContact: {} } }));
    for (const counter of counters) row.counters[counter] = (row.counters[counter] ?? 0) + 1;
    if (timing) {
      const histogram = row.histograms[timing.measure];
      histogram[timing.bucket] = (histogram[timing.bucket] ?? 0) + 1;
    }
  }
  return [...rows.values()].map(({ key, counters, histograms }) => ({
    ...key, counters, histogram: histograms.acknowledge,
    ...(Object.keys(histograms.firstContact).length > 0 ? { firstContactHistogram: histograms.firstContact } : {}),
  }));
}

/* ---------------------------------------------------------------------------------------------------
 * Figures kept per span and dimension. A report by team needs, per period, each team's counts and the
 * times its acknowledgements took; percentiles do not add, so the times are kept per team (and per
 * band, source and area) rather than per combination, and a report by team reads the team figures of
 * the spans covering its periods: as many histograms as periods × teams, however many referrals.
 * ------------------------------------------------------------------------------------------------- */

export type Dimension = 'team' | 'band' | 'area' | 'source';
export const DIMENSIONS = ['team', 'band', 'source', 'area'] as const satisfies readonly Dimension[];

/**
 * Under `by: 'team'`, a referral received belongs to no team (one referral may go to two teams, or to
 * none when out of area), so `received` is on a line of its own with this value and is 0 on every team
 * line. Totals stay plain sums of lines. Upper case, so it can never be a team's id.
 */
export const ALL_TEAMS = 'ALL_TEAMS';

/** The value a fact's key has in a dimension. */
export function valueIn(key: AggregateKey, by: Dimension): string {
  if (by === 'band') return key.band;
  if (by === 'source') return key.source;
  if (by === 'area') return key.areaId;
  return key.teamId === REFERRAL_LEVEL ? ALL_TEAMS : key.teamId;
}

/** One area's figures over one span, per value of one dimension. */
export interface SpanTotals {
  readonly areaId: string;
  readonly unit: SpanUnit;
  readonly label: string;
  readonly by: Dimension;
  /** Value → counts. */
  readonly counts: Readonly<Record<string, Readonly<Partial<Record<Counter, number>>>>>;
  /** Value → time-to-acknowledge histogram. */
  readonly times: Readonly<Record<string, Histogram>>;
  /** Value → time-to-first-contact histogram. */
  readonly firstContactTimes: Readonly<Record<string, Histogram>>;
}

/** The histograms field of span totals for each measure. */
export const SPAN_TIMES = { acknowledge: 'times', firstContact: 'firstContactTimes' } as const satisfies Record<Measure, keyof SpanTotals>;

/** Day rows added up into every span and dimension they belong to, as the store keeps them. */
export function rollUp(rows: Iterable<AggregateRow>): SpanTotals[] {
  type Entry = { areaId: string; unit: SpanUnit; label: string; by: Dimension; counts: Record<string, Partial<Record<Counter, number>>>; times: Record<string, Record<number, number>>; firstContactTimes: Record<string, Record<number, number>> };
  const totals = new Map<string, Entry>();
  for (const row of rows) {
    for (const span of spansOfDay(row.day)) {
      for (const by of DIMENSIONS) {
        const id = [row.areaId, span.unit, span.label, by].join('\u0000');
        let entry = totals.get(id);
        if (!entry) totals.set(id, (entry = { areaId: row.areaId, unit: span.unit, label: span.label, by, counts: {}, times: {}, firstContactTimes: {} }));
        const value = valueIn(row, by);
        const counts = (entry.counts[value] ??= {});
        for (const counter of COUNTERS) {
          const n = row.counters[counter];
          if (n) counts[counter] = (counts[counter] ?? 0) + n;
        }
        for (const measure of MEASURES) {
          for (const [bucket, n] of Object.entries(row[ROW_HISTOGRAM[measure]] ?? {})) {
            if (!n) continue;
            const times = (entry[SPAN_TIMES[measure]][value] ??= {});
            times[Number(bucket)] = (times[Number(bucket)] ?? 0) + n;
          }
        }
      }
    }
  }
  return [...totals.values()];
}

/* ---------------------------------------------------------------------------------------------------
 * A histogram as text, for storage: `bucket:count` pairs in base 36, in bucket order, each bucket
 * given as the step from the one before (`0:3,c:1,1:2` is 3 in bucket 0, 1 in 12 and 2 in 13). Only
 * buckets in use are written: a few characters each, so a few KB for the usual few hundred and under
 * 50 KB even with all 4,033 in use.
 * ------------------------------------------------------------------------------------------------- */

export function encodeHistogram(histogram: Histogram): string {
  let previous = 0;
  return Object.entries(histogram)
    .map(([bucket, count]) => [Number(bucket), count] as const)
    .filter(([, count]) => count > 0)
    .sort(([a], [b]) => a - b)
    .map(([bucket, count]) => {
      const step = bucket - previous;
      previous = bucket;
      return `${step.toString(36)}:${count.toString(36)}`;
    })
    .join(',');
}

/** The inverse of encodeHistogram. Throws a RangeError on anything it would not have written. */
export function decodeHistogram(text: string): Record<number, number> {
  const histogram: Record<number, number> = {};
  // Read character by character: a report decodes tens of thousands of entries at high volume.
  let bucket = 0;
  let i = 0;
  const number = (): number => {
    let n = 0;
    const start = i;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      const digit = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 122 ? c - 87 : -1;
      if (digit < 0) break;
      n = n * 36 + digit;
    }
    if (i === start || !Number.isSafeInteger(n)) throw new RangeError(`"${text}" is not a histogram: bad entry at ${start}`);
    return n;
  };
  while (i < text.length) {
    const first = i === 0;
    const step = number();
    if (text[i++] !== ':') throw new RangeError(`"${text}" is not a histogram: no count at ${i - 1}`);
    const count = number();
    bucket += step;
    if ((!first && step === 0) || count === 0 || bucket > OVERFLOW_BUCKET) throw new RangeError(`"${text}" is not a histogram: bad entry before ${i}`);
    histogram[bucket] = count;
    if ((i < text.length && text[i++] !== ',') || (i === text.length && text[i - 1] === ',')) {
      throw new RangeError(`"${text}" is not a histogram: bad separator at ${i - 1}`);
    }
  }
  return histogram;
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
  /** Assignments whose team reached the person at least once. */
  readonly contacted: number;
  /** From the referral's submission to the team's first successful contact; null with no contacts. */
  readonly medianMinutesToFirstContact: number | null;
  readonly p90MinutesToFirstContact: number | null;
  /** One count per outcome (OUTCOMES), of the assignments that ended with it. */
  readonly outcomeSupportAccepted: number;
  readonly outcomeSupportDeclined: number;
  readonly outcomeUnableToContact: number;
  readonly outcomeReferredElsewhere: number;
  readonly outcomeNotAppropriate: number;
}

/** The figures that are counts, and so add up across lines. */
export const COUNT_FIGURES = [
  'received', 'assignments', 'acknowledged', 'acknowledgedWithinDeadline', 'declined', 'rerouted', 'breached',
  'contacted', ...OUTCOME_FIGURES,
] as const satisfies readonly (keyof ThroughputFigures)[];
export type CountFigure = typeof COUNT_FIGURES[number];

/**
 * The figures that are not counts: each is made of the count named here, and is null when that is 0.
 * (withinDeadlinePercent is made of acknowledged and acknowledgedWithinDeadline; see suppression.ts.)
 */
export const MEASURE_FIGURES = {
  withinDeadlinePercent: 'acknowledged',
  medianMinutesToAcknowledge: 'acknowledged',
  p90MinutesToAcknowledge: 'acknowledged',
  medianMinutesToFirstContact: 'contacted',
  p90MinutesToFirstContact: 'contacted',
} as const satisfies Partial<Record<keyof ThroughputFigures, CountFigure>>;
export type MeasureFigure = keyof typeof MEASURE_FIGURES;
export type Figure = CountFigure | MeasureFigure;

/** Figures of what a team does: they belong to no referral-level line. */
const TEAM_FIGURES: readonly Figure[] = [
  'assignments', 'acknowledged', 'acknowledgedWithinDeadline', 'withinDeadlinePercent', 'medianMinutesToAcknowledge',
  'p90MinutesToAcknowledge', 'declined', 'rerouted', 'breached', 'contacted', 'medianMinutesToFirstContact',
  'p90MinutesToFirstContact', ...OUTCOME_FIGURES,
];

/**
 * The figures that mean nothing for a value of a dimension, whose 0 or null is "not applicable", not
 * "none": under `by: 'team'`, referrals are received by an area, not a team, so `received` on a team's
 * line; and on the ALL_TEAMS line, everything a team does. Every other line has every figure.
 */
export function notApplicable(by: Dimension, value: string): readonly Figure[] {
  if (by !== 'team') return [];
  return value === ALL_TEAMS ? TEAM_FIGURES : ['received'];
}

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
  /**
   * Value → the figures that do not apply to its lines (see `notApplicable`): they read 0 or null, as
   * they always have, so totals stay sums of lines. Only values with any are listed.
   */
  readonly notApplicable: Readonly<Record<string, readonly Figure[]>>;
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
  /** Per measure, only once there is a time to add: most cells of a report by band or source have none. */
  times: Partial<Record<Measure, DenseHistogram>>;
}

const emptyTally = (): Tally => ({
  counters: Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Record<Counter, number>,
  times: {},
});

function addTimes(tally: Tally, measure: Measure, histogram: Histogram | DenseHistogram): void {
  addToDense((tally.times[measure] ??= denseHistogram()), histogram);
}

const minutes = (seconds: number | undefined) => (seconds === undefined ? null : Math.round(seconds / 60));

function figuresOf(tally: Tally): ThroughputFigures {
  const { counters } = tally;
  const acknowledge = tally.times.acknowledge;
  const firstContact = tally.times.firstContact;
  return {
    received: counters.received,
    assignments: counters.assigned,
    acknowledged: counters.acknowledged,
    acknowledgedWithinDeadline: counters.acknowledgedWithinDeadline,
    withinDeadlinePercent: counters.acknowledged
      ? Math.round((1000 * counters.acknowledgedWithinDeadline) / counters.acknowledged) / 10
      : null,
    medianMinutesToAcknowledge: minutes(acknowledge && percentileFromHistogram(acknowledge, 50)),
    p90MinutesToAcknowledge: minutes(acknowledge && percentileFromHistogram(acknowledge, 90)),
    declined: counters.declined,
    rerouted: counters.rerouted,
    breached: counters.breached,
    contacted: counters.contacted,
    medianMinutesToFirstContact: minutes(firstContact && percentileFromHistogram(firstContact, 50)),
    p90MinutesToFirstContact: minutes(firstContact && percentileFromHistogram(firstContact, 90)),
    outcomeSupportAccepted: counters.outcomeSupportAccepted,
    outcomeSupportDeclined: counters.outcomeSupportDeclined,
    outcomeUnableToContact: counters.outcomeUnableToContact,
    outcomeReferredElsewhere: counters.outcomeReferredElsewhere,
    outcomeNotAppropriate: counters.outcomeNotAppropriate,
  };
}

/** Bands and sources in their own order (lowest band first); ids alphabetically, then the upper-case sentinels. */
function orderedValues(seen: ReadonlySet<string>, by: Dimension): string[] {
  if (by === 'band') return [...BANDS];
  if (by === 'source') return [...SOURCES];
  const sentinel = (v: string) => v === ALL_TEAMS || v === OUT_OF_AREA;
  return [...seen].sort((a, b) => Number(sentinel(a)) - Number(sentinel(b)) || (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Throughput for a range of London days, per period and dimension value, from the span totals of the
 * report's dimension that cover the range (`spansToRead`); other spans and dimensions are ignored, so a
 * caller may pass more. Percentiles of a total come from the merged histogram, not from its lines'
 * percentiles, which do not add.
 */
export function throughputReport(totals: Iterable<SpanTotals>, options: ReportOptions): ThroughputReport {
  const { from, to, groupBy, by, includeValues = [] } = options;
  const cover = reportCover(from, to, groupBy);
  const periods = cover.map((c) => c.period);

  const bySpan = new Map<string, SpanTotals[]>();
  for (const total of totals) {
    if (total.by !== by) continue;
    const id = `${total.unit}|${total.label}`;
    const list = bySpan.get(id);
    if (list) list.push(total);
    else bySpan.set(id, [total]);
  }
  const cells = new Map<string, Tally>();
  const seen = new Set<string>(by === 'team' || by === 'area' ? includeValues : []);
  const cellKey = (period: string, value: string) => `${period}\u0000${value}`;
  const tallyOf = (period: string, value: string) => {
    seen.add(value);
    let tally = cells.get(cellKey(period, value));
    if (!tally) cells.set(cellKey(period, value), (tally = emptyTally()));
    return tally;
  };
  for (const { period, spans } of cover) {
    for (const span of spans) {
      for (const total of bySpan.get(`${span.unit}|${span.label}`) ?? []) {
        for (const [value, counts] of Object.entries(total.counts)) {
          const tally = tallyOf(period, value);
          for (const counter of COUNTERS) tally.counters[counter] += counts[counter] ?? 0;
        }
        for (const measure of MEASURES) {
          for (const [value, histogram] of Object.entries(total[SPAN_TIMES[measure]] ?? {})) addTimes(tallyOf(period, value), measure, histogram);
        }
      }
    }
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
      for (const measure of MEASURES) {
        const times = tally.times[measure];
        if (times) addTimes(total, measure, times);
      }
    }
    return { period, value, ...figuresOf(tally) };
  }));

  const notApplicableOf: Record<string, readonly Figure[]> = {};
  for (const value of values) {
    const figures = notApplicable(by, value);
    if (figures.length > 0) notApplicableOf[value] = figures;
  }
  return {
    from, to, groupBy, by, notApplicable: notApplicableOf, periods, values, lines,
    periodTotals: periods.map((period) => ({ period, ...figuresOf(byPeriod.get(period) ?? emptyTally()) })),
    valueTotals: values.map((value) => ({ value, ...figuresOf(byValue.get(value) ?? emptyTally()) })),
    total: figuresOf(overall),
  };
}
