import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { readAggregates } from '../adapters/throughput-store.js';
import { serviceConfig } from '../adapters/service-config.js';
import { areaById } from '../domain/config.js';
import { reportCsv } from '../domain/csv.js';
import { localDateOf } from '../domain/working-calendar.js';
import { publishableReport, type PublishedReport } from '../domain/suppression.js';
import { spansToRead } from '../domain/report-calendar.js';
import { DIMENSIONS, REPORT_TIME_ZONE, throughputReport, type Dimension, type SpanTotals } from '../domain/throughput.js';
import { areasCommissioned, areasCoordinated, type Caller } from '../http/caller.js';
import { page } from '../http/pages.js';
import { SECURITY_HEADERS } from '../http/responses.js';
import { logger } from '../platform/observability.js';
import {
  breakdownTable, countOverTimeChart, durationText, figureText, outcomesChart, timeToAcknowledgeChart, timeToFirstContactChart, withinDeadlineChart,
  type ChartFigure,
} from './charts.js';
import {
  choicesQuery, DIMENSION_WORDS, GROUPINGS, labelsFor, parseReportQuery, rangePresets, type CallerScope, type ControlError,
  type ControlValues, type ReportChoices,
} from './report-choices.js';
import { teamName } from './views.js';

type Result = APIGatewayProxyStructuredResultV2;

interface SignedIn {
  readonly caller: Caller;
  readonly view: Record<string, unknown>;
}

/** The areas whose figures the caller may see: commissioners' and coordinators' own, as configured. */
function scopeOf(caller: Caller, now: Date): CallerScope {
  const mine = new Set([...areasCommissioned(caller), ...areasCoordinated(caller)]);
  return {
    today: localDateOf(now, REPORT_TIME_ZONE),
    areaIds: serviceConfig.areas.filter((area) => mine.has(area.id)).map((area) => area.id),
    exactAreaIds: areasCoordinated(caller),
  };
}

const areaName = (id: string) => areaById(serviceConfig, id)?.name ?? id;

/** The header's data, with the Reports item in the navigation. */
function viewWithReports(view: Record<string, unknown>): Record<string, unknown> {
  const user = typeof view.user === 'object' && view.user !== null ? view.user : {};
  return { ...view, user: { ...user, reports: true } };
}

function refused(view: Record<string, unknown>): Result {
  return page('portal/message.njk', {
    ...view, title: 'Only for commissioners and coordinators',
    paragraphs: ['Referral figures are for the commissioner’s office and the coordinators of an area. Your account is not one of those.'],
    linkHref: '/portal/inbox', linkText: 'Go to your inbox',
  }, [], 403);
}

const RADIO_WORDS = {
  groupBy: { week: 'Week', month: 'Month', quarter: 'Quarter' },
  by: { team: 'Team', band: 'Risk band', source: 'Who referred', area: 'Area' },
} as const;

