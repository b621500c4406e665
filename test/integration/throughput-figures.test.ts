import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, LocalCloudClient } from '../support/local-cloud-client.js';
import { launchLocalCloud, PROJECT_ROOT } from '../support/local-cloud-process.js';
import { aReferral, aStandardReferral, personalDetails, type ReferralBody } from '../support/referrals.js';
import { shortDeadlineConfigFile } from '../support/short-deadlines.js';

// A cloud of its own, empty at the start and with deadlines of seconds, so that today's figures are
// exactly this test's known mix, breaches included.
// Long enough that an acknowledgement "in time" is in time on a busy machine too.
const DEADLINE_SECONDS = 30;
const GRACE_SECONDS = 3;

let client: LocalCloudClient;
let stop: () => Promise<void>;
const bodies: ReferralBody[] = [];

const londonToday = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());

async function submitted(body: ReferralBody): Promise<string> {
  bodies.push(body);
  // Only a partner system with its own credentials may refer as the police (SPEC §8).
  const headers: Record<string, string> = body.source === 'self' ? {} : { authorization: `Bearer ${await client.partnerToken()}` };
  const response = await client.submit(body, headers);
  expect(response.status).toBe(201);
  return ((await response.json()) as { reference: string }).reference;
}

const status = async (reference: string, teamId: string) => (await client.itemsOf(reference, `ASSIGNMENT#${teamId}`))[0]?.status;
const notified = (reference: string, teamId: string) =>
  eventually(async () => (await status(reference, teamId)) === 'NOTIFIED', `${teamId} told of ${reference}`, 120_000);
const act = async (user: string, reference: string, teamId: string, action: 'acknowledge' | 'decline') => {
  const answer = await client.as(user, 'POST', `/api/referrals/${reference}/assignments/${teamId}/${action}`, action === 'decline' ? { reason: 'No capacity this week.' } : undefined);
  expect(answer.status, `${action} ${reference}`).toBe(200);
};

beforeAll(async () => {
  const launched = await launchLocalCloud({
    logFile: path.join(PROJECT_ROOT, 'test-results', `throughput-figures-${Date.now()}.log`),
    env: { SERVICE_CONFIG_PATH: shortDeadlineConfigFile(DEADLINE_SECONDS, GRACE_SECONDS) },
  });
  client = new LocalCloudClient(launched.handle);
  stop = launched.stop;

  const noHousingNeed = (body: ReferralBody) => {
    body.housing = { tenure: 'owner-occupier', needsSupport: false, unsafeAtHome: false, personKnowsAddress: false, propertyDamagedAtHome: false };
  };
  const [inTime, breached, declined, late] = await Promise.all([
    submitted(aStandardReferral()), // victim care acknowledges in time
    submitted(aStandardReferral()), // nobody acknowledges: reminder, then breach
    submitted(aReferral(noHousingNeed)), // HIGH: mdvs declines, victim care (its fallback) acknowledges in time
    submitted(aStandardReferral((body) => { // from the police; victim care acknowledges after its deadline
      body.source = 'police';
      body.referrer = { name: 'PC Ada Lovelock', organisation: 'Merseyside Police', email: 'ada.lovelock@police.example' };
    })),
    submitted(aStandardReferral((body) => { (body.victim as Record<string, unknown>).postcode = 'SW1A 1AA'; })), // out of area
  ]);

  await notified(inTime!, 'victim-care');
  await act('victim-care.caseworker', inTime!, 'victim-care', 'acknowledge');
  await notified(declined!, 'mdvs');
  await act('mdvs.caseworker', declined!, 'mdvs', 'decline');
  await notified(declined!, 'victim-care');
  await act('victim-care.caseworker', declined!, 'victim-care', 'acknowledge');
  await eventually(async () => (await status(late!, 'victim-care')) === 'REMINDED', 'the police referral’s deadline to pass', 120_000);
  await act('victim-care.caseworker', late!, 'victim-care', 'acknowledge');
  await eventually(async () => (await status(breached!, 'victim-care')) === 'BREACHED', 'the breach', 120_000);
  // Every workflow has counted what it did once the referrals have settled.
  for (const reference of [inTime!, declined!, late!, breached!]) {
    await eventually(async () => ['ACKNOWLEDGED', 'BREACHED'].includes(String((await client.referral(reference))?.status)), `${reference} to settle`, 120_000);
  }

  // Then Victim Care follows up what it took on (SPEC §2 step 6). Each attempt is dated 4 minutes after its
  // referral arrived: inside the first 5-minute bucket of the time-to-first-contact histogram however slow
  // the machine, and never in the future.
  const followUp = async (reference: string, reached: boolean[], outcome: string) => {
    const at = new Date(Date.parse(String((await client.referral(reference))?.createdAt)) + 240_000).toISOString();
    for (const wasReached of reached) {
      const attempt = await client.as('victim-care.caseworker', 'POST', `/api/referrals/${reference}/assignments/victim-care/contact-attempts`, { at, method: 'phone', reached: wasReached });
      expect(attempt.status, `attempt on ${reference}`).toBe(201);
    }
    const closing = await client.as('victim-care.caseworker', 'POST', `/api/referrals/${reference}/assignments/victim-care/outcome`, { outcome, reason: 'Recorded for the known day.' });
    expect(closing.status, `outcome of ${reference}`).toBe(200);
  };
  await followUp(inTime!, [false, true], 'support-accepted');
  await followUp(declined!, [true], 'referred-elsewhere');
  await followUp(late!, [false, false], 'unable-to-contact');
  for (const reference of [inTime!, declined!, late!]) {
    await eventually(async () => (await client.referral(reference))?.status === 'CLOSED', `${reference} to close`, 120_000);
  }
  // The report totals are folded from the table's stream, off the request path: read once every fact is in.
  await eventually(async () => {
    const { stored, waiting } = await client.factsNotYetFolded();
    return stored > 0 && waiting.length === 0;
  }, 'every stored fact folded into the report totals', 120_000);
}, 600_000);

