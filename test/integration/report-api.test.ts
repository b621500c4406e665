import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { Band } from '../../functions/domain/config.js';
import type { ReferralSource } from '../../functions/domain/referral.js';
import type { Outcome } from '../../functions/domain/referral-record.js';
import { factIdFor, REPORT_TIME_ZONE, type ThroughputFact } from '../../functions/domain/throughput.js';
import { localDateOf } from '../../functions/domain/working-calendar.js';
import { eventually, LocalCloudClient } from '../support/local-cloud-client.js';
import { aReferral, personalDetails } from '../support/referrals.js';

const cloud = inject('localCloud');
const client = new LocalCloudClient(cloud);

/*
 * Figures of 2019, recorded straight into the aggregates: no referral of the shared local cloud is that
 * old, so these are the only figures in the range and every one of them is known.
 */
const MERSEYSIDE_2019 = '/api/reports/throughput?from=2019-01-01&to=2019-06-30&groupBy=quarter&by=team';

interface Subject { reference: string; band: Band; source: ReferralSource; at: string }

const received = (s: Subject, areaId: string): ThroughputFact =>
  ({ kind: 'RECEIVED', factId: factIdFor('RECEIVED', s.reference), at: new Date(s.at), areaId, band: s.band, source: s.source });
const forTeam = (kind: 'ASSIGNED' | 'DECLINED' | 'BREACHED', s: Subject, areaId: string, teamId: string): ThroughputFact =>
  ({ kind, factId: factIdFor(kind, s.reference, teamId), at: new Date(s.at), areaId, teamId, band: s.band, source: s.source });
const acknowledged = (s: Subject, areaId: string, teamId: string, secondsToAcknowledge: number, withinDeadline: boolean): ThroughputFact => ({
  kind: 'ACKNOWLEDGED', factId: factIdFor('ACKNOWLEDGED', s.reference, teamId), at: new Date(Date.parse(s.at) + secondsToAcknowledge * 1000),
  areaId, teamId, band: s.band, source: s.source, withinDeadline, secondsToAcknowledge,
});
const contacted = (s: Subject, areaId: string, teamId: string, secondsToFirstContact: number): ThroughputFact => ({
  kind: 'CONTACTED', factId: factIdFor('CONTACTED', s.reference, teamId), at: new Date(Date.parse(s.at) + secondsToFirstContact * 1000),
  areaId, teamId, band: s.band, source: s.source, secondsToFirstContact,
});
const ended = (s: Subject, areaId: string, teamId: string, outcome: Outcome): ThroughputFact => ({
  kind: 'OUTCOME', factId: factIdFor('OUTCOME', s.reference, teamId), at: new Date(Date.parse(s.at) + 4 * 86_400_000),
  areaId, teamId, band: s.band, source: s.source, outcome,
});
const subjects = (prefix: string, count: number, band: Band, source: ReferralSource, at: string): Subject[] =>
  Array.from({ length: count }, (_, i) => ({ reference: `SR-${prefix}${String(i + 1).padStart(2, '0')}`, band, source, at }));

/**
 * Merseyside 2019 Q1: six HIGH police referrals to mdvs (one acknowledged two days late; five reached two
 * hours after submission and supported, one reached after three days and then unable to contact), one
 * STANDARD self-referral declined by victim care.
 */
const mdvsQ1 = subjects('RPTA', 6, 'HIGH', 'police', '2019-02-14T10:00:00Z');
const declinedQ1 = subjects('RPTB', 1, 'STANDARD', 'self', '2019-02-14T10:00:00Z');
/** Q2: five MEDIUM agency referrals to victim care, all in time, reached after an hour and supported; and one that arrived at 00:30 BST on 1 April, so in Q2 in London. */
const victimCareQ2 = subjects('RPTC', 5, 'MEDIUM', 'agency', '2019-05-20T09:00:00Z');
const firstOfApril = subjects('RPTD', 1, 'HIGH', 'police', '2019-03-31T23:30:00Z');
/** Halton, same range: three, which no Merseyside figure may include. */
const halton = subjects('RPTE', 3, 'STANDARD', 'self', '2019-02-14T10:00:00Z');