/** The controls as GOV.UK components' parameters. */
function controls(scope: CallerScope, values: ControlValues, errors: readonly ControlError[]) {
  const errorOf = (field: ControlError['field']) => errors.find((e) => e.field === field);
  const message = (field: ControlError['field']) => {
    const error = errorOf(field);
    return error ? { text: error.text } : undefined;
  };
  const dateItems = (field: 'from' | 'to') => (['day', 'month', 'year'] as const).map((part) => ({
    name: part, value: values[field][part],
    classes: `govuk-input--width-${part === 'year' ? 4 : 2}${errorOf(field)?.parts?.includes(part) ? ' govuk-input--error' : ''}`,
  }));
  const exactAllowed = scope.exactAreaIds.length > 0;
  return {
    areaSelect: scope.areaIds.length > 1 ? {
      id: 'area', name: 'area', label: { text: 'Area' }, errorMessage: message('area'),
      items: [{ value: 'all', text: 'All your areas', selected: values.area === 'all' }, ...scope.areaIds.map((id) => ({ value: id, text: areaName(id), selected: values.area === id }))],
    } : undefined,
    from: {
      id: 'from', namePrefix: 'from', fieldset: { legend: { text: 'From', classes: 'govuk-fieldset__legend--s' } },
      hint: { text: 'For example, 1 1 2020' }, errorMessage: message('from'), items: dateItems('from'),
    },
    to: {
      id: 'to', namePrefix: 'to', fieldset: { legend: { text: 'To', classes: 'govuk-fieldset__legend--s' } },
      hint: { text: 'For example, 31 12 2020' }, errorMessage: message('to'), items: dateItems('to'),
    },
    groupBy: {
      name: 'groupBy', idPrefix: 'groupBy', classes: 'govuk-radios--inline govuk-radios--small', errorMessage: message('groupBy'),
      fieldset: { legend: { text: 'Group the figures by', classes: 'govuk-fieldset__legend--s' } },
      items: GROUPINGS.map((g) => ({ value: g, text: RADIO_WORDS.groupBy[g], checked: values.groupBy === g })),
    },
    by: {
      name: 'by', idPrefix: 'by', classes: 'govuk-radios--inline govuk-radios--small', errorMessage: message('by'),
      fieldset: { legend: { text: 'Break the table down by', classes: 'govuk-fieldset__legend--s' } },
      items: DIMENSIONS.filter((d) => d !== 'area' || scope.areaIds.length > 1).map((d) => ({ value: d, text: RADIO_WORDS.by[d], checked: values.by === d })),
    },
    figures: exactAllowed ? {
      name: 'figures', idPrefix: 'figures', classes: 'govuk-radios--small',
      fieldset: { legend: { text: 'Figures', classes: 'govuk-fieldset__legend--s' } },
      hint: { text: 'Exact figures are only for areas you coordinate.' },
      items: [
        { value: 'publishable', text: 'Publishable: small numbers hidden', checked: values.figures !== 'exact' },
        { value: 'exact', text: 'Exact: for your own use, not to publish', checked: values.figures === 'exact' },
      ],
    } : undefined,
  };
}

/** The report by the chosen breakdown. Publishable unless exact figures were asked for and allowed. */
function reportFrom(totals: readonly SpanTotals[], choices: ReportChoices): PublishedReport {
  const exact = throughputReport(totals, { from: choices.from, to: choices.to, groupBy: choices.groupBy, by: choices.by });
  return choices.figures === 'exact' ? exact : publishableReport(exact);
}

/** What the first chart counts: a team is assigned referrals; a band, source or area receives them. */
const COUNT_CHART: Record<Dimension, { figure: 'assignments' | 'received'; heading: string }> = {
  team: { figure: 'assignments', heading: 'Referrals assigned to each team' },
  band: { figure: 'received', heading: 'Referrals received, by risk band' },
  source: { figure: 'received', heading: 'Referrals received, by who referred' },
  area: { figure: 'received', heading: 'Referrals received, by area' },
};

/** Links to the usual ranges, the other choices kept as they are. */
function presetLinks(today: string, values: ControlValues) {
  const kept: Record<string, string> = {};
  if ((GROUPINGS as readonly string[]).includes(values.groupBy)) kept.groupBy = values.groupBy;
  if ((DIMENSIONS as readonly string[]).includes(values.by)) kept.by = values.by;
  if (/^[a-z][a-z0-9-]{0,39}$/.test(values.area)) kept.area = values.area;
  if (values.figures === 'exact') kept.figures = 'exact';
  return rangePresets(today).map((preset) => ({
    id: preset.id, text: preset.text,
    href: `/portal/reports?${new URLSearchParams({ from: preset.from, to: preset.to, ...kept }).toString()}`,
  }));
}

/**
 * The commissioner dashboard (SPEC §7, issue 6): throughput for a range, as charts and tables, read
 * from the aggregates (its cost grows with periods and teams, never with referrals). Commissioners always
 * get publishable figures; coordinators may ask for exact ones for their own areas.
 */
