import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StoredAssignment } from '../../functions/adapters/referral-store.js';
import { reportCsv } from '../../functions/domain/csv.js';
import { openWork, publishableOpenWork } from '../../functions/domain/open-work.js';
import { defaultReportRange, monthSpan } from '../../functions/domain/report-calendar.js';
import { publishableReport } from '../../functions/domain/suppression.js';
import { REFERRAL_LEVEL, rollUp, throughputReport, type AggregateRow } from '../../functions/domain/throughput.js';
import { parseReportQuery as parseQuery, wantsCsv } from '../../functions/http/report-query.js';
import { authorizerContext } from '../support/authorizer-request.js';
import { thrown } from '../support/http-errors.js';

// The handler's only I/O is two reads: the span totals and the open-work index.
const store = vi.hoisted(() => {
  process.env.TABLE_NAME = 'referrals-test';
  return { readAggregates: vi.fn(), openAssignments: vi.fn() };
});
vi.mock('../../functions/adapters/throughput-store.js', () => ({ readAggregates: store.readAggregates }));
vi.mock('../../functions/adapters/referral-store.js', () => ({ openAssignments: store.openAssignments }));
// The token check has its own tests (staff-token.test.ts): here the caller arrives as it would leave it.
vi.mock('../../functions/http/staff-token.js', () => ({ staffToken: () => ({ before: async () => undefined }) }));

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
let handler: Handler;
beforeAll(async () => {
  handler = (await import('../../functions/api/report-throughput.js')).handler as unknown as Handler;
});


const TODAY = '2026-11-18';
const parseReportQuery = (query: Parameters<typeof parseQuery>[0]) => parseQuery(query, TODAY);

describe('the report query', () => {
  it('reads from, to, groupBy and by, grouping by month and breaking down by team unless told', () => {
    expect(parseReportQuery({ from: '2019-01-01', to: '2019-12-31' })).toEqual({ from: '2019-01-01', to: '2019-12-31', groupBy: 'month', by: 'team' });
    expect(parseReportQuery({ from: '2019-01-01', to: '2019-01-01', groupBy: 'quarter', by: 'source', area: 'merseyside', publishable: 'false' }))
      .toEqual({ from: '2019-01-01', to: '2019-01-01', groupBy: 'quarter', by: 'source', area: 'merseyside', publishable: false });
  });

  it('covers the last 12 months up to and including today when no dates are given (SPEC §7)', () => {
    expect(parseReportQuery({})).toEqual({ from: '2025-12-01', to: TODAY, groupBy: 'month', by: 'team' });
    expect(parseReportQuery({ to: '2026-03-31' })).toMatchObject({ from: '2025-04-01', to: '2026-03-31' });
    expect(parseReportQuery({ from: '2026-11-01' })).toMatchObject({ from: '2026-11-01', to: TODAY });
  });

  it.each([
    ['only a from date after today', { from: '2026-11-19' }, [['from', 'The from date must be on or before the to date']]],
    ['an empty date', { from: '', to: '2019-03-31' }, [['from', 'The from date must be YYYY-MM-DD']]],
    ['a date in another format', { from: '01/03/2019', to: '2019-03-31' }, [['from', 'The from date must be YYYY-MM-DD']]],
    ['a day the calendar does not have', { from: '2019-02-29', to: '2019-03-31' }, [['from', 'The from date is not a day in the calendar']]],
    ['from after to', { from: '2019-04-01', to: '2019-03-31' }, [['from', 'The from date must be on or before the to date']]],
    ['a range over three years', { from: '2019-01-01', to: '2022-01-01' }, [['to', 'A report covers 3 years at most: end it by 2021-12-31']]],
    ['an unknown grouping', { from: '2019-01-01', to: '2019-01-31', groupBy: 'year' }, [['groupBy', 'Group by week, month or quarter']]],
    ['an unknown dimension', { from: '2019-01-01', to: '2019-01-31', by: 'postcode' }, [['by', 'Break the figures down by team, band, area or source']]],
    ['two groupings at once', { from: '2019-01-01', to: '2019-01-31', groupBy: 'week,month' }, [['groupBy', 'Group by week, month or quarter']]],
    ['publishable that is not true or false', { from: '2019-01-01', to: '2019-01-31', publishable: 'yes' }, [['publishable', 'publishable must be true or false']]],
    ['an area that is not an id', { from: '2019-01-01', to: '2019-01-31', area: 'Mersey side' }, [['area', 'The area must be an area id, like merseyside']]],
    ['an option it does not have', { from: '2019-01-01', to: '2019-01-31', group_by: 'week' }, [['group_by', 'This is not a report option: use from, to, groupBy, by, area or publishable']]],
  ])('refuses %s with a 400 naming the parameter', (_name, query, errors) => {
    const error = thrown(() => parseReportQuery(query));
    expect(error.statusCode).toBe(400);
    expect(error.errors).toEqual(errors.map(([path, message]) => ({ path, message })));
  });

  it('takes three whole years, counting the first day, and no more', () => {
    expect(parseReportQuery({ from: '2019-01-01', to: '2021-12-31' }).to).toBe('2021-12-31');
    expect(parseReportQuery({ from: '2020-02-29', to: '2023-02-28' }).to).toBe('2023-02-28');
    expect(thrown(() => parseReportQuery({ from: '2020-02-29', to: '2023-03-01' })).statusCode).toBe(400);
  });

  it.each([
    ['text/csv', true],
    ['text/csv; charset=utf-8', true],
    ['application/json, text/csv;q=0.5', true],
    ['TEXT/CSV', true],
    ['text/csv;q=0', false],
    ['application/json', false],
    ['*/*', false],
    [undefined, false],
  ])('answers Accept: %s with CSV: %s', (accept, csv) => {
    expect(wantsCsv(accept)).toBe(csv);
  });
});