const facts: ThroughputFact[] = [
  ...mdvsQ1.flatMap((s, i) => [
    received(s, 'merseyside'), forTeam('ASSIGNED', s, 'merseyside', 'mdvs'),
    i < 5 ? acknowledged(s, 'merseyside', 'mdvs', 600, true) : acknowledged(s, 'merseyside', 'mdvs', 2 * 86_400, false),
    contacted(s, 'merseyside', 'mdvs', i < 5 ? 7_200 : 3 * 86_400), ended(s, 'merseyside', 'mdvs', i < 5 ? 'support-accepted' : 'unable-to-contact'),
  ]),
  ...declinedQ1.flatMap((s) => [received(s, 'merseyside'), forTeam('ASSIGNED', s, 'merseyside', 'victim-care'), forTeam('DECLINED', s, 'merseyside', 'victim-care')]),
  ...victimCareQ2.flatMap((s) => [
    received(s, 'merseyside'), forTeam('ASSIGNED', s, 'merseyside', 'victim-care'), acknowledged(s, 'merseyside', 'victim-care', 3_000, true),
    contacted(s, 'merseyside', 'victim-care', 3_600), ended(s, 'merseyside', 'victim-care', 'support-accepted'),
  ]),
  ...firstOfApril.map((s) => received(s, 'merseyside')),
  ...halton.flatMap((s) => [received(s, 'halton'), forTeam('ASSIGNED', s, 'halton', 'halton-victims')]),
];

beforeAll(async () => {
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: cloud.dynamodbUrl, TABLE_NAME: cloud.tableName,
    AWS_REGION: 'eu-west-2', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local',
  });
  const { foldFacts } = await import('../../functions/adapters/throughput-store.js');
  // Folded as the stream consumer folds a batch: the report reads the totals at once.
  const folded = await foldFacts(facts.map((fact) => ({ fact, reference: fact.factId.split('#')[0]!, recordedAt: new Date().toISOString() })));
  if (folded.failed.length > 0) throw new Error(`${folded.failed.length} facts were not folded`);
});

async function getAs(username: string, path: string, accept = 'application/json'): Promise<Response> {
  return fetch(`${cloud.apiUrl}${path}`, { headers: { authorization: `Bearer ${await client.tokenFor(username)}`, accept } });
}

/** The open-work index of an area, read directly: what open now must add up to. */
async function openPerTeam(areaId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  let start: Record<string, unknown> | undefined;
  do {
    const page = await client.documents.send(new QueryCommand({
      TableName: cloud.tableName, IndexName: 'openByArea', KeyConditionExpression: 'openKey = :k',
      ExpressionAttributeValues: { ':k': `OPEN#${areaId}` }, ExclusiveStartKey: start,
    }));
    // Past its retention an assignment is gone to every read, though DynamoDB Local never sweeps it.
    const live = (page.Items ?? []).filter((item) => !(typeof item.expiresAt === 'number' && item.expiresAt * 1000 <= Date.now()));
    for (const item of live) counts[String(item.teamId)] = (counts[String(item.teamId)] ?? 0) + 1;
    start = page.LastEvaluatedKey;
  } while (start);
  return counts;
}

const none = {
  received: 0, assignments: 0, acknowledged: 0, acknowledgedWithinDeadline: 0, withinDeadlinePercent: null, medianMinutesToAcknowledge: null, p90MinutesToAcknowledge: null,
  declined: 0, rerouted: 0, breached: 0, contacted: 0, medianMinutesToFirstContact: null, p90MinutesToFirstContact: null,
  outcomeSupportAccepted: 0, outcomeSupportDeclined: 0, outcomeUnableToContact: 0, outcomeReferredElsewhere: 0, outcomeNotAppropriate: 0,
};
const HEADER = 'period,team,received,assignments,acknowledged,acknowledged_within_deadline,within_deadline_percent,median_minutes_to_acknowledge,'
  + 'p90_minutes_to_acknowledge,declined,rerouted,breached,contacted,median_minutes_to_first_contact,p90_minutes_to_first_contact,'
  + 'outcome_support_accepted,outcome_support_declined,outcome_unable_to_contact,outcome_referred_elsewhere,outcome_not_appropriate';
/** A referral-level line: referrals received, and [z] (not applicable) for every figure of a team's work. */
const referralLevel = (received: number) => `${received},${Array(17).fill('[z]').join(',')}`;
const nothing = '0,0,0,,,,0,0,0,0,,,0,0,0,0,0';

/** A CSV's rows without the open-now and overdue-now columns, which follow the live work of the shared cloud. */
const withoutOpenWork = (text: string) => text.split('\r\n').filter(Boolean).map((line) => line.split(',').slice(0, -2).join(','));

