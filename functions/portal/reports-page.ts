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
  breakdownTable, countOverTimeChart, figureText, timeToAcknowledgeChart, withinDeadlineChart, type ChartFigure,
} from './charts.js';
import {
  choicesQuery, DIMENSION_WORDS, GROUPINGS, labelsFor, parseReportQuery, type CallerScope, type ControlError,
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

interface Reports {
  readonly byTeam: PublishedReport;
  readonly byBand: PublishedReport;
  readonly chosen: PublishedReport;
}

/** One read of the aggregates, three reports from it. Publishable unless exact figures were asked for and allowed. */
function reportsFrom(totals: readonly SpanTotals[], choices: ReportChoices): Reports {
  const made = new Map<Dimension, PublishedReport>();
  const report = (by: Dimension) => {
    let built = made.get(by);
    if (!built) {
      const exact = throughputReport(totals, { from: choices.from, to: choices.to, groupBy: choices.groupBy, by });
      built = choices.figures === 'exact' ? exact : publishableReport(exact);
      made.set(by, built);
    }
    return built;
  };
  return { byTeam: report('team'), byBand: report('band'), chosen: report(choices.by) };
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
      ...base, controls: controls(scope, parsed.values, parsed.errors),
      errors: parsed.errors.map((e) => ({ text: e.text, href: e.href })),
    }, [], 400);
  }
  const { choices } = parsed;
  const totals = await readAggregates(choices.areaIds, spansToRead(choices.from, choices.to, choices.groupBy), [...new Set<Dimension>(['team', 'band', choices.by])]);
  logger.info('Report viewed', { userId: signedIn.caller.userId, areas: choices.areaIds, from: choices.from, to: choices.to, figures: choices.figures });
  const reports = reportsFrom(totals, choices);
  const names = { team: (id: string) => teamName(serviceConfig, id), area: areaName };
  const teamLabels = labelsFor(choices, names, 'team');
  const total = reports.byTeam.total;
  const headline = (figure: ChartFigure, unit: 'count' | 'percent' = 'count') => figureText(figure, unit);
  return page('portal/reports.njk', {
    ...base,
    controls: controls(scope, parsed.values, []),
    scopeText: choices.areaIds.map(areaName).join(' and '),
    rangeText: teamLabels.range,
    exact: choices.figures === 'exact',
    headlines: [
      { id: 'headline-received', figure: headline(total.received), text: 'referrals received' },
      { id: 'headline-assignments', figure: headline(total.assignments), text: 'assignments to teams' },
      { id: 'headline-within-deadline', figure: headline(total.withinDeadlinePercent, 'percent'), text: 'acknowledged within deadline' },
      { id: 'headline-breached', figure: headline(total.breached), text: 'breached: deadline missed after the reminder' },
    ],
    charts: [
      countOverTimeChart(reports.byTeam, 'assignments', 'chart-team', 'Referrals assigned to each team', teamLabels),
      countOverTimeChart(reports.byBand, 'received', 'chart-band', 'Referrals received, by risk band', labelsFor(choices, names, 'band')),
      withinDeadlineChart(reports.byTeam, 'chart-within-deadline', 'Acknowledged within deadline', teamLabels),
      timeToAcknowledgeChart(reports.byTeam, 'chart-time-to-acknowledge', 'Time to acknowledge', teamLabels),
    ],
    breakdown: breakdownTable(reports.chosen, labelsFor(choices, names, choices.by), DIMENSION_WORDS[choices.by]),
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
