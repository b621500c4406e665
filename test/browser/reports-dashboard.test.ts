/// <reference lib="dom" />
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { factIdFor, type ThroughputFact } from '../../functions/domain/throughput.js';
import { DESKTOP, expectAccessible, SCREENSHOTS, tabTo, useBrowser } from '../support/browser.js';
import { LocalCloudClient } from '../support/local-cloud-client.js';

const cloud = inject('localCloud');
const client = new LocalCloudClient(cloud);

const browser = useBrowser();

type Band = 'HIGH' | 'MEDIUM' | 'STANDARD';

/**
 * Known figures in 2020, long before any other test's referrals: per team, how many referrals each month
 * (January to March), how many of them were acknowledged late, and how long acknowledging took. Each is
 * then reached (twice as long after submission as acknowledging took) and ends supported, but every
 * fourth, whom the team could not reach. References are fixed, so a second run counts nothing twice.
 */
const PLAN: { areaId: string; teamId: string; band: Band; perMonth: number[]; latePerMonth: number[]; seconds: number }[] = [
  { areaId: 'merseyside', teamId: 'mdvs', band: 'HIGH', perMonth: [12, 15, 3], latePerMonth: [0, 5, 0], seconds: 1800 },
  { areaId: 'merseyside', teamId: 'victim-care', band: 'STANDARD', perMonth: [20, 25, 30], latePerMonth: [0, 0, 0], seconds: 3 * 3600 },
  { areaId: 'merseyside', teamId: 'housing-support', band: 'MEDIUM', perMonth: [6, 0, 7], latePerMonth: [0, 0, 0], seconds: 5 * 3600 },
  // Another area's figures, which a Merseyside commissioner must never see.
  { areaId: 'halton', teamId: 'halton-stalking', band: 'HIGH', perMonth: [9, 0, 0], latePerMonth: [0, 0, 0], seconds: 600 },
];

function seedFacts(): { fact: ThroughputFact; reference: string }[] {
  return PLAN.flatMap(({ areaId, teamId, band, perMonth, latePerMonth, seconds }) => perMonth.flatMap((count, month) =>
    Array.from({ length: count }, (_, i) => {
      const reference = `SR-2020-${teamId.toUpperCase()}-${month + 1}-${i}`;
      const at = new Date(Date.UTC(2020, month, (i % 28) + 1, 10));
      const base = { at, band, source: i % 3 === 0 ? 'self' : 'police', areaId } as const;
      const facts: ThroughputFact[] = [
        { ...base, kind: 'RECEIVED', factId: factIdFor('RECEIVED', reference) },
        { ...base, kind: 'ASSIGNED', teamId, factId: factIdFor('ASSIGNED', reference, teamId) },
        {
          ...base, kind: 'ACKNOWLEDGED', teamId, factId: factIdFor('ACKNOWLEDGED', reference, teamId),
          at: new Date(at.getTime() + (seconds + i * 60) * 1000), withinDeadline: i >= latePerMonth[month]!, secondsToAcknowledge: seconds + i * 60,
        },
        {
          ...base, kind: 'CONTACTED', teamId, factId: factIdFor('CONTACTED', reference, teamId),
          at: new Date(at.getTime() + 2 * seconds * 1000), secondsToFirstContact: 2 * seconds,
        },
        {
          ...base, kind: 'OUTCOME', teamId, factId: factIdFor('OUTCOME', reference, teamId),
          at: new Date(at.getTime() + 3 * seconds * 1000), outcome: i % 4 === 3 ? 'unable-to-contact' : 'support-accepted',
        },
      ];
      return facts.map((fact) => ({ fact, reference }));
    }).flat()));
}

beforeAll(async () => {
  // The adapter reads its table and endpoint when it loads, as a Lambda does at cold start.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: cloud.dynamodbUrl, TABLE_NAME: cloud.tableName,
    AWS_REGION: 'eu-west-2', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local',
  });
  const store = await import('../../functions/adapters/throughput-store.js');
  // Folded as the stream consumer folds its batches: the dashboard reads the totals at once.
  const folded = await store.foldFacts(seedFacts().map(({ fact, reference }) => ({ fact, reference, recordedAt: new Date().toISOString() })));
  if (folded.failed.length > 0) throw new Error(`${folded.failed.length} facts were not folded`);
}, 300_000);

async function open(): Promise<{ context: BrowserContext; page: Page; cspViolations: string[] }> {
  const context = await browser().newContext({ viewport: DESKTOP, acceptDownloads: true });
  const page = await context.newPage();
  const cspViolations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  return { context, page, cspViolations };
}

