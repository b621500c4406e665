import { defaultReportRange, financialYearToDate, periodsOf, yearToDate, type GroupBy } from '../domain/report-calendar.js';
import { ALL_TEAMS, DIMENSIONS, type Dimension } from '../domain/throughput.js';
import type { AxisLabel, Labels } from './charts.js';

/*
 * The dashboard's controls (SPEC §7): what a commissioner or coordinator may ask for in the query
 * string, checked the way a GOV.UK form checks its answers. The query string only ever holds dates and
 * choices, never anything about a person. Pure: today's London date and the caller's areas come in.
 */

export const GROUPINGS = ['week', 'month', 'quarter'] as const satisfies readonly GroupBy[];
export type Figures = 'publishable' | 'exact';

/** The earliest year anyone may ask about: the service holds nothing older. */
export const FIRST_YEAR = 2000;
/** A chart of more columns than this is unreadable; the CSV has every figure anyway. */
export const MAX_PERIODS = 60;
export const MAX_YEARS = 5;

export interface ReportChoices {
  readonly from: string;
  readonly to: string;
  readonly groupBy: GroupBy;
  readonly by: Dimension;
  /** The areas asked about: one, or all the caller's. */
  readonly areaIds: readonly string[];
  /** `all`, or the one area chosen. */
  readonly area: string;
  readonly figures: Figures;
}

export interface DateParts {
  readonly day: string;
  readonly month: string;
  readonly year: string;
}

/** What the form shows again, as typed. */
export interface ControlValues {
  readonly from: DateParts;
  readonly to: DateParts;
  readonly groupBy: string;
  readonly by: string;
  readonly area: string;
  readonly figures: string;
}

export interface ControlError {
  readonly field: 'from' | 'to' | 'groupBy' | 'by' | 'area';
  readonly text: string;
  /** The input the error summary links to: the first part of a date that is wrong. */
  readonly href: string;
  /** For a date: the parts to mark as wrong. */
  readonly parts?: readonly (keyof DateParts)[];
}

export type ParsedChoices =
  | { readonly ok: true; readonly choices: ReportChoices; readonly values: ControlValues }
  | { readonly ok: false; readonly errors: readonly ControlError[]; readonly values: ControlValues };

export interface CallerScope {
  /** London, YYYY-MM-DD. */
  readonly today: string;
  /** The areas whose figures the caller may see, in the configuration's order. */
  readonly areaIds: readonly string[];
  /** The areas in which the caller may see exact figures (coordinators); commissioners' are always publishable. */
  readonly exactAreaIds: readonly string[];
}

type Query = Readonly<Record<string, string | undefined>>;

const pad = (value: number, width = 2) => String(value).padStart(width, '0');
const isoDay = (year: number, month: number, day: number) => `${pad(year, 4)}-${pad(month)}-${pad(day)}`;

/** The last 12 months up to and including today (SPEC §7: a range defaults to include today). */
export const defaultRange = (today: string): { from: string; to: string } => defaultReportRange(today);

export interface RangePreset {
  readonly id: string;
  readonly text: string;
  readonly from: string;
  readonly to: string;
}

/** Ranges a commissioner is asked about most, each a link with the other choices kept. */
export function rangePresets(today: string): RangePreset[] {
  return [
    { id: 'range-last-12-months', text: 'Last 12 months', ...defaultRange(today) },
    { id: 'range-year-to-date', text: 'This year to date', ...yearToDate(today) },
    { id: 'range-financial-year-to-date', text: 'This financial year to date', ...financialYearToDate(today) },
  ];
}

const partsOf = (day: string): DateParts => ({ day: String(Number(day.slice(8, 10))), month: String(Number(day.slice(5, 7))), year: day.slice(0, 4) });
const clip = (value: string | undefined) => (value ?? '').trim().slice(0, 10);

/**
 * One date from its three boxes (`from-day`, `from-month`, `from-year`) or, for links such as the
 * download's, as `from=YYYY-MM-DD`. Undefined when the query says nothing about it at all.
 */
