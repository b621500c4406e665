/*
 * The calendar of commissioner reports (SPEC §7): report periods (ISO weeks, months, quarters) and the
 * spans figures are kept for (London days, ISO weeks, months). Figures are added up per span as they
 * happen, so a report reads a few whole spans per period, never one item per day or per referral: a
 * year by month is twelve month spans, whatever the number of referrals. Days are YYYY-MM-DD.
 */

export type GroupBy = 'week' | 'month' | 'quarter';

/** What figures are kept for: each day adds to its day, its ISO week and its month. */
export type SpanUnit = 'day' | 'week' | 'month';
export const SPAN_UNITS = ['day', 'week', 'month'] as const satisfies readonly SpanUnit[];

export interface Span {
  readonly unit: SpanUnit;
  /** `2026-11-21`, `2026-W47` or `2026-11`: unique within its unit. */
  readonly label: string;
  /** The span's first and last days, inclusive. */
  readonly first: string;
  readonly last: string;
}

const dayPattern = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

function utcOf(day: string): Date {
  const match = dayPattern.exec(day);
  const date = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : undefined;
  // Round-tripping rejects 2026-02-30, which Date.UTC would quietly turn into 2 March.
  if (!date || date.toISOString().slice(0, 10) !== day) throw new RangeError(`"${day}" is not a YYYY-MM-DD date`);
  return date;
}

const dayOf = (date: Date) => date.toISOString().slice(0, 10);
const addDays = (day: string, days: number) => dayOf(new Date(utcOf(day).getTime() + days * DAY_MS));
const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Throws a RangeError unless `day` is a real YYYY-MM-DD date. */
export function checkDay(day: string): void {
  utcOf(day);
}

/** Every day from `from` to `to`, inclusive. */
export function daysFrom(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = utcOf(from).getTime(), end = utcOf(to).getTime(); t <= end; t += DAY_MS) days.push(dayOf(new Date(t)));
  return days;
}

/**
 * The period a day belongs to: `2026-W47` (ISO 8601 week: Monday first, and the week belongs to the
 * year of its Thursday, so 2026-12-31 is in 2026-W53 and 2027-01-01 too), `2026-11`, `2026-Q4`.
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

export function daySpan(day: string): Span {
  checkDay(day);
  return { unit: 'day', label: day, first: day, last: day };
}

/** The ISO week (Monday to Sunday) a day is in. */
export function weekSpan(day: string): Span {
  const monday = addDays(day, 1 - (utcOf(day).getUTCDay() || 7));
  return { unit: 'week', label: periodOf(day, 'week'), first: monday, last: addDays(monday, 6) };
}

export function monthSpan(day: string): Span {
  const date = utcOf(day);
  const first = dayOf(new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1)));
  const last = dayOf(new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)));
  return { unit: 'month', label: periodOf(day, 'month'), first, last };
}

/** The spans a day's figures are added to: the day, its ISO week and its month. */
export function spansOfDay(day: string): [Span, Span, Span] {
  return [daySpan(day), weekSpan(day), monthSpan(day)];
}

/**
 * Spans that together hold exactly the days from `from` to `to`, each day once: whole months where
 * they fit, then whole ISO weeks, then single days. A week is not taken where it would cut into a
 * whole month that follows, so a range of whole months is read as months. At most four weeks and a
 * dozen days lie either side of a run of months, so the count follows the range, never the figures.
 */
export function coverOf(from: string, to: string): Span[] {
  if (utcOf(from) > utcOf(to)) return [];
  const spans: Span[] = [];
  for (let day = from; day <= to;) {
    const month = monthSpan(day);
    if (month.first === day && month.last <= to) {
      spans.push(month);
      day = addDays(month.last, 1);
      continue;
    }
    const week = weekSpan(day);
    const nextMonth = addDays(month.last, 1);
    const cutsIntoAWholeMonth = nextMonth <= week.last && monthSpan(nextMonth).last <= to;
    if (week.first === day && week.last <= to && !cutsIntoAWholeMonth) {
      spans.push(week);
      day = addDays(week.last, 1);
      continue;
    }
    spans.push(daySpan(day));
    day = addDays(day, 1);
  }
  return spans;
}

export interface PeriodCover {
  readonly period: string;
  /** The spans holding exactly this period's days within the report's range. */
  readonly spans: readonly Span[];
}

/** Every period a range touches, in order, with its first and last days within the range. */
export function periodsOf(from: string, to: string, groupBy: GroupBy): { period: string; first: string; last: string }[] {
  if (utcOf(from) > utcOf(to)) throw new RangeError(`the report starts (${from}) after it ends (${to})`);
  const periods: { period: string; first: string; last: string }[] = [];
  for (const day of daysFrom(from, to)) {
    const period = periodOf(day, groupBy);
    const open = periods.at(-1);
    if (open?.period === period) open.last = day;
    else periods.push({ period, first: day, last: day });
  }
  return periods;
}

/** Every period a report's range touches, in order, each with the spans to read for it. */
export function reportCover(from: string, to: string, groupBy: GroupBy): PeriodCover[] {
  return periodsOf(from, to, groupBy).map(({ period, first, last }) => ({ period, spans: coverOf(first, last) }));
}

/** The distinct spans a report reads. */
export function spansToRead(from: string, to: string, groupBy: GroupBy): Span[] {
  const spans = new Map<string, Span>();
  for (const { spans: covering } of reportCover(from, to, groupBy)) {
    for (const span of covering) spans.set(`${span.unit}|${span.label}`, span);
  }
  return [...spans.values()];
}

/**
 * The range a report covers when none is given (SPEC §7: it includes today): the last 12 months up to
 * and including `today`, from the first of the month 11 months before, so by month it is 12 columns,
 * the last one this month so far.
 */
export function defaultReportRange(today: string): { from: string; to: string } {
  const date = utcOf(today);
  const first = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() - 11, 1));
  return { from: dayOf(first), to: today };
}

/** From 1 January of `today`'s year to `today`. */
export function yearToDate(today: string): { from: string; to: string } {
  checkDay(today);
  return { from: `${today.slice(0, 4)}-01-01`, to: today };
}

/** From the 1 April that starts the UK financial year `today` is in, to `today`. */
export function financialYearToDate(today: string): { from: string; to: string } {
  checkDay(today);
  const year = Number(today.slice(0, 4)) - (today.slice(5) < '04-01' ? 1 : 0);
  return { from: `${pad(year, 4)}-04-01`, to: today };
}