/** Username, password, then the code the authenticator app would show; lands on the page asked for. */
async function signIn(page: Page, username: string) {
  await page.waitForURL('**/portal/sign-in');
  await page.fill('#username', username);
  await page.fill('#password', cloud.password);
  await page.click('button:has-text("Continue")');
  await page.waitForURL('**/portal/sign-in/code');
  // A code computed in the last seconds of its 30-second step may be stale when it arrives: wait them out.
  if (Date.now() % 30_000 > 27_000) await page.waitForTimeout(30_000 - (Date.now() % 30_000) + 200);
  await page.fill('#code', client.totpCodeFor(username));
  await page.click('button:has-text("Sign in")');
  await page.waitForURL((url) => !url.pathname.startsWith('/portal/sign-in'));
}

/** A table's cells as text, row by row, header row first. */
const tableText = (page: Page, selector: string) => page.$$eval(`${selector} tr`, (rows) =>
  rows.map((row) => Array.from(row.querySelectorAll('th, td')).map((cell) => (cell.textContent ?? '').trim())));

const TEAMS = ['Housing Support Merseyside', 'Merseyside Domestic Violence and Stalking Service', 'Victim Care Merseyside'];

describe('the commissioner dashboard', () => {
  it('shows a Merseyside commissioner publishable figures for 2020, as charts each with a table, and a publishable CSV', async () => {
    const { context, page, cspViolations } = await open();
    await page.goto(`${cloud.apiUrl}/portal/reports`);
    await signIn(page, 'commissioner.merseyside');
    expect(new URL(page.url()).pathname).toBe('/portal/reports');
    await expect(page.locator('.govuk-service-navigation__item--active').textContent()).resolves.toMatch(/Reports/);

    // The controls: a GET form, so the address holds only dates and choices.
    for (const [id, value] of [['from-day', '1'], ['from-month', '1'], ['from-year', '2020'], ['to-day', '31'], ['to-month', '3'], ['to-year', '2020']]) {
      await page.fill(`#${id}`, value!);
    }
    await page.check('#groupBy-2'); // month
    await page.check('#by'); // team
    await page.click('button:has-text("Show figures")');
    await page.waitForURL('**/portal/reports?**');
    const query = new URL(page.url()).searchParams;
    expect([...query.keys()].sort()).toEqual(['by', 'from-day', 'from-month', 'from-year', 'groupBy', 'to-day', 'to-month', 'to-year']);
    await expect(page.locator('#report-scope').textContent()).resolves.toBe('Merseyside: 1 January 2020 to 31 March 2020, by month.');

    // Publishable: the 3 March MDVS referrals show as <5, and enough else is hidden ([c]) that they cannot be worked out.
    await expect(page.locator('#chart-counts-heading').textContent()).resolves.toBe('Referrals assigned to each team');
    expect(await tableText(page, '#chart-counts-table')).toEqual([
      ['Period', ...TEAMS, 'All'],
      ['January 2020', '[c]', '[c]', '20', '38'],
      ['February 2020', '0', '15', '25', '40'],
      ['March 2020', '[c]', '<5', '30', '40'],
      ['Total', '13', '30', '75', '118'],
    ]);
    expect(await tableText(page, '#chart-within-deadline-table')).toEqual([
      ['Team', 'Acknowledged', 'Within deadline', 'Within deadline (%)'],
      [TEAMS[0], '13', '13', '100%'],
      [TEAMS[1], '30', '25', '83.3%'],
      [TEAMS[2], '75', '75', '100%'],
      ['All teams', '118', '113', '95.8%'],
    ]);
    const times = await tableText(page, '#chart-time-to-acknowledge-table');
    expect(times[0]).toEqual(['Team', 'Acknowledged', 'Median (minutes)', '90th percentile (minutes)']);
    expect(times[2]?.slice(0, 2)).toEqual([TEAMS[1], '30']);
    // Time from submission to first contact, and how each team's part ended: by team, as chosen.
    expect(await tableText(page, '#chart-time-to-first-contact-table')).toEqual([
      ['Team', 'Contacted', 'Median (minutes)', '90th percentile (minutes)'],
      [TEAMS[0], '13', '603', '604'],
      [TEAMS[1], '30', '62', '64'],
      [TEAMS[2], '75', '363', '365'],
      ['All teams', '118', '362', '601'],
    ]);
    expect(await tableText(page, '#chart-outcomes-table')).toEqual([
      ['Team', 'Support accepted', 'Support declined', 'Unable to contact', 'Referred elsewhere', 'Not appropriate'],
      // Housing Support's 2 unable to contact is <5; MDVS's 6 is hidden too, or 26 − 18 − 6 would give it back.
      [TEAMS[0], '11', '0', '<5', '0', '0'],
      [TEAMS[1], '24', '0', '[c]', '0', '0'],
      [TEAMS[2], '57', '0', '18', '0', '0'],
      ['All teams', '92', '0', '26', '0', '0'],
    ]);
    await expect(page.locator('#headline-received').textContent()).resolves.toBe('118');
    await expect(page.locator('#headline-within-deadline').textContent()).resolves.toBe('95.8%');
    await expect(page.locator('#headline-first-contact').textContent()).resolves.toBe('6 hours 2 minutes');
    // Referrals are received by an area, not a team: a dash in each team's column, not a 0 that reads as "none".
    const breakdown = await tableText(page, '#breakdown-table');
    expect(breakdown[0]).toEqual(['Figure', ...TEAMS, 'Referrals received (not per team)', 'Total']);
    expect(breakdown.find((row) => row[0] === 'Referrals received')).toEqual(['Referrals received', '–', '–', '–', '118', '118']);
    // And the referrals-received column does no team's work.
    expect(breakdown.find((row) => row[0] === 'Contacted: the team spoke to the person')).toEqual(['Contacted: the team spoke to the person', '13', '30', '75', '–', '118']);
    // Another area's figures are nowhere on the page.
    expect(await page.locator('main').textContent()).not.toMatch(/Halton/);

    // Every chart is an image with a name and a description, followed by its figures as a table; hidden figures are explained.
    const charts = await page.$$eval('main section', (sections) => sections.map((section) => {
      const svg = section.querySelector('svg[role="img"]');
      const named = (svg?.getAttribute('aria-labelledby') ?? '').split(' ').map((id) => document.getElementById(id)?.textContent ?? '');
      return { named, table: section.querySelector('details table') !== null, note: section.querySelector('p.govuk-body-s')?.textContent ?? '' };
    }));
    expect(charts).toHaveLength(5);
    for (const chart of charts) {
      expect(chart.table).toBe(true);
      expect(chart.named).toHaveLength(2);
      expect(chart.named.every((text) => text.length > 0)).toBe(true);
    }
    expect(charts[0]?.named[1]).toMatch(/In total: Housing Support Merseyside: 13; Merseyside Domestic Violence and Stalking Service: 30; Victim Care Merseyside: 75/);
    expect(charts[0]?.note).toMatch(/not shown: fewer than 5/);
    // Suppressed figures are never drawn as numbers.
    const chartTexts = await page.$$eval('main svg text', (texts) => texts.map((t) => t.textContent));
    expect(chartTexts).not.toContain('<5');
    expect(chartTexts).not.toContain('[c]');
    expect(chartTexts).not.toContain('3');
    expect(await page.locator('main [style]').count()).toBe(0);

    await expectAccessible(page, 'reports dashboard');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'reports-dashboard.png'), fullPage: true });

    // The download: an attachment of the same figures, publishable.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-csv')]);
    expect(download.suggestedFilename()).toBe('referral-figures-merseyside-2020-01-01-to-2020-03-31-by-month-and-team.csv');
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv.split('\r\n')[0]).toBe('period,team,received,assignments,acknowledged,acknowledged_within_deadline,within_deadline_percent,median_minutes_to_acknowledge,p90_minutes_to_acknowledge,declined,rerouted,breached,'
      + 'contacted,median_minutes_to_first_contact,p90_minutes_to_first_contact,outcome_support_accepted,outcome_support_declined,outcome_unable_to_contact,outcome_referred_elsewhere,outcome_not_appropriate');
    expect(csv).toContain('\r\n2020-03,mdvs,[z],<5,<5,<5,[c],[c],[c],0,0,0,<5,[c],[c],');
    expect(csv).toContain('\r\n2020-01,mdvs,[z],[c],');
    expect(csv).toContain('\r\nTOTAL,TOTAL,118,118,118,113,95.8,');
    expect(csv).not.toMatch(/halton/);
    const answer = await context.request.get(`${cloud.apiUrl}${await page.locator('#download-csv').getAttribute('href')}`);
    expect(answer.status()).toBe(200);
    expect(answer.headers()['content-type']).toBe('text/csv; charset=utf-8');
    expect(answer.headers()['content-disposition']).toMatch(/^attachment; filename="referral-figures-merseyside-[0-9a-z-]+\.csv"$/);
    expect(answer.headers()['cache-control']).toBe('no-store');

    expect(cspViolations).toEqual([]);
    await context.close();
  });

  it('draws every chart by the breakdown chosen, and offers this year to date', async () => {
    const { context, page, cspViolations } = await open();
    await page.goto(`${cloud.apiUrl}/portal/reports`);
    await signIn(page, 'commissioner.merseyside');
    // The default range runs to today (or tomorrow, should midnight in London fall while the page loads).
    const londonToday = () => new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', day: 'numeric', month: 'long', year: 'numeric' }).format(new Date());
    const today = londonToday();
    await expect(page.locator('#report-scope').textContent()).resolves.toMatch(new RegExp(`to (${today}|${londonToday()}), by month\\.$`));

    await page.goto(`${cloud.apiUrl}/portal/reports?from=2020-01-01&to=2020-03-31&groupBy=month&by=team`);
    await page.check('#by-2'); // risk band
    await page.click('button:has-text("Show figures")');
    await page.waitForURL('**/portal/reports?**by=band**');
    await expect(page.locator('#chart-counts-heading').textContent()).resolves.toBe('Referrals received, by risk band');
    expect(await tableText(page, '#chart-counts-table')).toEqual([
      ['Period', 'Standard', 'Medium', 'High', 'All'],
      ['January 2020', '20', '[c]', '[c]', '38'],
      ['February 2020', '25', '0', '15', '40'],
      ['March 2020', '30', '[c]', '<5', '40'],
      ['Total', '75', '13', '30', '118'],
    ]);
    // Not one chart is by team any more: each has a line per band and one for all bands.
    for (const id of ['within-deadline', 'time-to-acknowledge', 'time-to-first-contact', 'outcomes']) {
      const rows = await tableText(page, `#chart-${id}-table`);
      expect(rows.map((row) => row[0]), id).toEqual(['Risk band', 'Standard', 'Medium', 'High', 'All bands']);
    }
    expect(await tableText(page, '#chart-time-to-first-contact-table')).toContainEqual(['High', '30', '62', '64']);
    const svgText = await page.$$eval('#chart-outcomes-section svg text', (texts) => texts.map((t) => t.textContent));
    expect(svgText).toContain('All bands');
    expect(svgText).not.toContain(TEAMS[0]);
    // Every band receives referrals: no dashes for "not applicable" here.
    const breakdown = await tableText(page, '#breakdown-table');
    expect(breakdown.find((row) => row[0] === 'Referrals received')).toEqual(['Referrals received', '75', '13', '30', '118']);
    await expectAccessible(page, 'reports dashboard by band');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'reports-dashboard-by-band.png'), fullPage: true });

    // This year to date: from 1 January to today, the breakdown kept.
    await page.click('#range-year-to-date');
    await page.waitForURL('**/portal/reports?**');
    const query = new URL(page.url()).searchParams;
    expect(query.get('by')).toBe('band');
    expect(query.get('from')).toMatch(/^\d{4}-01-01$/);
    await expect(page.locator('#report-scope').textContent()).resolves.toMatch(new RegExp(`^Merseyside: 1 January \\d{4} to (${today}|${londonToday()}), by month\\.$`));
    expect(cspViolations).toEqual([]);
    await context.close();
  });

  it('explains a wrong date with an error summary that links to the field, and shows no figures', async () => {
    const { context, page } = await open();
    await page.goto(`${cloud.apiUrl}/portal/reports`);
    await signIn(page, 'commissioner.merseyside');
    const answer = await page.goto(`${cloud.apiUrl}/portal/reports?from-day=31&from-month=2&from-year=2020&to-day=31&to-month=3&to-year=2020&groupBy=month&by=team`);
    expect(answer?.status()).toBe(400);
    await expect(page.title()).resolves.toMatch(/^Error: /);
    await expect(page.locator('.govuk-error-summary').textContent()).resolves.toMatch(/The start date must be a real date/);
    await expect(page.locator('.govuk-error-summary a').getAttribute('href')).resolves.toBe('#from-day');
    await expect(page.locator('#from-day').getAttribute('class')).resolves.toMatch(/govuk-input--error/);
    expect(await page.locator('main svg').count()).toBe(0);
    await expectAccessible(page, 'reports dashboard with an error');
    // The summary's link takes the keyboard to the field.
    await tabTo(page, '.govuk-error-summary a');
    await page.keyboard.press('Enter');
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('from-day');
    await context.close();
  });

  it('refuses a caseworker', async () => {
    const { context, page } = await open();
    await page.goto(`${cloud.apiUrl}/portal/reports`);
    await signIn(page, 'victim-care.caseworker');
    const answer = await page.goto(`${cloud.apiUrl}/portal/reports?from=2020-01-01&to=2020-03-31`);
    expect(answer?.status()).toBe(403);
    await expect(page.locator('h1').textContent()).resolves.toMatch(/Only for commissioners and coordinators/);
    expect(await page.locator('main').textContent()).not.toMatch(/118|Victim Care Merseyside/);
    expect((await context.request.get(`${cloud.apiUrl}/portal/reports/download.csv?from=2020-01-01&to=2020-03-31`)).status()).toBe(403);
    await expectAccessible(page, 'reports refused');
    await context.close();
  });
});