function readDate(query: Query, field: 'from' | 'to', label: string): { parts: DateParts; day?: string; error?: ControlError } | undefined {
  const boxes = ['day', 'month', 'year'] as const;
  const given = boxes.some((box) => query[`${field}-${box}`] !== undefined);
  let parts: DateParts;
  if (given) {
    parts = { day: clip(query[`${field}-day`]), month: clip(query[`${field}-month`]), year: clip(query[`${field}-year`]) };
  } else if (query[field] !== undefined) {
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(clip(query[field]));
    if (!match) return { parts: { day: '', month: '', year: '' }, error: { field, text: `Enter the ${label} as a real date`, href: `#${field}-day`, parts: [...boxes] } };
    parts = { day: String(Number(match[3])), month: String(Number(match[2])), year: match[1]! };
  } else {
    return undefined;
  }
  const missing = boxes.filter((box) => parts[box] === '');
  if (missing.length === 3) return { parts, error: { field, text: `Enter the ${label}`, href: `#${field}-day`, parts: [...boxes] } };
  if (missing.length > 0) {
    return { parts, error: { field, text: `The ${label} must include a ${missing.join(' and a ')}`, href: `#${field}-${missing[0]}`, parts: missing } };
  }
  if (!/^\d{4}$/.test(parts.year)) return { parts, error: { field, text: 'Year must include 4 numbers', href: `#${field}-year`, parts: ['year'] } };
  if (!/^\d{1,2}$/.test(parts.day) || !/^\d{1,2}$/.test(parts.month)) {
    return { parts, error: { field, text: `The ${label} must be a real date`, href: `#${field}-day`, parts: [...boxes] } };
  }
  const [y, m, d] = [Number(parts.year), Number(parts.month), Number(parts.day)];
  const date = new Date(Date.UTC(y, m - 1, d));
  if (m < 1 || m > 12 || date.getUTCDate() !== d || date.getUTCMonth() !== m - 1) {
    return { parts, error: { field, text: `The ${label} must be a real date`, href: `#${field}-day`, parts: [...boxes] } };
  }
  return { parts, day: isoDay(y, m, d) };
}

function choice<T extends string>(given: string | undefined, allowed: readonly T[], fallback: T): T | undefined {
  if (given === undefined || given === '') return fallback;
  return (allowed as readonly string[]).includes(given) ? given as T : undefined;
}

const DAY_MS = 86_400_000;

/** The periods a range touches: what a chart would have to draw. */
export function periodCount(from: string, to: string, groupBy: GroupBy): number {
  return periodsOf(from, to, groupBy).length;
}

/** Checks the controls. Anything left out takes its default: the last 12 months to today, by month, by team, all areas. */
export function parseReportQuery(query: Query, scope: CallerScope): ParsedChoices {
  const errors: ControlError[] = [];
  const range = defaultRange(scope.today);
  const from = readDate(query, 'from', 'start date');
  const to = readDate(query, 'to', 'end date');
  const groupBy = choice(query.groupBy, GROUPINGS, 'month');
  const by = choice(query.by, scope.areaIds.length > 1 ? DIMENSIONS : DIMENSIONS.filter((d) => d !== 'area'), 'team');
  const area = scope.areaIds.length > 1 ? choice(query.area, ['all', ...scope.areaIds], 'all') : scope.areaIds[0];
  const values: ControlValues = {
    from: from?.parts ?? partsOf(range.from),
    to: to?.parts ?? partsOf(range.to),
    groupBy: groupBy ?? '',
    by: by ?? '',
    area: area ?? clip(query.area),
    figures: query.figures === 'exact' ? 'exact' : 'publishable',
  };

  if (from?.error) errors.push(from.error);
  if (to?.error) errors.push(to.error);
  const fromDay = from ? from.day : range.from;
  const toDay = to ? to.day : range.to;
  if (fromDay && fromDay < `${FIRST_YEAR}-01-01`) {
    errors.push({ field: 'from', text: `The start date must be in ${FIRST_YEAR} or later`, href: '#from-year', parts: ['year'] });
  }
  if (toDay && toDay > scope.today) errors.push({ field: 'to', text: 'The end date must be today or in the past', href: '#to-day', parts: ['day', 'month', 'year'] });
  if (fromDay && toDay && fromDay > toDay && !errors.some((e) => e.field === 'to')) {
    errors.push({ field: 'to', text: 'The end date must be the same as or after the start date', href: '#to-day', parts: ['day', 'month', 'year'] });
  }
  if (!area) errors.push({ field: 'area', text: 'Choose an area from the list', href: '#area' });
  if (!groupBy) errors.push({ field: 'groupBy', text: 'Choose whether to group the figures by week, month or quarter', href: '#groupBy' });
  if (!by) errors.push({ field: 'by', text: 'Choose what to break the figures down by', href: '#by' });

  if (errors.length === 0 && fromDay && toDay && groupBy) {
    const years = (Date.parse(toDay) - Date.parse(fromDay)) / DAY_MS / 365.25;
    if (years > MAX_YEARS) {
      errors.push({ field: 'from', text: `Choose a range of ${MAX_YEARS} years or less`, href: '#from-day', parts: ['day', 'month', 'year'] });
    } else if (periodCount(fromDay, toDay, groupBy) > MAX_PERIODS) {
      errors.push({ field: 'groupBy', text: `That range has more than ${MAX_PERIODS} ${groupBy}s. Group the figures by a longer period, or choose a shorter range`, href: '#groupBy' });
    }
  }
  if (errors.length > 0 || !fromDay || !toDay || !groupBy || !by || !area) return { ok: false, errors, values };

  const areaIds = area === 'all' ? scope.areaIds : [area];
  // Exact figures only where the caller coordinates every area asked about.
  const exact = values.figures === 'exact' && areaIds.every((id) => scope.exactAreaIds.includes(id));
  return {
    ok: true,
    values: { ...values, figures: exact ? 'exact' : 'publishable' },
    choices: { from: fromDay, to: toDay, groupBy, by, area, areaIds, figures: exact ? 'exact' : 'publishable' },
  };
}