afterAll(async () => stop?.());

const report = async (user: string, query: string, accept = 'application/json') => {
  const response = await fetch(`${client.cloud.apiUrl}/api/reports/throughput?${query}`, {
    headers: { authorization: `Bearer ${await client.tokenFor(user)}`, accept },
  });
  return { status: response.status, type: response.headers.get('content-type') ?? '', text: await response.text() };
};
const range = () => `from=${londonToday()}&to=${londonToday()}&groupBy=month`;

type Figures = Record<string, number | string | null>;
const byValue = (body: { report: { valueTotals: ({ value: string } & Figures)[] } }) =>
  Object.fromEntries(body.report.valueTotals.map(({ value, ...figures }) => [value, figures]));

describe('the throughput report after a known day of referrals', () => {
  it('gives exactly the expected figures by team, with open and overdue work now', async () => {
    const answer = await report('coordinator.merseyside', `${range()}&by=team`);
    expect(answer.status).toBe(200);
    const body = JSON.parse(answer.text);
    expect(body.publishable).toBe(false);
    const teams = byValue(body);
    const counts = (f: Figures) => ({
      received: f.received, assignments: f.assignments, acknowledged: f.acknowledged,
      acknowledgedWithinDeadline: f.acknowledgedWithinDeadline, declined: f.declined, rerouted: f.rerouted, breached: f.breached,
    });
    expect(counts(teams.ALL_TEAMS!)).toEqual({ received: 4, assignments: 0, acknowledged: 0, acknowledgedWithinDeadline: 0, declined: 0, rerouted: 0, breached: 0 });
    expect(counts(teams['victim-care']!)).toEqual({ received: 0, assignments: 4, acknowledged: 3, acknowledgedWithinDeadline: 2, declined: 0, rerouted: 0, breached: 1 });
    expect(counts(teams.mdvs!)).toEqual({ received: 0, assignments: 1, acknowledged: 0, acknowledgedWithinDeadline: 0, declined: 1, rerouted: 1, breached: 0 });
    expect(counts(teams['housing-support']!)).toEqual({ received: 0, assignments: 0, acknowledged: 0, acknowledgedWithinDeadline: 0, declined: 0, rerouted: 0, breached: 0 });
    expect(teams['victim-care']!.withinDeadlinePercent).toBeCloseTo(66.7, 1);
    expect(counts(body.report.total)).toEqual({ received: 4, assignments: 5, acknowledged: 3, acknowledgedWithinDeadline: 2, declined: 1, rerouted: 1, breached: 1 });
    // Times to acknowledge are seconds here: medians and 90th percentiles of well under an hour.
    expect(Number(teams['victim-care']!.medianMinutesToAcknowledge)).toBeLessThan(60);
    expect(body.openNow).toMatchObject({ total: 1 });
    expect(body.openNow.values).toContainEqual({ value: 'victim-care', count: 1 });
    expect(body.overdueNow).toMatchObject({ total: 1 });
  });

  it('gives exactly the time to first contact and the outcomes of that day, by team', async () => {
    const teams = byValue(JSON.parse((await report('coordinator.merseyside', `${range()}&by=team`)).text));
    const followedUp = (f: Figures) => ({
      contacted: f.contacted, medianMinutesToFirstContact: f.medianMinutesToFirstContact, p90MinutesToFirstContact: f.p90MinutesToFirstContact,
      outcomeSupportAccepted: f.outcomeSupportAccepted, outcomeSupportDeclined: f.outcomeSupportDeclined, outcomeUnableToContact: f.outcomeUnableToContact,
      outcomeReferredElsewhere: f.outcomeReferredElsewhere, outcomeNotAppropriate: f.outcomeNotAppropriate,
    });
    // Two people reached, each 240 s after they asked for help: both in the first 5-minute bucket, so by
    // nearest rank the median is the first of two slices (75 s, 1 minute) and the 90th the second (225 s, 4).
    expect(followedUp(teams['victim-care']!)).toEqual({
      contacted: 2, medianMinutesToFirstContact: 1, p90MinutesToFirstContact: 4,
      outcomeSupportAccepted: 1, outcomeSupportDeclined: 0, outcomeUnableToContact: 1, outcomeReferredElsewhere: 1, outcomeNotAppropriate: 0,
    });
    expect(followedUp(teams.mdvs!)).toEqual({
      contacted: 0, medianMinutesToFirstContact: null, p90MinutesToFirstContact: null,
      outcomeSupportAccepted: 0, outcomeSupportDeclined: 0, outcomeUnableToContact: 0, outcomeReferredElsewhere: 0, outcomeNotAppropriate: 0,
    });

    // Published, every one of those counts is small, so none is shown, and neither are the times.
    const published = byValue(JSON.parse((await report('commissioner.merseyside', `${range()}&by=team`)).text));
    const careFigures = followedUp(published['victim-care']!);
    for (const figure of ['contacted', 'outcomeSupportAccepted', 'outcomeUnableToContact', 'outcomeReferredElsewhere'] as const) {
      expect(careFigures[figure], figure).toBe('<5');
    }
    expect(['<5', '[c]']).toContain(careFigures.medianMinutesToFirstContact);
    expect(['<5', '[c]']).toContain(careFigures.p90MinutesToFirstContact);
  });

  it('breaks the same day down by band and by source', async () => {
    const bands = byValue(JSON.parse((await report('coordinator.merseyside', `${range()}&by=band`)).text));
    expect([bands.STANDARD!.received, bands.MEDIUM!.received, bands.HIGH!.received]).toEqual([3, 0, 1]);
    expect(bands.HIGH!.declined).toBe(1);
    const sources = byValue(JSON.parse((await report('coordinator.merseyside', `${range()}&by=source`)).text));
    expect([sources.self!.received, sources.police!.received, sources.agency!.received]).toEqual([3, 1, 0]);
    expect(sources.police!.acknowledgedWithinDeadline).toBe(0);
    expect(sources.police!.acknowledged).toBe(1);
  });

  it('gives the same figures as CSV, exact for the coordinator and suppressed for the commissioner', async () => {
    const exact = await report('coordinator.merseyside', `${range()}&by=team&publishable=false`, 'text/csv');
    expect(exact.status).toBe(200);
    expect(exact.type).toMatch(/^text\/csv/);
    const rows = exact.text.trim().split('\r\n').map((line) => line.split(','));
    const header = rows[0]!;
    const cell = (rowOf: string[], column: string) => rowOf[header.indexOf(column)];
    const total = rows.find((r) => r[0] === 'TOTAL' && r[1] === 'victim-care')!;
    expect([cell(total, 'assignments'), cell(total, 'acknowledged'), cell(total, 'breached'), cell(total, 'open_now'), cell(total, 'overdue_now')])
      .toEqual(['4', '3', '1', '1', '1']);
    const grand = rows.find((r) => r[0] === 'TOTAL' && r[1] === 'TOTAL')!;
    expect([cell(grand, 'received'), cell(grand, 'assignments'), cell(grand, 'declined'), cell(grand, 'rerouted')]).toEqual(['4', '5', '1', '1']);

    const published = await report('commissioner.merseyside', `${range()}&by=team`, 'text/csv');
    expect(published.status).toBe(200);
    const publishedRows = published.text.trim().split('\r\n').map((line) => line.split(','));
    const cells = publishedRows.slice(1).flatMap((r) => r.slice(2));
    // No count from 1 to 4 is published; the exact file had several.
    expect(cells.some((value) => value === '<5')).toBe(true);
    for (const value of cells) expect(value).not.toMatch(/^[1-4]$/);
  });

  it('holds nothing about any of the people referred, in any format', async () => {
    const outputs = await Promise.all([
      report('coordinator.merseyside', `${range()}&by=team`), report('coordinator.merseyside', `${range()}&by=source&publishable=false`, 'text/csv'),
      report('commissioner.merseyside', `${range()}&by=band`), report('commissioner.merseyside', `${range()}&by=area`, 'text/csv'),
    ]);
    const all = outputs.map((o) => o.text).join('\n');
    for (const body of bodies) for (const value of personalDetails(body)) expect(all).not.toContain(value);
  });
});
