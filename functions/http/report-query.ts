import * as z from 'zod';
import { defaultReportRange, type GroupBy } from '../domain/report-calendar.js';
import type { Dimension } from '../domain/throughput.js';
import { fieldErrors } from './responses.js';

/** What a throughput report was asked for: `GET /api/reports/throughput?from&to&groupBy&by` (SPEC §8). */
export interface ReportQuery {
  /** Inclusive London days, YYYY-MM-DD. Left out: `to` is today, `from` the first of the month 11 months before `to`'s. */
  readonly from: string;
  readonly to: string;
  readonly groupBy: GroupBy;
  readonly by: Dimension;
  /** One of the caller's areas; all of them when left out. */
  readonly area?: string;
  /** Suppress small numbers; left out, it depends on the format (on for CSV, off for JSON). */
  readonly publishable?: boolean;
}

/** Three years of weeks or quarters is the longest comparison a commissioner's annual report makes. */
export const LONGEST_RANGE_YEARS = 3;

const isCalendarDay = (day: string) => {
  const date = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === day;
};

const day = (name: string) => z
  .string({ error: `The ${name} date must be YYYY-MM-DD` })
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: `The ${name} date must be YYYY-MM-DD`, abort: true })
  .refine(isCalendarDay, `The ${name} date is not a day in the calendar`);

/** The last day a range from `from` may reach: three years, counting `from` itself. */
function lastDayFrom(from: string): string {
  const start = new Date(`${from}T00:00:00Z`);
  // 29 February three years on is 1 March, so a range from a leap day may end on 28 February.
  const end = new Date(Date.UTC(start.getUTCFullYear() + LONGEST_RANGE_YEARS, start.getUTCMonth(), start.getUTCDate()));
  return new Date(end.getTime() - 86_400_000).toISOString().slice(0, 10);
}

export const reportQuerySchema = z.strictObject({
  from: day('from').optional(),
  to: day('to').optional(),
  groupBy: z.enum(['week', 'month', 'quarter'], { error: 'Group by week, month or quarter' }).default('month'),
  by: z.enum(['team', 'band', 'area', 'source'], { error: 'Break the figures down by team, band, area or source' }).default('team'),
  area: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'The area must be an area id, like merseyside').optional(),
  publishable: z.enum(['true', 'false'], { error: 'publishable must be true or false' }).transform((v) => v === 'true').optional(),
});

/** Two real days, from on or before to, three years at most apart; each a field error otherwise. */
function rangeIssues(from: string, to: string): { path: string; message: string }[] {
  if (from > to) return [{ path: 'from', message: 'The from date must be on or before the to date' }];
  if (to > lastDayFrom(from)) return [{ path: 'to', message: `A report covers ${LONGEST_RANGE_YEARS} years at most: end it by ${lastDayFrom(from)}` }];
  return [];
}

/**
 * The query string checked: 400 with a message per wrong parameter, nothing read before it passes.
 * `today` (London) is where a range left out ends (SPEC §7: a range defaults to include today).
 */
export function parseReportQuery(parameters: Readonly<Record<string, string | undefined>> | undefined, today: string): ReportQuery {
  const result = reportQuerySchema.safeParse(parameters ?? {});
  if (result.success) {
    const { area, publishable, from: givenFrom, to: givenTo, ...rest } = result.data;
    const to = givenTo ?? today;
    const from = givenFrom ?? defaultReportRange(to).from;
    const issues = rangeIssues(from, to);
    if (issues.length > 0) throw fieldErrors(400, issues);
    return { from, to, ...rest, ...(area === undefined ? {} : { area }), ...(publishable === undefined ? {} : { publishable }) };
  }
  throw fieldErrors(400, result.error.issues.flatMap((issue) => (issue.code === 'unrecognized_keys'
    ? issue.keys.map((key) => ({ path: key, message: 'This is not a report option: use from, to, groupBy, by, area or publishable' }))
    : [{ path: issue.path.join('.'), message: issue.message }])));
}

/** CSV only when the client names text/csv in Accept; JSON for anything else, wildcards and no Accept included. */
export function wantsCsv(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((range) => {
    const [type, ...parameters] = range.trim().toLowerCase().split(';').map((part) => part.trim());
    return type === 'text/csv' && !parameters.some((p) => /^q=0(\.0*)?$/.test(p));
  });
}