/** The query string of the same choices in their short form, for links (the download). */
export function choicesQuery(choices: ReportChoices): string {
  return new URLSearchParams({ from: choices.from, to: choices.to, groupBy: choices.groupBy, by: choices.by, area: choices.area }).toString();
}

/* ---------------------------------------------------------------------------------------------------
 * Words for periods and dates
 * ------------------------------------------------------------------------------------------------- */

const longDate = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
const dayMonth = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** "1 January 2020". */
export const dateText = (day: string) => longDate.format(new Date(`${day}T00:00:00Z`));

/** The Monday an ISO week starts on: week 1 is the week with the year's first Thursday (4 January is always in it). */
export function weekStart(period: string): string {
  const match = /^(\d{4})-W(\d{2})$/.exec(period);
  if (!match) throw new RangeError(`"${period}" is not an ISO week`);
  const fourth = Date.UTC(Number(match[1]), 0, 4);
  const weekday = new Date(fourth).getUTCDay() || 7;
  return new Date(fourth - (weekday - 1) * DAY_MS + (Number(match[2]) - 1) * 7 * DAY_MS).toISOString().slice(0, 10);
}

export function periodText(period: string, groupBy: GroupBy): string {
  if (groupBy === 'week') return `Week commencing ${dateText(weekStart(period))}`;
  const year = period.slice(0, 4);
  if (groupBy === 'quarter') {
    const quarter = Number(period.slice(6));
    return `${MONTHS[(quarter - 1) * 3]} to ${MONTHS[quarter * 3 - 1]} ${year}`;
  }
  return `${MONTHS[Number(period.slice(5, 7)) - 1]} ${year}`;
}

/** Under a column: "Jan", "Q1" or "27 Jan", with the year under the first column and wherever the year changes. */
export function axisLabel(period: string, index: number, periods: readonly string[], groupBy: GroupBy): AxisLabel {
  const yearOf = (p: string) => (groupBy === 'week' ? weekStart(p).slice(0, 4) : p.slice(0, 4));
  const year = yearOf(period);
  const newYear = index === 0 || yearOf(periods[index - 1] ?? '') !== year;
  const top = groupBy === 'week' ? dayMonth.format(new Date(`${weekStart(period)}T00:00:00Z`))
    : groupBy === 'quarter' ? period.slice(5)
      : MONTHS[Number(period.slice(5, 7)) - 1]!.slice(0, 3);
  return newYear ? { top, bottom: year } : { top };
}

const GROUPING_WORDS: Record<GroupBy, string> = { week: 'by week', month: 'by month', quarter: 'by quarter' };
const BAND_WORDS: Record<string, string> = { HIGH: 'High', MEDIUM: 'Medium', STANDARD: 'Standard' };
const SOURCE_WORDS: Record<string, string> = { self: 'The victim', police: 'Police', agency: 'Another agency' };
export const DIMENSION_WORDS: Record<Dimension, string> = { team: 'team', band: 'risk band', source: 'who referred', area: 'area' };

/** Labels for a report's periods and values, given the names of teams and areas. */
export function labelsFor(choices: Pick<ReportChoices, 'from' | 'to' | 'groupBy'>, names: { team: (id: string) => string; area: (id: string) => string }, by: Dimension): Labels {
  return {
    period: (period) => periodText(period, choices.groupBy),
    axis: (period, index, periods) => axisLabel(period, index, periods, choices.groupBy),
    value: (value) => {
      if (by === 'band') return BAND_WORDS[value] ?? value;
      if (by === 'source') return SOURCE_WORDS[value] ?? value;
      if (by === 'area') return names.area(value);
      return value === ALL_TEAMS ? 'Referrals received (not per team)' : names.team(value);
    },
    range: `${dateText(choices.from)} to ${dateText(choices.to)}, ${GROUPING_WORDS[choices.groupBy]}`,
  };
}