export async function reportsPage(event: APIGatewayProxyEventV2, signedIn: SignedIn, now: Date): Promise<Result> {
  const scope = scopeOf(signedIn.caller, now);
  const view = viewWithReports(signedIn.view);
  if (scope.areaIds.length === 0) return refused(signedIn.view);
  const parsed = parseReportQuery(event.queryStringParameters ?? {}, scope);
  const base = { ...view, title: 'Referral figures', nav: 'reports' };
  if (!parsed.ok) {
    return page('portal/reports.njk', {
      ...base, controls: controls(scope, parsed.values, parsed.errors), presets: presetLinks(scope.today, parsed.values),
      errors: parsed.errors.map((e) => ({ text: e.text, href: e.href })),
    }, [], 400);
  }
  const { choices } = parsed;
  const totals = await readAggregates(choices.areaIds, spansToRead(choices.from, choices.to, choices.groupBy), [choices.by]);
  logger.info('Report viewed', { userId: signedIn.caller.userId, areas: choices.areaIds, from: choices.from, to: choices.to, figures: choices.figures });
  const report = reportFrom(totals, choices);
  const names = { team: (id: string) => teamName(serviceConfig, id), area: areaName };
  const labels = labelsFor(choices, names, choices.by);
  const { total } = report;
  const counted = COUNT_CHART[choices.by];
  const headline = (figure: ChartFigure, unit: 'count' | 'percent' | 'minutes' = 'count') =>
    (unit === 'minutes' && typeof figure === 'number' ? durationText(figure) : figureText(figure, unit));
  return page('portal/reports.njk', {
    ...base,
    controls: controls(scope, parsed.values, []),
    presets: presetLinks(scope.today, parsed.values),
    scopeText: choices.areaIds.map(areaName).join(' and '),
    rangeText: labels.range,
    exact: choices.figures === 'exact',
    headlines: [
      { id: 'headline-received', figure: headline(total.received), text: 'referrals received' },
      { id: 'headline-assignments', figure: headline(total.assignments), text: 'assignments to teams' },
      { id: 'headline-within-deadline', figure: headline(total.withinDeadlinePercent, 'percent'), text: 'acknowledged within deadline' },
      { id: 'headline-breached', figure: headline(total.breached), text: 'breached: deadline missed after the reminder' },
      { id: 'headline-contacted', figure: headline(total.contacted), text: 'assignments where the team spoke to the person' },
      { id: 'headline-first-contact', figure: headline(total.medianMinutesToFirstContact, 'minutes'), text: 'median time from referral to first contact' },
    ],
    // Every chart follows the chosen breakdown, as the table below them does.
    charts: [
      countOverTimeChart(report, counted.figure, 'chart-counts', counted.heading, labels),
      withinDeadlineChart(report, 'chart-within-deadline', 'Acknowledged within deadline', labels),
      timeToAcknowledgeChart(report, 'chart-time-to-acknowledge', 'Time to acknowledge', labels),
      timeToFirstContactChart(report, 'chart-time-to-first-contact', 'Time from referral to first contact', labels),
      outcomesChart(report, 'chart-outcomes', 'Outcomes', labels),
    ],
    breakdown: breakdownTable(report, labels, DIMENSION_WORDS[choices.by]),
    downloadHref: `/portal/reports/download.csv?${choicesQuery(choices)}`,
    downloadText: `Download the figures by ${DIMENSION_WORDS[choices.by]} (CSV, publishable)`,
  });
}

/**
 * The same figures as CSV, by the chosen breakdown: always publishable, because a file is easily passed
 * on. Only dates and choices are in the file's name.
 */
export async function reportsCsv(event: APIGatewayProxyEventV2, signedIn: SignedIn, now: Date): Promise<Result> {
  const scope = scopeOf(signedIn.caller, now);
  if (scope.areaIds.length === 0) return refused(signedIn.view);
  const parsed = parseReportQuery(event.queryStringParameters ?? {}, scope);
  if (!parsed.ok) {
    return page('portal/message.njk', {
      ...viewWithReports(signedIn.view), title: 'Those figures cannot be downloaded', nav: 'reports',
      paragraphs: parsed.errors.map((e) => `${e.text}.`), linkHref: '/portal/reports', linkText: 'Choose the figures again',
    }, [], 400);
  }
  const { choices } = parsed;
  const totals = await readAggregates(choices.areaIds, spansToRead(choices.from, choices.to, choices.groupBy), [choices.by]);
  logger.info('Report downloaded', { userId: signedIn.caller.userId, areas: choices.areaIds, from: choices.from, to: choices.to });
  const report = throughputReport(totals, { from: choices.from, to: choices.to, groupBy: choices.groupBy, by: choices.by });
  const filename = `referral-figures-${choices.area}-${choices.from}-to-${choices.to}-by-${choices.groupBy}-and-${choices.by}.csv`;
  return {
    statusCode: 200,
    headers: {
      ...SECURITY_HEADERS,
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${filename}"`,
    },
    body: reportCsv(report, { publishable: true }),
  };
}
