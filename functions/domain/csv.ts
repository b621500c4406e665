import { publishableOpenWork, type OpenCount, type OpenWork } from './open-work.js';
import { publishableReport, type PublishedCount, type PublishedFigures } from './suppression.js';
import type { Figure, ReportOf, ThroughputFigures, ThroughputReport } from './throughput.js';

export type CsvValue = string | number | null | undefined;

// A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection"). Team
// names and other text come from configuration people edit, so every text cell is checked.
const FORMULA_START = /^[=+\-@\t\r]/;

/** One field, RFC 4180: quoted when it holds a comma, quote or line break, quotes doubled. */
export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'number' ? numberText(value) : value;
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function numberText(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`${value} has no place in a CSV of figures`);
  return String(value);
}

/** RFC 4180: CRLF after every record, the last included. */
export function csv(records: readonly (readonly CsvValue[])[]): string {
  return records.map((record) => `${record.map(csvField).join(',')}\r\n`).join('');
}

/** The label in the period or value column of a total row. Upper case, so no team or area id can be it. */
export const TOTAL = 'TOTAL';

const COLUMNS = [
  ['received', 'received'],
  ['assignments', 'assignments'],
  ['acknowledged', 'acknowledged'],
  ['acknowledgedWithinDeadline', 'acknowledged_within_deadline'],
  ['withinDeadlinePercent', 'within_deadline_percent'],
  ['medianMinutesToAcknowledge', 'median_minutes_to_acknowledge'],
  ['p90MinutesToAcknowledge', 'p90_minutes_to_acknowledge'],
  ['declined', 'declined'],
  ['rerouted', 'rerouted'],
  ['breached', 'breached'],
  // After the figures there were first, so a sheet that reads columns by position still reads them.
  ['contacted', 'contacted'],
  ['medianMinutesToFirstContact', 'median_minutes_to_first_contact'],
  ['p90MinutesToFirstContact', 'p90_minutes_to_first_contact'],
  ['outcomeSupportAccepted', 'outcome_support_accepted'],
  ['outcomeSupportDeclined', 'outcome_support_declined'],
  ['outcomeUnableToContact', 'outcome_unable_to_contact'],
  ['outcomeReferredElsewhere', 'outcome_referred_elsewhere'],
  ['outcomeNotAppropriate', 'outcome_not_appropriate'],
] as const satisfies readonly (readonly [Figure, string])[];

/**
 * A figure that does not apply to its line (a team receives no referrals; the referral-level line has
 * no assignments): the Government Analysis Function's symbol for "not applicable", as `[c]` is its
 * symbol for a figure withheld. Not 0, which would read as "none"; not empty, which means "nothing to
 * measure" (a percentage or percentile of no acknowledgements).
 */
export const NOT_APPLICABLE = '[z]';

/**
 * The throughput report as CSV: a header, then for each period a row per dimension value and the
 * period's total, then each value's total over the whole range, then the overall total. With
 * `publishable`, small numbers are suppressed first (`<5`, `[c]`); without, figures are exact, for the
 * commissioner's own use. An empty percentage or percentile means there was nothing to measure; `[z]`
 * a figure that does not apply to the line (see `notApplicable`).
 * With `openWork`, two more columns hold open now and overdue now, as at the moment the report was
 * made: on the whole-range rows only, since they belong to no period.
 */
export function reportCsv(report: ThroughputReport, options: { publishable: boolean; openWork?: OpenWork<number> }): string {
  const shown: ReportOf<ThroughputFigures> | ReportOf<PublishedFigures> = options.publishable ? publishableReport(report) : report;
  const work: OpenWork<number | PublishedCount> | undefined = options.openWork && (options.publishable ? publishableOpenWork(options.openWork) : options.openWork);
  const countFor = (count: OpenCount<number | PublishedCount>, value: string) =>
    (value === TOTAL ? count.total : count.values.find((v) => v.value === value)?.count);
  const openColumns = (period: string, value: string): CsvValue[] => {
    if (!work) return [];
    if (period !== TOTAL) return [null, null];
    return [countFor(work.openNow, value), countFor(work.overdueNow, value)];
  };
  const row = (period: string, value: string, figures: ThroughputFigures | PublishedFigures): CsvValue[] => {
    const notApplicable: readonly Figure[] = shown.notApplicable[value] ?? [];
    return [period, value, ...COLUMNS.map(([key]) => (notApplicable.includes(key) ? NOT_APPLICABLE : figures[key])), ...openColumns(period, value)];
  };
  const records: CsvValue[][] = [['period', report.by, ...COLUMNS.map(([, header]) => header), ...(work ? ['open_now', 'overdue_now'] : [])]];
  shown.periods.forEach((period, p) => {
    for (let v = 0; v < shown.values.length; v++) {
      const line = shown.lines[p * shown.values.length + v]!;
      records.push(row(line.period, line.value, line));
    }
    records.push(row(period, TOTAL, shown.periodTotals[p]!));
  });
  for (const total of shown.valueTotals) records.push(row(TOTAL, total.value, total));
  records.push(row(TOTAL, TOTAL, shown.total));
  return csv(records);
}
