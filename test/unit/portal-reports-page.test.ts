import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { spansToRead } from '../../functions/domain/report-calendar.js';
import { aggregateFacts, factIdFor, rollUp, type SpanTotals, type ThroughputFact } from '../../functions/domain/throughput.js';

const stored: { totals: SpanTotals[]; asked: unknown[][] } = { totals: [], asked: [] };
vi.mock('../../functions/adapters/throughput-store.js', () => ({
  readAggregates: async (...args: unknown[]) => {
    stored.asked.push(args);
    return stored.totals;
  },
}));
const { reportsCsv, reportsPage } = await import('../../functions/portal/reports-page.js');

const NOW = new Date('2026-11-18T10:00:00Z');
const view = { user: { username: 'someone', coordinator: false }, csrf: 'token' };
const as = (...groups: string[]) => ({ caller: { userId: 'user-1', username: 'someone', groups }, view });
const event = (query: string) => ({
  rawPath: '/portal/reports', rawQueryString: query,
  queryStringParameters: query ? Object.fromEntries(new URLSearchParams(query)) : undefined,
}) as unknown as APIGatewayProxyEventV2;

function assignedAndAcknowledged(teamId: string, count: number, month: number): ThroughputFact[] {
  return Array.from({ length: count }, (_, i) => {
    const reference = `SR-${teamId}-${month}-${i}`;
    const at = new Date(Date.UTC(2020, month - 1, (i % 28) + 1, 10));
    const base = { at, areaId: 'merseyside', teamId, band: 'HIGH', source: 'police' } as const;
    return [
      { ...base, kind: 'RECEIVED', factId: factIdFor('RECEIVED', reference) },
      { ...base, kind: 'ASSIGNED', factId: factIdFor('ASSIGNED', reference, teamId) },
      { ...base, kind: 'ACKNOWLEDGED', factId: factIdFor('ACKNOWLEDGED', reference, teamId), withinDeadline: true, secondsToAcknowledge: 1800 },
    ] as ThroughputFact[];
  }).flat();
}

beforeEach(() => {
  stored.totals = rollUp(aggregateFacts([...assignedAndAcknowledged('mdvs', 12, 1), ...assignedAndAcknowledged('mdvs', 3, 2), ...assignedAndAcknowledged('victim-care', 20, 1), ...assignedAndAcknowledged('victim-care', 22, 2)]));
  stored.asked = [];
});

describe('the reports page', () => {
  it('shows a commissioner publishable figures, small numbers as <5', async () => {
    const page = await reportsPage(event('from=2020-01-01&to=2020-02-29&groupBy=month&by=team'), as('commissioner-merseyside'), NOW);
    expect(page.statusCode).toBe(200);
    expect(stored.asked).toEqual([[['merseyside'], spansToRead('2020-01-01', '2020-02-29', 'month'), ['team']]]);
    const body = String(page.body);
    expect(body).toContain('&lt;5');
    expect(body).toMatch(/<svg[^>]*role="img"[^>]*aria-labelledby="chart-counts-title chart-counts-desc"/);
    expect(body).toContain('href="/portal/reports"');
    expect(body).not.toMatch(/\sstyle=/);
    expect(body.match(/<svg/g)).toHaveLength(5);
    expect(body.match(/<table/g)).toHaveLength(6);
    expect(body).toContain('Referrals assigned to each team');
    expect(body).toContain('Time from referral to first contact');
    expect(body).toContain('id="headline-first-contact"');
  });

  it('draws every chart by the chosen breakdown, reading only that breakdown', async () => {
    const page = await reportsPage(event('from=2020-01-01&to=2020-02-29&groupBy=month&by=band'), as('coordinator-merseyside'), NOW);
    expect(stored.asked).toEqual([[['merseyside'], spansToRead('2020-01-01', '2020-02-29', 'month'), ['band']]]);
    const body = String(page.body);
    expect(body).toContain('Referrals received, by risk band');
    expect(body).not.toContain('Referrals assigned to each team');
    expect(body).toContain('All bands');
    expect(body).not.toContain('All teams');
    expect(body).not.toMatch(/Victim Care Merseyside/);
  });

  it('reads the last 12 months up to and including today when no range is given', async () => {
    await reportsPage(event(''), as('commissioner-merseyside'), NOW);
    expect(stored.asked).toEqual([[['merseyside'], spansToRead('2025-12-01', '2026-11-18', 'month'), ['team']]]);
    expect(spansToRead('2025-12-01', '2026-11-18', 'month').some((span) => span.last === '2026-11-18')).toBe(true);
  });

  it('links the usual ranges with the other choices kept', async () => {
    const body = String((await reportsPage(event('from=2020-01-01&to=2020-02-29&groupBy=quarter&by=source'), as('commissioner-merseyside'), NOW)).body);
    expect(body).toContain('<a class="govuk-link" id="range-year-to-date" href="/portal/reports?from=2026-01-01&amp;to=2026-11-18&amp;groupBy=quarter&amp;by=source&amp;area=merseyside">This year to date</a>');
    expect(body).toContain('id="range-last-12-months" href="/portal/reports?from=2025-12-01&amp;to=2026-11-18&amp;');
  });

  it('gives a coordinator exact figures when asked, and a commissioner never', async () => {
    const query = 'from=2020-01-01&to=2020-02-29&groupBy=month&by=team&figures=exact';
    const coordinator = String((await reportsPage(event(query), as('coordinator-merseyside'), NOW)).body);
    expect(coordinator).toContain('Exact figures');
    expect(coordinator).not.toContain('&lt;5');
    const commissioner = String((await reportsPage(event(query), as('commissioner-merseyside'), NOW)).body);
    expect(commissioner).not.toContain('Exact figures');
    expect(commissioner).toContain('&lt;5');
  });

  it('refuses anyone who is neither, before reading anything', async () => {
    const page = await reportsPage(event(''), as('victim-care'), NOW);
    expect(page.statusCode).toBe(403);
    expect(stored.asked).toEqual([]);
    expect((await reportsCsv(event(''), as('victim-care'), NOW)).statusCode).toBe(403);
  });

  it('answers a wrong date with an error summary linking to the field, and reads nothing', async () => {
    const page = await reportsPage(event('from-day=31&from-month=2&from-year=2020&to-day=1&to-month=3&to-year=2020'), as('commissioner-merseyside'), NOW);
    expect(page.statusCode).toBe(400);
    expect(String(page.body)).toMatch(/govuk-error-summary/);
    expect(String(page.body)).toContain('href="#from-day"');
    expect(String(page.body)).toContain('<title>Error:');
    expect(stored.asked).toEqual([]);
  });

  it('downloads publishable CSV as an attachment', async () => {
    const csv = await reportsCsv(event('from=2020-01-01&to=2020-02-29&groupBy=month&by=team'), as('coordinator-merseyside'), NOW);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers?.['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers?.['content-disposition']).toMatch(/^attachment; filename="referral-figures-merseyside-2020-01-01-to-2020-02-29-by-month-and-team\.csv"$/);
    expect(String(csv.body)).toMatch(/^2020-02,mdvs,\[z\],<5,/m);
  });
});