describe('GET /api/reports/throughput', () => {
  it('answers 401 without a token, and 403 to a caseworker', async () => {
    expect((await fetch(`${cloud.apiUrl}${MERSEYSIDE_2019}`)).status).toBe(401);
    const caseworker = await client.as('victim-care.caseworker', 'GET', MERSEYSIDE_2019);
    expect(caseworker).toEqual({ status: 403, body: { errors: [{ path: '', message: 'Reports are for commissioners and coordinators.' }] } });
  });

  // First, so that the area has open work of its own for the tests below to count.
  it('shows nothing of the people behind the figures, in JSON or CSV', async () => {
    const body = aReferral();
    const response = await client.submit(body);
    const { reference } = (await response.json()) as { reference: string };
    await eventually(async () => (await client.referral(reference))?.status === 'AWAITING_ACK', 'the referral to be routed');
    const today = localDateOf(new Date(), REPORT_TIME_ZONE);
    const path = `/api/reports/throughput?from=${today}&to=${today}&groupBy=week&by=source`;
    // The referral is counted, so the reports below are about it.
    await eventually(async () => {
      const { body: report } = await client.as('coordinator.merseyside', 'GET', path);
      return ((report.report as { total: { received: number } }).total.received) >= 1;
    }, 'the referral to be counted');

    // With no dates at all, the report runs to today (SPEC §7), so today's referral is in it.
    const byDefault = await client.as('coordinator.merseyside', 'GET', '/api/reports/throughput?by=source');
    expect(byDefault.status).toBe(200);
    // (Or tomorrow, should midnight in London fall between the two.)
    expect([today, localDateOf(new Date(), REPORT_TIME_ZONE)]).toContain(byDefault.body.to);
    expect((byDefault.body.report as { total: { received: number } }).total.received).toBeGreaterThanOrEqual(1);

    const answers = [
      JSON.stringify((await client.as('coordinator.merseyside', 'GET', path)).body),
      JSON.stringify((await client.as('commissioner.merseyside', 'GET', path)).body),
      await (await getAs('coordinator.merseyside', `${path}&publishable=false`, 'text/csv')).text(),
      await (await getAs('commissioner.merseyside', path, 'text/csv')).text(),
    ];
    for (const answer of answers) {
      for (const detail of [...personalDetails(body), reference]) expect(answer).not.toContain(detail);
    }
  });

  it('keeps a coordinator to their own area', async () => {
    const other = await client.as('coordinator.halton', 'GET', `${MERSEYSIDE_2019}&area=merseyside`);
    expect(other).toEqual({ status: 403, body: { errors: [{ path: 'area', message: 'You can see reports for your own areas only: halton.' }] } });
    const own = await client.as('coordinator.halton', 'GET', MERSEYSIDE_2019);
    expect(own.status).toBe(200);
    expect(own.body.areas).toEqual(['halton']);
    expect((own.body.report as { total: { received: number; assignments: number } }).total).toMatchObject({ received: 3, assignments: 3 });
  });

  it('answers a bad query with the parameter that is wrong', async () => {
    const answer = await client.as('coordinator.merseyside', 'GET', '/api/reports/throughput?from=2019-07-01&to=2019-06-30&groupBy=fortnight');
    expect(answer).toEqual({ status: 400, body: { errors: [{ path: 'groupBy', message: 'Group by week, month or quarter' }] } });
  });

  it('gives the Merseyside coordinator exact figures, London days deciding the quarter', async () => {
    const { status, body } = await client.as('coordinator.merseyside', 'GET', MERSEYSIDE_2019);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      from: '2019-01-01', to: '2019-06-30', groupBy: 'quarter', by: 'team', areas: ['merseyside'], publishable: false, publishableRequired: false,
    });
    const report = body.report as { periods: string[]; values: string[]; lines: Record<string, unknown>[]; total: Record<string, unknown> };
    expect(report.periods).toEqual(['2019-Q1', '2019-Q2']);
    expect(report.values).toEqual(['housing-support', 'mdvs', 'victim-care', 'ALL_TEAMS']);
    expect(report.lines).toEqual([
      { period: '2019-Q1', value: 'housing-support', ...none },
      // Five in 10 minutes and one after two days: the median is within the first bucket, the 90th is the late one.
      // First contacts likewise: five two hours after submission, one three days after.
      {
        period: '2019-Q1', value: 'mdvs', ...none, assignments: 6, acknowledged: 6, acknowledgedWithinDeadline: 5, withinDeadlinePercent: 83.3, medianMinutesToAcknowledge: 13, p90MinutesToAcknowledge: 2883,
        contacted: 6, medianMinutesToFirstContact: 123, p90MinutesToFirstContact: 4323, outcomeSupportAccepted: 5, outcomeUnableToContact: 1,
      },
      { period: '2019-Q1', value: 'victim-care', ...none, assignments: 1, declined: 1 },
      { period: '2019-Q1', value: 'ALL_TEAMS', ...none, received: 7 },
      { period: '2019-Q2', value: 'housing-support', ...none },
      { period: '2019-Q2', value: 'mdvs', ...none },
      {
        period: '2019-Q2', value: 'victim-care', ...none, assignments: 5, acknowledged: 5, acknowledgedWithinDeadline: 5, withinDeadlinePercent: 100, medianMinutesToAcknowledge: 53, p90MinutesToAcknowledge: 55,
        contacted: 5, medianMinutesToFirstContact: 63, p90MinutesToFirstContact: 65, outcomeSupportAccepted: 5,
      },
      { period: '2019-Q2', value: 'ALL_TEAMS', ...none, received: 6 },
    ]);
    expect(report.total).toMatchObject({
      received: 13, assignments: 12, acknowledged: 11, acknowledgedWithinDeadline: 10, declined: 1,
      contacted: 11, medianMinutesToFirstContact: 121, p90MinutesToFirstContact: 125, outcomeSupportAccepted: 10, outcomeUnableToContact: 1,
    });
    // Which zeros mean "does not apply": received on a team's line, a team's work on the referral-level line.
    const notApplicable = (body.report as { notApplicable: Record<string, string[]> }).notApplicable;
    expect(notApplicable.mdvs).toEqual(['received']);
    expect(notApplicable.ALL_TEAMS).toEqual(expect.arrayContaining(['assignments', 'contacted', 'outcomeSupportAccepted']));
    type OpenCounts = { values: { value: string; count: number }[]; total: number };
    // Open work is live: other tests' workflows in this shared cloud move it. Compare a report and a
    // direct count of the index taken back to back, until one pair is taken with nothing moving between.
    let openNow = body.openNow as OpenCounts;
    let overdueNow = body.overdueNow as OpenCounts;
    let open = await openPerTeam('merseyside');
    // Per team, not only in total: a decline moves work from one team to another and keeps the total.
    const agrees = () => openNow.values.every(({ value, count }) => count === (open[value] ?? 0))
      && openNow.total === Object.values(open).reduce((a, b) => a + b, 0);
    for (let attempt = 0; attempt < 10 && !agrees(); attempt++) {
      const again = (await client.as('coordinator.merseyside', 'GET', MERSEYSIDE_2019)).body;
      open = await openPerTeam('merseyside');
      ({ openNow, overdueNow } = again as { openNow: OpenCounts; overdueNow: OpenCounts });
    }
    expect(openNow.values.map((v) => v.value)).toEqual(['housing-support', 'mdvs', 'victim-care']);
    for (const { value, count } of openNow.values) expect(count, value).toBe(open[value] ?? 0);
    expect(openNow.total).toBe(Object.values(open).reduce((a, b) => a + b, 0));
    expect(openNow.total).toBeGreaterThan(0);
    for (const [i, { count }] of overdueNow.values.entries()) expect(count).toBeLessThanOrEqual(openNow.values[i]!.count);
  });

  it('always gives the commissioner publishable figures, even when asked for exact ones', async () => {
    const { status, body } = await client.as('commissioner.merseyside', 'GET', `${MERSEYSIDE_2019}&publishable=false`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ areas: ['merseyside'], publishable: true, publishableRequired: true });
    const lines = (body.report as { lines: Record<string, unknown>[] }).lines;
    expect(lines.find((l) => l.period === '2019-Q1' && l.value === 'victim-care')).toMatchObject({ assignments: '<5', declined: '<5' });
    // One of six late: the within-deadline count would give the late one away, so it and its share are hidden.
    expect(lines.find((l) => l.period === '2019-Q1' && l.value === 'mdvs')).toMatchObject({ acknowledged: 6, acknowledgedWithinDeadline: '[c]', withinDeadlinePercent: '[c]' });
    expect(lines.find((l) => l.period === '2019-Q1' && l.value === 'mdvs')).toMatchObject({ contacted: 6, medianMinutesToFirstContact: 123, outcomeUnableToContact: '<5' });
    expect(JSON.stringify(body.report)).not.toMatch(/"(assignments|received|declined|contacted|outcome[A-Za-z]+)":[1-4][,}]/);
  });

  it('downloads CSV: publishable for the commissioner, exact for the coordinator who asks', async () => {
    // Victim care's one Q1 assignment is `<5`; mdvs's 6 beside it and both teams' totals are hidden too,
    // or the published Q1 total of 7 and grand total of 12 would give it back.
    const published = await getAs('commissioner.merseyside', MERSEYSIDE_2019, 'text/csv');
    expect(published.status).toBe(200);
    expect(published.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(published.headers.get('content-disposition')).toBe('attachment; filename="throughput-2019-01-01-to-2019-06-30-quarter-by-team.csv"');
    expect(withoutOpenWork(await published.text())).toEqual([
      HEADER,
      `2019-Q1,housing-support,[z],${nothing}`,
      '2019-Q1,mdvs,[z],[c],6,[c],[c],13,2883,0,0,0,6,123,4323,5,0,<5,0,0',
      '2019-Q1,victim-care,[z],<5,0,0,,,,<5,0,0,0,,,0,0,0,0,0',
      `2019-Q1,ALL_TEAMS,${referralLevel(7)}`,
      '2019-Q1,TOTAL,7,7,6,[c],[c],13,2883,<5,0,0,6,123,4323,5,0,<5,0,0',
      `2019-Q2,housing-support,[z],${nothing}`,
      `2019-Q2,mdvs,[z],${nothing}`,
      '2019-Q2,victim-care,[z],5,5,5,100,53,55,0,0,0,5,63,65,5,0,0,0,0',
      `2019-Q2,ALL_TEAMS,${referralLevel(6)}`,
      '2019-Q2,TOTAL,6,5,5,5,100,53,55,0,0,0,5,63,65,5,0,0,0,0',
      `TOTAL,housing-support,[z],${nothing}`,
      'TOTAL,mdvs,[z],[c],6,[c],[c],13,2883,0,0,0,6,123,4323,5,0,<5,0,0',
      'TOTAL,victim-care,[z],[c],5,5,100,53,55,<5,0,0,5,63,65,5,0,0,0,0',
      `TOTAL,ALL_TEAMS,${referralLevel(13)}`,
      'TOTAL,TOTAL,13,12,11,[c],[c],51,55,<5,0,0,11,121,125,10,0,<5,0,0',
    ]);

    const exact = await getAs('coordinator.merseyside', `${MERSEYSIDE_2019}&publishable=false`, 'text/csv');
    expect(exact.headers.get('content-disposition')).toBe('attachment; filename="throughput-2019-01-01-to-2019-06-30-quarter-by-team-unsuppressed.csv"');
    const text = await exact.text();
    expect(withoutOpenWork(text)).toEqual([
      HEADER,
      `2019-Q1,housing-support,[z],${nothing}`,
      '2019-Q1,mdvs,[z],6,6,5,83.3,13,2883,0,0,0,6,123,4323,5,0,1,0,0',
      '2019-Q1,victim-care,[z],1,0,0,,,,1,0,0,0,,,0,0,0,0,0',
      `2019-Q1,ALL_TEAMS,${referralLevel(7)}`,
      '2019-Q1,TOTAL,7,7,6,5,83.3,13,2883,1,0,0,6,123,4323,5,0,1,0,0',
      `2019-Q2,housing-support,[z],${nothing}`,
      `2019-Q2,mdvs,[z],${nothing}`,
      '2019-Q2,victim-care,[z],5,5,5,100,53,55,0,0,0,5,63,65,5,0,0,0,0',
      `2019-Q2,ALL_TEAMS,${referralLevel(6)}`,
      '2019-Q2,TOTAL,6,5,5,5,100,53,55,0,0,0,5,63,65,5,0,0,0,0',
      `TOTAL,housing-support,[z],${nothing}`,
      'TOTAL,mdvs,[z],6,6,5,83.3,13,2883,0,0,0,6,123,4323,5,0,1,0,0',
      'TOTAL,victim-care,[z],6,5,5,100,53,55,1,0,0,5,63,65,5,0,0,0,0',
      `TOTAL,ALL_TEAMS,${referralLevel(13)}`,
      'TOTAL,TOTAL,13,12,11,10,90.9,51,55,1,0,0,11,121,125,10,0,1,0,0',
    ]);
    // Open now and overdue now sit on the whole-range rows only: they belong to no quarter.
    const rows = text.split('\r\n').filter(Boolean).map((line) => line.split(','));
    expect(rows[0]!.slice(-2)).toEqual(['open_now', 'overdue_now']);
    for (const row of rows.slice(1)) {
      const hasOpenWork = row[0] === 'TOTAL' && row[1] !== 'ALL_TEAMS';
      expect(row.slice(-2).every((v) => /^\d+$/.test(v!)), row.join(',')).toBe(hasOpenWork);
    }
  });
});