/* -------------------------------------------------------------------------------------------------- */

const row = (teamId: string, band: AggregateRow['band'], source: AggregateRow['source'], counters: AggregateRow['counters'], histogram = {}): AggregateRow =>
  ({ day: '2019-03-04', areaId: 'merseyside', teamId, band, source, counters, histogram });

const rows: AggregateRow[] = [
  row(REFERRAL_LEVEL, 'HIGH', 'police', { received: 6 }),
  row(REFERRAL_LEVEL, 'STANDARD', 'self', { received: 2 }),
  row('mdvs', 'HIGH', 'police', { assigned: 6, acknowledged: 6, acknowledgedWithinDeadline: 6 }, { 2: 6 }),
  row('victim-care', 'STANDARD', 'self', { assigned: 2, declined: 1 }),
];

const hour = 3_600_000;
const open = (teamId: string, overdue: boolean): StoredAssignment => ({
  reference: 'SR-HIDDEN', teamId, areaId: 'merseyside', band: 'STANDARD', source: 'self', status: 'NOTIFIED', reason: 'x',
  assignedAt: new Date(Date.now() - 30 * hour).toISOString(), deadlineAt: new Date(Date.now() + (overdue ? -hour : hour)).toISOString(),
});
const openList = [
  open('mdvs', true), open('mdvs', false), open('mdvs', false),
  open('victim-care', true), open('victim-care', true), ...Array.from({ length: 5 }, () => open('victim-care', false)),
];

function ask(groups: string[] | undefined, query: Record<string, string>, accept?: string) {
  return handler({
    version: '2.0', routeKey: 'GET /api/reports/throughput', rawPath: '/api/reports/throughput',
    rawQueryString: new URLSearchParams(query).toString(), queryStringParameters: query,
    headers: accept ? { accept } : {}, isBase64Encoded: false,
    requestContext: {
      accountId: '0', apiId: 'api', domainName: 'localhost', domainPrefix: 'api', requestId: 'r-1', routeKey: 'GET /api/reports/throughput',
      stage: '$default', time: '', timeEpoch: 0, http: { method: 'GET', path: '/api/reports/throughput', protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'test' },
      ...(groups ? { authorizer: { lambda: { userId: 'u-1', username: 'someone', groups: groups.join(',') } } } : {}),
    },
  } as unknown as APIGatewayProxyEventV2, authorizerContext);
}

const march = { from: '2019-03-01', to: '2019-03-31' };
const expectedReport = () => throughputReport(rollUp(rows), { ...march, groupBy: 'month', by: 'team', includeValues: ['mdvs', 'victim-care', 'housing-support'] });
const expectedWork = () => openWork(openList, { by: 'team', now: new Date(), values: ['housing-support', 'mdvs', 'victim-care'] });
const bodyOf = (answer: APIGatewayProxyStructuredResultV2) => JSON.parse(String(answer.body)) as Record<string, unknown>;

