import type { Outcome } from '../domain/referral-record.js';
import { CONFIDENTIAL, SMALL, type PublishedReport } from '../domain/suppression.js';
import { ALL_TEAMS, OUTCOME_COUNTERS, type Dimension, type Figure } from '../domain/throughput.js';

/*
 * The commissioner dashboard's charts (SPEC §7), drawn on the server as inline SVG: the portal's CSP
 * allows no inline script or style, and a chart that needs no script works everywhere. Pure: figures in,
 * markup and tables out. Every chart carries a summary for its accessible name and is followed by a
 * table of the same figures, so nothing is only in the picture. A suppressed figure (`<5`, `[c]`) is
 * drawn as a gap with a marker, never at a height: a bar would give the number away.
 */

/** A figure as a chart gets it: a number, nothing to measure (null), or hidden for publication. */
export type ChartFigure = number | null | typeof SMALL | typeof CONFIDENTIAL;

export const isHidden = (figure: ChartFigure): figure is typeof SMALL | typeof CONFIDENTIAL => figure === SMALL || figure === CONFIDENTIAL;

/* ---------------------------------------------------------------------------------------------------
 * Scales
 * ------------------------------------------------------------------------------------------------- */

export interface Scale {
  /** The top of the axis: at least the largest figure, and at least one step. */
  readonly max: number;
  /** From 0 to max, evenly spaced. */
  readonly ticks: readonly number[];
}

const COUNT_STEPS = [1, 2, 5];
/** Minutes: steps a reader counts in (quarter hours, hours, days), not 1-2-5. */
export const MINUTE_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 180, 240, 360, 480, 720, 1440, 2880, 4320, 7200, 10080, 20160];

/**
 * An axis from 0 that holds `largest` in at most `maxTicks` steps, each step a "nice" number: 1, 2 or 5
 * times a power of ten, or one of `steps` when given. An empty chart (largest 0) still gets one step.
 */
export function niceScale(largest: number, options: { maxTicks?: number; steps?: readonly number[] } = {}): Scale {
  const maxTicks = options.maxTicks ?? 5;
  const top = Number.isFinite(largest) && largest > 0 ? largest : 0;
  const candidates = options.steps ?? [];
  let step = candidates.find((s) => s * maxTicks >= top);
  if (step === undefined) {
    for (let power = 1; step === undefined; power *= 10) step = COUNT_STEPS.map((s) => s * power).find((s) => s * maxTicks >= top);
  }
  const count = Math.max(1, Math.ceil(top / step));
  return { max: count * step, ticks: Array.from({ length: count + 1 }, (_, i) => i * step) };
}

/* ---------------------------------------------------------------------------------------------------
 * Words for figures
 * ------------------------------------------------------------------------------------------------- */

export type Unit = 'count' | 'percent' | 'minutes';

const numberFormat = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 1 });

/** A duration as people say it: "45 minutes", "3 hours 5 minutes", "2 days 4 hours". */
export function durationText(minutes: number, short = false): string {
  const m = Math.round(minutes);
  const days = Math.floor(m / 1440);
  const hours = Math.floor((m % 1440) / 60);
  const mins = m % 60;
  const part = (n: number, one: string, abbreviation: string) => (short ? `${n} ${abbreviation}` : `${n} ${one}${n === 1 ? '' : 's'}`);
  if (days > 0) return [part(days, 'day', 'd'), ...(hours ? [part(hours, 'hour', 'h')] : [])].join(' ');
  if (hours > 0) return [part(hours, 'hour', 'h'), ...(mins ? [part(mins, 'minute', 'min')] : [])].join(' ');
  return part(mins, 'minute', 'min');
}

/** How a figure reads in a table cell or a summary. */
export function figureText(figure: ChartFigure, unit: Unit = 'count'): string {
  if (figure === null) return '–';
  if (isHidden(figure)) return figure;
  if (unit === 'percent') return `${numberFormat.format(figure)}%`;
  return numberFormat.format(figure);
}

function spokenFigure(figure: ChartFigure, unit: Unit): string {
  if (figure === null) return unit === 'count' ? 'none' : 'nothing to measure';
  if (figure === SMALL) return 'fewer than 5';
  if (figure === CONFIDENTIAL) return 'not shown';
  return unit === 'minutes' ? durationText(figure) : figureText(figure, unit);
}