describe('the throughput report', () => {
  beforeEach(() => {
    store.readAggregates.mockReset().mockResolvedValue(rollUp(rows));
    store.openAssignments.mockReset().mockImplementation(async (areaId: string) => (areaId === 'merseyside' ? openList : []));
  });

  it('is refused with 401 when no signed-in caller reached it, and 403 for anyone but coordinators and commissioners', async () => {
    expect((await ask(undefined, march)).statusCode).toBe(401);
    const caseworker = await ask(['victim-care'], march);
    expect(caseworker.statusCode).toBe(403);
    expect(bodyOf(caseworker)).toEqual({ errors: [{ path: '', message: 'Reports are for commissioners and coordinators.' }] });
    expect(store.readAggregates).not.toHaveBeenCalled();
  });

  it('refuses an area that is not the caller’s, and reads nothing', async () => {
    const answer = await ask(['coordinator-halton'], { ...march, area: 'merseyside' });
    expect(answer.statusCode).toBe(403);
    expect(bodyOf(answer)).toEqual({ errors: [{ path: 'area', message: 'You can see reports for your own areas only: halton.' }] });
    expect(store.readAggregates).not.toHaveBeenCalled();
    expect(store.openAssignments).not.toHaveBeenCalled();
  });

  it('answers a bad query with field errors before reading anything', async () => {
    const answer = await ask(['coordinator-merseyside'], { from: '2019-04-01', to: '2019-03-01', by: 'postcode' });
    expect(answer.statusCode).toBe(400);
    expect(bodyOf(answer)).toEqual({ errors: [{ path: 'by', message: 'Break the figures down by team, band, area or source' }] });
    expect(store.readAggregates).not.toHaveBeenCalled();
  });

  it('gives a coordinator exact figures as JSON, for their area, with every team of it and the open and overdue work', async () => {
    const answer = await ask(['coordinator-merseyside'], march);
    expect(answer.statusCode).toBe(200);
    expect(answer.headers).toMatchObject({ 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    expect(store.readAggregates).toHaveBeenCalledWith(['merseyside'], [monthSpan('2019-03-01')], ['team']);
    expect(store.openAssignments).toHaveBeenCalledWith('merseyside');
    const body = bodyOf(answer);
    expect(Object.keys(body)).toEqual(['from', 'to', 'groupBy', 'by', 'areas', 'publishable', 'publishableRequired', 'report', 'openNow', 'overdueNow', 'generatedAt']);
    expect(body).toMatchObject({ ...march, groupBy: 'month', by: 'team', areas: ['merseyside'], publishable: false, publishableRequired: false });
    expect(body.report).toEqual(JSON.parse(JSON.stringify(expectedReport())));
    expect((body.report as { values: string[] }).values).toEqual(['housing-support', 'mdvs', 'victim-care', 'ALL_TEAMS']);
    expect((body.report as { lines: unknown[] }).lines[1]).toEqual({
      period: '2019-03', value: 'mdvs', received: 0, assignments: 6, acknowledged: 6, acknowledgedWithinDeadline: 6, withinDeadlinePercent: 100,
      medianMinutesToAcknowledge: 12, p90MinutesToAcknowledge: 15, declined: 0, rerouted: 0, breached: 0,
      contacted: 0, medianMinutesToFirstContact: null, p90MinutesToFirstContact: null, outcomeSupportAccepted: 0, outcomeSupportDeclined: 0,
      outcomeUnableToContact: 0, outcomeReferredElsewhere: 0, outcomeNotAppropriate: 0,
    });
    // The zeros that mean "does not apply" are named, and stay 0 so that totals remain sums of lines.
    expect((body.report as { notApplicable: Record<string, string[]> }).notApplicable.mdvs).toEqual(['received']);
    expect(body.openNow).toEqual({ values: [{ value: 'housing-support', count: 0 }, { value: 'mdvs', count: 3 }, { value: 'victim-care', count: 7 }], total: 10 });
    expect(body.overdueNow).toEqual({ values: [{ value: 'housing-support', count: 0 }, { value: 'mdvs', count: 1 }, { value: 'victim-care', count: 2 }], total: 3 });
    expect(Date.parse(String(body.generatedAt))).toBeGreaterThan(Date.now() - 60_000);
  });

  it('suppresses a coordinator’s JSON when asked', async () => {
    const body = bodyOf(await ask(['coordinator-merseyside'], { ...march, publishable: 'true' }));
    expect(body).toMatchObject({ publishable: true, publishableRequired: false });
    expect(body.report).toEqual(JSON.parse(JSON.stringify(publishableReport(expectedReport()))));
    expect(body.openNow).toEqual(publishableOpenWork(expectedWork()).openNow);
  });

  it('always gives a commissioner publishable figures, and says so when they asked for exact ones', async () => {
    const body = bodyOf(await ask(['commissioner-merseyside'], { ...march, publishable: 'false' }));
    expect(body).toMatchObject({ publishable: true, publishableRequired: true });
    const report = body.report as { lines: Record<string, unknown>[] };
    expect(report).toEqual(JSON.parse(JSON.stringify(publishableReport(expectedReport()))));
    expect(report.lines.find((l) => l.value === 'victim-care')?.assignments).toBe('<5');
    // 3 open for mdvs is hidden, and not given back by subtracting victim-care's 7 from the total.
    const openNow = body.openNow as { values: { value: string; count: unknown }[]; total: unknown };
    expect(openNow.values.find((v) => v.value === 'mdvs')?.count).toBe('<5');
    expect([openNow.values.find((v) => v.value === 'victim-care')?.count, openNow.total]).toContain('[c]');
    expect(body.overdueNow).toEqual(publishableOpenWork(expectedWork()).overdueNow);
  });

  it('reports every area of a caller who has several, or the one they pick', async () => {
    await ask(['commissioner-merseyside', 'coordinator-halton'], march);
    expect(store.readAggregates).toHaveBeenLastCalledWith(['halton', 'merseyside'], [monthSpan('2019-03-01')], ['team']);
    expect(store.openAssignments.mock.calls).toEqual([['halton'], ['merseyside']]);
    const halton = bodyOf(await ask(['commissioner-merseyside', 'coordinator-halton'], { ...march, area: 'halton', publishable: 'false' }));
    expect(store.readAggregates).toHaveBeenLastCalledWith(['halton'], [monthSpan('2019-03-01')], ['team']);
    // Exact figures for the area they coordinate, even though they are a commissioner elsewhere.
    expect(halton).toMatchObject({ areas: ['halton'], publishable: false, publishableRequired: false });
  });

  it('answers Accept: text/csv with a publishable CSV download named by its dates and grouping', async () => {
    const answer = await ask(['coordinator-merseyside'], { ...march, groupBy: 'month', by: 'team' }, 'text/csv');
    expect(answer.statusCode).toBe(200);
    expect(answer.headers).toMatchObject({
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': 'attachment; filename="throughput-2019-03-01-to-2019-03-31-month-by-team.csv"',
      'cache-control': 'no-store',
    });
    expect(answer.body).toBe(reportCsv(expectedReport(), { publishable: true, openWork: expectedWork() }));
    const lines = String(answer.body).split('\r\n');
    expect(lines[0]).toBe('period,team,received,assignments,acknowledged,acknowledged_within_deadline,within_deadline_percent,'
      + 'median_minutes_to_acknowledge,p90_minutes_to_acknowledge,declined,rerouted,breached,contacted,median_minutes_to_first_contact,'
      + 'p90_minutes_to_first_contact,outcome_support_accepted,outcome_support_declined,outcome_unable_to_contact,outcome_referred_elsewhere,'
      + 'outcome_not_appropriate,open_now,overdue_now');
    expect(lines).toContain('2019-03,housing-support,[z],0,0,0,,,,0,0,0,0,,,0,0,0,0,0,,');
  });

  it('gives a coordinator an exact CSV when they ask, named so nobody mistakes it for publishable', async () => {
    const answer = await ask(['coordinator-merseyside'], { ...march, publishable: 'false' }, 'text/csv');
    expect(answer.headers).toMatchObject({ 'content-disposition': 'attachment; filename="throughput-2019-03-01-to-2019-03-31-month-by-team-unsuppressed.csv"' });
    const lines = String(answer.body).split('\r\n');
    expect(lines).toContain('TOTAL,mdvs,[z],6,6,6,100,12,15,0,0,0,0,,,0,0,0,0,0,3,1');
    expect(lines).toContain('TOTAL,victim-care,[z],2,0,0,,,,1,0,0,0,,,0,0,0,0,0,7,2');
    expect(lines).toContain(`TOTAL,ALL_TEAMS,8,${Array(17).fill('[z]').join(',')},,`);
    expect(lines).toContain('TOTAL,TOTAL,8,8,6,6,100,12,15,1,0,0,0,,,0,0,0,0,0,10,3');
  });

  it('never gives a commissioner an exact CSV', async () => {
    const answer = await ask(['commissioner-merseyside'], { ...march, publishable: 'false' }, 'text/csv');
    expect(answer.headers).toMatchObject({ 'content-disposition': 'attachment; filename="throughput-2019-03-01-to-2019-03-31-month-by-team.csv"' });
    expect(answer.body).toBe(reportCsv(expectedReport(), { publishable: true, openWork: expectedWork() }));
  });

  it('reports the last 12 months up to and including today when no range is given', async () => {
    // A fixed moment, so the day cannot turn during the test: 23:30 on 31 March in London (BST).
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-03-31T22:30:00Z') });
    try {
      const body = bodyOf(await ask(['coordinator-merseyside'], {}));
      expect(body).toMatchObject({ from: '2025-04-01', to: '2026-03-31' });
      expect(body).toMatchObject(defaultReportRange('2026-03-31'));
    } finally {
      vi.useRealTimers();
    }
  });

  it('breaks open work down by band, source or area too', async () => {
    const body = bodyOf(await ask(['coordinator-merseyside'], { ...march, by: 'source' }));
    expect(body.openNow).toEqual({ values: [{ value: 'self', count: 10 }, { value: 'police', count: 0 }, { value: 'agency', count: 0 }], total: 10 });
    const byArea = bodyOf(await ask(['coordinator-merseyside'], { ...march, by: 'area' }));
    expect((byArea.report as { values: string[] }).values).toEqual(['merseyside']);
    expect(byArea.overdueNow).toEqual({ values: [{ value: 'merseyside', count: 3 }], total: 3 });
  });
});