/* ---------------------------------------------------------------------------------------------------
 * SVG
 * ------------------------------------------------------------------------------------------------- */

const escapeXml = (text: string) => text.replace(/[&<>"']/g, (c) => `&${({ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' } as const)[c as '&']};`);
const n = (value: number) => String(Math.round(value * 10) / 10);

// GOV.UK colours. Each fill is at least 3:1 against white (WCAG 1.4.11); text is black or dark grey.
export const COLOURS = { text: '#0b0c0c', secondaryText: '#505a5f', axis: '#0b0c0c', grid: '#b1b4b6', bar: '#1d70b8', dark: '#003078' } as const;

const WIDTH = 720;
const LEFT = 64;
const RIGHT = 16;
const FONT = 14;
// GOV.UK Frontend's typeface, or its fallbacks: the page's CSS sets fonts on its own classes only.
const FONT_FAMILY = "'GDS Transport', arial, sans-serif";
const SMALL_FONT = 12;

function text(x: number, y: number, content: string, attributes: Record<string, string | number> = {}): string {
  const extra = Object.entries({ 'font-size': FONT, fill: COLOURS.text, ...attributes }).map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`).join('');
  return `<text x="${n(x)}" y="${n(y)}"${extra}>${escapeXml(content)}</text>`;
}

const line = (x1: number, y1: number, x2: number, y2: number, stroke: string, extra = '') =>
  `<line x1="${n(x1)}" y1="${n(y1)}" x2="${n(x2)}" y2="${n(y2)}" stroke="${stroke}" stroke-width="1"${extra}/>`;

/** The mark for a hidden figure: an open diamond on the axis, where a bar would have been. */
const hiddenMark = (cx: number, cy: number, size = 5) =>
  `<path d="M${n(cx)} ${n(cy - size)} L${n(cx + size)} ${n(cy)} L${n(cx)} ${n(cy + size)} L${n(cx - size)} ${n(cy)} Z" fill="#ffffff" stroke="${COLOURS.text}" stroke-width="1.5"/>`;

export const HIDDEN_MARK_NOTE = 'An open diamond (◇) marks a figure that is not shown: fewer than 5 (<5), or hidden so that a small number cannot be worked out ([c]). It is not zero.';

function svgDocument(id: string, height: number, title: string, description: string, body: string[], defs = ''): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" viewBox="0 0 ${WIDTH} ${n(height)}" width="100%" font-family="${FONT_FAMILY}" role="img" aria-labelledby="${id}-title ${id}-desc">`,
    `<title id="${id}-title">${escapeXml(title)}</title>`,
    `<desc id="${id}-desc">${escapeXml(description)}</desc>`,
    defs ? `<defs>${defs}</defs>` : '',
    ...body,
    '</svg>',
  ].join('');
}

/** A label under a column: a first line (e.g. "Jan") and, where it changes, a second (the year). */
export interface AxisLabel {
  readonly top: string;
  readonly bottom?: string;
}

export interface Series {
  readonly label: string;
  readonly values: readonly ChartFigure[];
}

export interface ColumnPanelsInput {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly categories: readonly AxisLabel[];
  readonly series: readonly Series[];
  readonly unit: Unit;
}

/** One scale for every figure a chart shows: percentages always run to 100; hidden figures count for nothing. */
function scaleFor(figures: readonly (readonly ChartFigure[])[], unit: Unit): ReturnType<typeof niceScale> {
  const known = figures.flatMap((values) => values.filter((v): v is number => typeof v === 'number'));
  return unit === 'percent' ? niceScale(100, { steps: [25] }) : niceScale(Math.max(0, ...known), unit === 'minutes' ? { steps: MINUTE_STEPS } : {});
}

const PANEL_TITLE = 26;
const PANEL_PLOT = 120;
const PANEL_AXIS = 40;

/**
 * One small panel per series (a team, a band), the same vertical scale in each, a column per period.
 * Panels instead of stacked or side-by-side bars: each series is named beside its own columns, so no
 * colour has to be matched to a key, and a hidden figure leaves a gap without moving anything else.
 */
export function columnPanelsSvg(input: ColumnPanelsInput): string {
  const { id, categories, series, unit } = input;
  const scale = scaleFor(series.map((s) => s.values), unit);
  const plotWidth = WIDTH - LEFT - RIGHT;
  const slot = plotWidth / Math.max(1, categories.length);
  const barWidth = Math.max(1, Math.min(48, slot * 0.7));
  // Every k-th period is labelled, so labels never run into each other; the table has them all.
  const labelEvery = Math.max(1, Math.ceil(categories.length / Math.floor(plotWidth / 52)));
  const showValues = categories.length <= 16;
  const body: string[] = [];
  const panelHeight = PANEL_TITLE + PANEL_PLOT + PANEL_AXIS;

  series.forEach((s, p) => {
    const top = p * panelHeight;
    const plotTop = top + PANEL_TITLE + (showValues ? 12 : 0);
    const plotHeight = PANEL_PLOT - (showValues ? 12 : 0);
    const baseline = plotTop + plotHeight;
    const y = (value: number) => baseline - (value / scale.max) * plotHeight;
    body.push(text(LEFT, top + 18, s.label, { 'font-weight': 'bold' }));
    for (const tick of scale.ticks) {
      body.push(line(LEFT, y(tick), WIDTH - RIGHT, y(tick), tick === 0 ? COLOURS.axis : COLOURS.grid));
      body.push(text(LEFT - 6, y(tick) + 4, tickText(tick, unit), { 'text-anchor': 'end', 'font-size': SMALL_FONT, fill: COLOURS.secondaryText }));
    }
    s.values.forEach((value, i) => {
      const cx = LEFT + slot * i + slot / 2;
      if (typeof value === 'number') {
        const height = Math.max(0, baseline - y(value));
        if (height > 0) body.push(`<rect x="${n(cx - barWidth / 2)}" y="${n(baseline - height)}" width="${n(barWidth)}" height="${n(height)}" fill="${COLOURS.bar}"/>`);
        if (showValues) body.push(text(cx, baseline - height - 3, valueText(value, unit), { 'text-anchor': 'middle', 'font-size': SMALL_FONT }));
      } else if (isHidden(value)) {
        body.push(hiddenMark(cx, baseline - 7));
      }
    });
    categories.forEach((label, i) => {
      if (i % labelEvery !== 0) return;
      const cx = LEFT + slot * i + slot / 2;
      body.push(text(cx, baseline + 16, label.top, { 'text-anchor': 'middle', 'font-size': SMALL_FONT }));
      if (label.bottom) body.push(text(cx, baseline + 31, label.bottom, { 'text-anchor': 'middle', 'font-size': SMALL_FONT, fill: COLOURS.secondaryText }));
    });
  });
  if (series.length === 0) body.push(text(WIDTH / 2, 40, 'No figures to show', { 'text-anchor': 'middle' }));
  return svgDocument(id, Math.max(60, series.length * panelHeight), input.title, input.description, body);
}

function tickText(value: number, unit: Unit): string {
  if (unit === 'percent') return `${value}%`;
  if (unit === 'minutes') return value === 0 ? '0' : durationText(value, true);
  return numberFormat.format(value);
}

const valueText = (value: number, unit: Unit) => (unit === 'minutes' ? durationText(value, true) : figureText(value, unit));

export interface BarGroup {
  readonly label: string;
  /** One per measure, in the order of `measures`. */
  readonly values: readonly ChartFigure[];
}

export interface BarChartInput {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  /** The measures drawn for each group, e.g. median and 90th percentile; each bar is labelled with its measure. */
  readonly measures: readonly string[];
  readonly groups: readonly BarGroup[];
  readonly unit: Unit;
}

const MEASURE_LABEL = 132;
const BAR = 20;

/**
 * Horizontal bars, one group per team: the team's name on a line of its own (names are long), then a bar
 * per measure, each labelled with its measure on the left and its value at its end. The second measure
 * is hatched as well as darker, and named, so colour is never the only difference.
 */
export function barChartSvg(input: BarChartInput): string {
  const { id, groups, measures, unit } = input;
  const scale = scaleFor(groups.map((g) => g.values), unit);
  const plotLeft = (measures.length > 1 ? MEASURE_LABEL : 0) + 8;
  // Room at the right for the value at the end of the longest bar.
  const plotWidth = WIDTH - plotLeft - RIGHT - 96;
  const x = (value: number) => plotLeft + (value / scale.max) * plotWidth;
  const groupHeight = 24 + measures.length * (BAR + 6) + 10;
  const axisTop = 6;
  const top = axisTop + 22;
  const body: string[] = [];
  const defs = `<pattern id="${id}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/><line x1="0" y1="0" x2="0" y2="6" stroke="${COLOURS.dark}" stroke-width="4"/></pattern>`;
  const height = top + groups.length * groupHeight + 4;

  for (const tick of scale.ticks) {
    body.push(text(x(tick), axisTop + 12, tickText(tick, unit), { 'text-anchor': 'middle', 'font-size': SMALL_FONT, fill: COLOURS.secondaryText }));
  }
  groups.forEach((group, g) => {
    const groupTop = top + g * groupHeight;
    // Grid lines behind the bars only, so they never run through a team's name.
    for (const tick of scale.ticks) {
      body.push(line(x(tick), groupTop + 21, x(tick), groupTop + 27 + measures.length * (BAR + 6), tick === 0 ? COLOURS.axis : COLOURS.grid));
    }
    body.push(text(plotLeft, groupTop + 16, group.label, { 'font-weight': 'bold' }));
    measures.forEach((measure, m) => {
      const barTop = groupTop + 24 + m * (BAR + 6);
      const middle = barTop + BAR / 2 + 5;
      if (measures.length > 1) body.push(text(plotLeft - 8, middle, measure, { 'text-anchor': 'end', 'font-size': SMALL_FONT }));
      const value = group.values[m] ?? null;
      if (typeof value === 'number') {
        const width = Math.max(0, x(value) - plotLeft);
        const fill = m === 0 ? COLOURS.bar : `url(#${id}-hatch)`;
        if (width > 0) body.push(`<rect x="${n(plotLeft)}" y="${n(barTop)}" width="${n(width)}" height="${BAR}" fill="${fill}" stroke="${m === 0 ? COLOURS.bar : COLOURS.dark}" stroke-width="1"/>`);
        body.push(text(plotLeft + width + 6, middle, valueText(value, unit), { 'font-size': SMALL_FONT }));
      } else if (isHidden(value)) {
        body.push(hiddenMark(plotLeft + 8, barTop + BAR / 2));
        body.push(text(plotLeft + 20, middle, 'not shown: small numbers', { 'font-size': SMALL_FONT }));
      } else {
        body.push(text(plotLeft + 6, middle, unit === 'count' ? 'none' : 'nothing to measure', { 'font-size': SMALL_FONT, fill: COLOURS.secondaryText }));
      }
    });
  });
  if (groups.length === 0) body.push(text(WIDTH / 2, top + 20, 'No figures to show', { 'text-anchor': 'middle' }));
  return svgDocument(id, Math.max(height, top + 40), input.title, input.description, body, defs);
}

/* ---------------------------------------------------------------------------------------------------
 * The dashboard's charts, from a report: each by the report's own breakdown (team, band, area, source)
 * ------------------------------------------------------------------------------------------------- */

export interface TableCell {
  readonly text: string;
  readonly format?: 'numeric';
}

/** What govukTable takes, with row headers: the figures behind a chart. */
export interface FiguresTable {
  readonly caption: string;
  readonly head: readonly TableCell[];
  readonly rows: readonly (readonly [{ text: string }, ...TableCell[]])[];
}

export interface DashboardChart {
  readonly id: string;
  readonly heading: string;
  /** One or two sentences: what the chart shows and its main figures. Also the SVG's description. */
  readonly summary: string;
  readonly svg: string;
  /** Set when a figure is hidden: how a hidden figure is drawn. */
  readonly note?: string;
  readonly table: FiguresTable;
}

/** How periods and dimension values read on the page: the page knows the names, the report only ids. */
export interface Labels {
  /** A period in full, e.g. "January 2020" or "Week commencing 27 January 2020". */
  readonly period: (period: string) => string;
  /** A period under a column. */
  readonly axis: (period: string, index: number, periods: readonly string[]) => AxisLabel;
  /** A team, band, area or source. */
  readonly value: (value: string) => string;
  /** e.g. "1 January 2020 to 31 March 2020, by month". */
  readonly range: string;
}

const cell = (figure: ChartFigure, unit: Unit = 'count'): TableCell => ({ text: figureText(figure, unit), format: 'numeric' });

/** A figure that does not apply to its column, e.g. referrals received on a team's: a dash, never a 0 that reads as "none". */
const NOT_APPLICABLE_CELL: TableCell = { text: '–', format: 'numeric' };

/** The heading of the column of values, and the name of their total, per breakdown. */
const VALUE_HEADING: Record<Dimension, string> = { team: 'Team', band: 'Risk band', source: 'Who referred', area: 'Area' };
const ALL_VALUES: Record<Dimension, string> = { team: 'All teams', band: 'All bands', source: 'All referrers', area: 'All areas' };

/** How each outcome (SPEC §2 step 6) reads in a chart or table. */
export const OUTCOME_WORDS: Record<Outcome, string> = {
  'support-accepted': 'Support accepted',
  'support-declined': 'Support declined',
  'unable-to-contact': 'Unable to contact',
  'referred-elsewhere': 'Referred elsewhere',
  'not-appropriate': 'Not appropriate',
};
const OUTCOME_ROWS = (Object.keys(OUTCOME_COUNTERS) as Outcome[]).map((outcome) => ({ outcome, figure: OUTCOME_COUNTERS[outcome], text: OUTCOME_WORDS[outcome] }));

function hiddenNote(figures: readonly ChartFigure[]): string | undefined {
  return figures.some(isHidden) ? HIDDEN_MARK_NOTE : undefined;
}

/**
 * A count over time, a panel per dimension value: referrals assigned to each team (`assignments`
 * under by-team) or referrals received by band, source or area (`received`). By-team's referral-level
 * line is left out: it has no assignments, only referrals received.
 */
export function countOverTimeChart(report: PublishedReport, figure: 'assignments' | 'received', id: string, heading: string, labels: Labels): DashboardChart {
  const valueIndexes = report.values.map((value, index) => ({ value, index })).filter(({ value }) => value !== ALL_TEAMS);
  const series: Series[] = valueIndexes.map(({ value, index }) => ({
    label: labels.value(value),
    values: report.periods.map((_, p) => report.lines[p * report.values.length + index]![figure]),
  }));
  const what = heading;
  const totals = valueIndexes.map(({ value, index }) => `${labels.value(value)}: ${spokenFigure(report.valueTotals[index]![figure], 'count')}`);
  const summary = series.length === 0
    ? `${what}, ${labels.range}: none.`
    : `${what}, ${labels.range}. In total: ${totals.join('; ')}. All together: ${spokenFigure(report.total[figure], 'count')}.`;
  const all = series.flatMap((s) => s.values);
  return {
    id, heading, summary,
    svg: columnPanelsSvg({
      id, title: heading, description: summary, unit: 'count', series,
      categories: report.periods.map((period, i) => labels.axis(period, i, report.periods)),
    }),
    note: hiddenNote(all),
    table: {
      caption: `${what}, ${labels.range}`,
      head: [{ text: 'Period' }, ...valueIndexes.map(({ value }) => ({ text: labels.value(value), format: 'numeric' as const })), { text: 'All', format: 'numeric' }],
      rows: [
        ...report.periods.map((period, p) => [
          { text: labels.period(period) },
          ...valueIndexes.map(({ index }) => cell(report.lines[p * report.values.length + index]![figure])),
          cell(report.periodTotals[p]![figure]),
        ] as const),
        [{ text: 'Total' }, ...valueIndexes.map(({ index }) => cell(report.valueTotals[index]![figure])), cell(report.total[figure])] as const,
      ],
    },
  };
}

/**
 * The values of the report's breakdown (teams, bands, sources or areas), without by-team's
 * referral-level line (it has no acknowledgements or contacts), and the total.
 */
function valueGroups(report: PublishedReport, labels: Labels) {
  return [
    ...report.values.map((value, index) => ({ value, label: labels.value(value), figures: report.valueTotals[index]! }))
      .filter(({ value }) => value !== ALL_TEAMS),
    { label: ALL_VALUES[report.by], figures: report.total },
  ];
}

/** Acknowledged within deadline, as a share of acknowledgements, per value over the whole range. */
export function withinDeadlineChart(report: PublishedReport, id: string, heading: string, labels: Labels): DashboardChart {
  const groups = valueGroups(report, labels);
  const summary = `Share of acknowledgements made within the deadline, ${labels.range}: `
    + `${groups.map((g) => `${g.label}: ${spokenFigure(g.figures.withinDeadlinePercent, 'percent')}`).join('; ')}.`;
  return {
    id, heading, summary,
    svg: barChartSvg({
      id, title: heading, description: summary, unit: 'percent', measures: ['Within deadline'],
      groups: groups.map((g) => ({ label: g.label, values: [g.figures.withinDeadlinePercent] })),
    }),
    note: hiddenNote(groups.map((g) => g.figures.withinDeadlinePercent)),
    table: {
      caption: `Acknowledged within deadline, ${labels.range}`,
      head: [{ text: VALUE_HEADING[report.by] }, { text: 'Acknowledged', format: 'numeric' }, { text: 'Within deadline', format: 'numeric' }, { text: 'Within deadline (%)', format: 'numeric' }],
      rows: groups.map((g) => [
        { text: g.label }, cell(g.figures.acknowledged), cell(g.figures.acknowledgedWithinDeadline), cell(g.figures.withinDeadlinePercent, 'percent'),
      ] as const),
    },
  };
}

/** Median and 90th percentile time from assignment to acknowledgement, per value over the whole range. */
export function timeToAcknowledgeChart(report: PublishedReport, id: string, heading: string, labels: Labels): DashboardChart {
  const groups = valueGroups(report, labels);
  const summary = `Time from a team being given a referral to acknowledging it, ${labels.range}: `
    + `${groups.map((g) => `${g.label}: median ${spokenFigure(g.figures.medianMinutesToAcknowledge, 'minutes')}, 90th percentile ${spokenFigure(g.figures.p90MinutesToAcknowledge, 'minutes')}`).join('; ')}.`;
  return {
    id, heading, summary,
    svg: barChartSvg({
      id, title: heading, description: summary, unit: 'minutes', measures: ['Median', '90th percentile'],
      groups: groups.map((g) => ({ label: g.label, values: [g.figures.medianMinutesToAcknowledge, g.figures.p90MinutesToAcknowledge] })),
    }),
    note: hiddenNote(groups.flatMap((g) => [g.figures.medianMinutesToAcknowledge, g.figures.p90MinutesToAcknowledge])),
    table: {
      caption: `Time to acknowledge in minutes, ${labels.range}`,
      head: [{ text: VALUE_HEADING[report.by] }, { text: 'Acknowledged', format: 'numeric' }, { text: 'Median (minutes)', format: 'numeric' }, { text: '90th percentile (minutes)', format: 'numeric' }],
      rows: groups.map((g) => [
        { text: g.label }, cell(g.figures.acknowledged), cell(g.figures.medianMinutesToAcknowledge, 'minutes'), cell(g.figures.p90MinutesToAcknowledge, 'minutes'),
      ] as const),
    },
  };
}

/**
 * Median and 90th percentile time from the referral's submission to a team's first successful contact,
 * per value over the whole range: how long a victim waited for someone to speak to them.
 */
export function timeToFirstContactChart(report: PublishedReport, id: string, heading: string, labels: Labels): DashboardChart {
  const groups = valueGroups(report, labels);
  const summary = `Time from a referral being submitted to the team first speaking to the person, ${labels.range}: `
    + `${groups.map((g) => `${g.label}: median ${spokenFigure(g.figures.medianMinutesToFirstContact, 'minutes')}, 90th percentile ${spokenFigure(g.figures.p90MinutesToFirstContact, 'minutes')}`).join('; ')}.`;
  return {
    id, heading, summary,
    svg: barChartSvg({
      id, title: heading, description: summary, unit: 'minutes', measures: ['Median', '90th percentile'],
      groups: groups.map((g) => ({ label: g.label, values: [g.figures.medianMinutesToFirstContact, g.figures.p90MinutesToFirstContact] })),
    }),
    note: hiddenNote(groups.flatMap((g) => [g.figures.medianMinutesToFirstContact, g.figures.p90MinutesToFirstContact])),
    table: {
      caption: `Time to first contact in minutes, ${labels.range}`,
      head: [{ text: VALUE_HEADING[report.by] }, { text: 'Contacted', format: 'numeric' }, { text: 'Median (minutes)', format: 'numeric' }, { text: '90th percentile (minutes)', format: 'numeric' }],
      rows: groups.map((g) => [
        { text: g.label }, cell(g.figures.contacted), cell(g.figures.medianMinutesToFirstContact, 'minutes'), cell(g.figures.p90MinutesToFirstContact, 'minutes'),
      ] as const),
    },
  };
}

/** How many assignments ended with each outcome, per value over the whole range: a bar per outcome. */
export function outcomesChart(report: PublishedReport, id: string, heading: string, labels: Labels): DashboardChart {
  const groups = valueGroups(report, labels);
  const summary = `How the teams’ part ended, ${labels.range}: `
    + `${groups.map((g) => `${g.label}: ${OUTCOME_ROWS.map((o) => `${o.text.toLowerCase()} ${spokenFigure(g.figures[o.figure], 'count')}`).join(', ')}`).join('; ')}.`;
  return {
    id, heading, summary,
    svg: barChartSvg({
      id, title: heading, description: summary, unit: 'count', measures: OUTCOME_ROWS.map((o) => o.text),
      groups: groups.map((g) => ({ label: g.label, values: OUTCOME_ROWS.map((o) => g.figures[o.figure]) })),
    }),
    note: hiddenNote(groups.flatMap((g) => OUTCOME_ROWS.map((o) => g.figures[o.figure]))),
    table: {
      caption: `Outcomes, ${labels.range}`,
      head: [{ text: VALUE_HEADING[report.by] }, ...OUTCOME_ROWS.map((o) => ({ text: o.text, format: 'numeric' as const }))],
      rows: groups.map((g) => [{ text: g.label }, ...OUTCOME_ROWS.map((o) => cell(g.figures[o.figure]))] as const),
    },
  };
}

/**
 * Every figure of the report for the whole range, a column per dimension value and one for the total.
 * A figure that does not apply to a column (`report.notApplicable`) reads "–", as one with nothing to measure does.
 */
export function breakdownTable(report: PublishedReport, labels: Labels, dimensionName: string): FiguresTable {
  const columns = [
    ...report.valueTotals.map((t) => ({ label: labels.value(t.value), figures: t as PublishedReport['total'], notApplicable: report.notApplicable[t.value] ?? [] })),
    { label: 'Total', figures: report.total, notApplicable: [] as readonly Figure[] },
  ];
  const rows: [string, Figure, Unit][] = [
    ['Referrals received', 'received', 'count'],
    ['Assignments to teams', 'assignments', 'count'],
    ['Acknowledged', 'acknowledged', 'count'],
    ['Acknowledged within deadline', 'acknowledgedWithinDeadline', 'count'],
    ['Within deadline (%)', 'withinDeadlinePercent', 'percent'],
    ['Median time to acknowledge (minutes)', 'medianMinutesToAcknowledge', 'minutes'],
    ['90th percentile time to acknowledge (minutes)', 'p90MinutesToAcknowledge', 'minutes'],
    ['Declined', 'declined', 'count'],
    ['Re-routed to another team', 'rerouted', 'count'],
    ['Breached: deadline missed after the reminder', 'breached', 'count'],
    ['Contacted: the team spoke to the person', 'contacted', 'count'],
    ['Median time to first contact (minutes)', 'medianMinutesToFirstContact', 'minutes'],
    ['90th percentile time to first contact (minutes)', 'p90MinutesToFirstContact', 'minutes'],
    ...OUTCOME_ROWS.map((o): [string, Figure, Unit] => [`Outcome: ${o.text.toLowerCase()}`, o.figure, 'count']),
  ];
  return {
    caption: `All figures by ${dimensionName}, ${labels.range}`,
    head: [{ text: 'Figure' }, ...columns.map((c) => ({ text: c.label, format: 'numeric' as const }))],
    rows: rows.map(([name, figure, unit]) => [
      { text: name },
      ...columns.map((c) => (c.notApplicable.includes(figure) ? NOT_APPLICABLE_CELL : cell(c.figures[figure], unit))),
    ] as const),
  };
}
