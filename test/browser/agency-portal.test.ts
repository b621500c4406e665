/// <reference lib="dom" />
import * as path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { DESKTOP, SCREENSHOTS, expectAccessible, signInByKeyboard, tabTo, useBrowser } from '../support/browser.js';
import { eventually, LocalCloudClient } from '../support/local-cloud-client.js';
import { aReferral, aStandardReferral } from '../support/referrals.js';

const cloud = inject('localCloud');
const client = new LocalCloudClient(cloud);
const TEAM_EMAIL = {
  mdvs: 'mdvs@merseyside.referrals.example',
  victimCare: 'victim-care@merseyside.referrals.example',
  housing: 'housing-support@merseyside.referrals.example',
};

const browser = useBrowser();

/** Submits a referral and waits until every team it went to has had its email: what a caseworker starts from. */
async function referredAndNotified(body: Record<string, unknown>, teams: string[]): Promise<{ reference: string; links: Record<string, string> }> {
  const response = await client.submit(body);
  expect(response.status).toBe(201);
  const { reference } = await response.json() as { reference: string };
  const links: Record<string, string> = {};
  await eventually(async () => {
    const emails = await client.emailsAbout(reference);
    for (const team of teams) {
      const email = emails.find((e) => e.destination.to.includes(team));
      const link = /https?:\/\/\S+\/portal\/referrals\/SR-[A-Z0-9-]+/.exec(email?.body.text ?? '')?.[0];
      if (link) links[team] = link;
    }
    return teams.every((t) => links[t]);
  }, `the emails about ${reference}`);
  await eventually(async () => (await client.referral(reference))?.status === 'AWAITING_ACK', `${reference} awaiting acknowledgement`);
  return { reference, links };
}

interface Visit {
  readonly context: BrowserContext;
  readonly page: Page;
  readonly documents: { url: string; status: number; headers: Record<string, string> }[];
}

async function open(): Promise<Visit> {
  const context = await browser().newContext({ viewport: DESKTOP });
  const page = await context.newPage();
  const documents: Visit['documents'] = [];
  page.on('response', (response) => {
    if (response.request().resourceType() === 'document') documents.push({ url: response.url(), status: response.status(), headers: response.headers() });
  });
  return { context, page, documents };
}

/** Signs in with the keyboard alone (test/support/browser.ts), checking the sign-in pages with axe when asked. */
async function signIn(visit: Visit, username: string, options: { checkPages?: boolean } = {}) {
  const { page } = visit;
  expect(new URL(page.url()).pathname).toBe('/portal/sign-in');
  await signInByKeyboard(page, { username, password: cloud.password, code: () => client.totpCodeFor(username) },
    options.checkPages ? (name) => expectAccessible(page, name) : undefined);
}

const assignmentOf = async (reference: string, teamId: string) =>
  (await client.itemsOf(reference, `ASSIGNMENT#${teamId}`))[0] as Record<string, unknown> | undefined;

describe('a victim-care caseworker', () => {
  it('follows the email link, signs in with the code, sees only victim-care work and acknowledges the referral', async () => {
    const mine = await referredAndNotified(aStandardReferral(), [TEAM_EMAIL.victimCare]);
    const other = await referredAndNotified(aReferral(), [TEAM_EMAIL.mdvs]);
    const visit = await open();
    const { page } = visit;

    // Signed out, the link from the email goes to sign in, and back to the referral afterwards.
    await page.goto(mine.links[TEAM_EMAIL.victimCare]!);
    await signIn(visit, 'victim-care.caseworker', { checkPages: true });
    expect(new URL(page.url()).pathname).toBe(`/portal/referrals/${mine.reference}`);
    // The session cookie belongs to the host the email's link named: carry on there.
    const site = new URL(page.url()).origin;

    await expect(page.locator('#safe-contact').textContent()).resolves.toMatch(/Never contact them in a way they have not said is safe/);
    await expect(page.locator('#safe-contact').textContent()).resolves.toMatch(/voicemail/);
    await expect(page.locator('main').textContent()).resolves.toMatch(/screening aid, not a clinical risk assessment/);
    await expect(page.locator('#history').textContent()).resolves.toMatch(/victim-care\.caseworker\s*Details viewed/);
    await expectAccessible(page, 'referral page');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'portal-referral.png'), fullPage: true });
    const viewed = (await client.itemsOf(mine.reference, 'EVENT#')).filter((e) => e.type === 'PERSONAL_DETAILS_VIEWED');
    expect(viewed.length).toBeGreaterThanOrEqual(1);

    // The inbox: this team's work only, soonest deadline first, with its counts.
    await page.goto(`${site}/portal/inbox`);
    const inbox = await page.locator("main").textContent();
    expect(inbox).toContain(mine.reference);
    expect(inbox).not.toContain(other.reference);
    expect(Number(await page.locator('#count-new').textContent())).toBeGreaterThanOrEqual(1);
    await expectAccessible(page, 'inbox');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'portal-inbox.png'), fullPage: true });
    await page.selectOption('#status', 'ACKNOWLEDGED');
    await page.click('button:has-text("Show referrals")');
    await expect(page.locator('main').textContent()).resolves.not.toContain(mine.reference);

    // Search and filters by keyboard: part of the reference, the band and today's date find it; labels throughout.
    await page.goto(`${site}/portal/inbox`);
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
    await tabTo(page, '#reference');
    await page.keyboard.type(mine.reference.slice(-4).toLowerCase());
    await tabTo(page, '#band');
    await page.keyboard.press('ArrowDown');
    await expect(page.locator('#band').inputValue()).resolves.toBe('HIGH');
    await page.selectOption('#band', 'STANDARD');
    await page.fill('#receivedFrom', today);
    await page.fill('#receivedTo', today);
    await tabTo(page, 'button.govuk-button--secondary');
    await page.keyboard.press('Enter');
    await page.waitForURL((url) => url.searchParams.get('band') === 'STANDARD');
    expect(new URL(page.url()).searchParams.get('reference')).toBe(mine.reference.slice(-4).toLowerCase());
    await expect(page.locator('#inbox').textContent()).resolves.toContain(mine.reference);
    await expect(page.locator('#inbox caption').textContent()).resolves.toMatch(/matching your search/);
    await expectAccessible(page, 'inbox with a search and filters');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'portal-inbox-filtered.png'), fullPage: true });
    // A search that cannot be read says why, field by field, and is not a server error.
    const unreadable = await page.goto(`${site}/portal/inbox?band=URGENT&receivedFrom=2026-02-30`);
    expect(unreadable?.status()).toBe(400);
    await expect(page.locator('.govuk-error-summary').textContent()).resolves.toMatch(/Choose a band[\s\S]*Received from must be a real date/);
    await expectAccessible(page, 'inbox with search errors');

    // Another team's referral, even by its exact reference, is not there for this user.
    const refused = await page.goto(`${site}/portal/referrals/${other.reference}`);
    expect(refused?.status()).toBe(404);
    expect(await page.locator('main').textContent()).not.toMatch(/safe/i);
    expect((await page.goto(`${site}/portal/referrals/${other.reference}/teams/mdvs/acknowledge`))?.status()).toBe(404);
    await expectAccessible(page, 'not found');

    // Acknowledge: a button to a confirmation page, then a POST, by keyboard.
    await page.goto(`${site}/portal/referrals/${mine.reference}`);
    await tabTo(page, 'a.govuk-button[href$="/teams/victim-care/acknowledge"]');
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/portal/referrals/${mine.reference}/teams/victim-care/acknowledge`);
    await expectAccessible(page, 'acknowledge confirmation');
    expect((await assignmentOf(mine.reference, 'victim-care'))?.status).toBe('NOTIFIED');
    await tabTo(page, 'form[action$="/acknowledge"] button');
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/portal/referrals/${mine.reference}`);
    await expect(page.locator('.govuk-notification-banner--success').textContent()).resolves.toMatch(/acknowledged/);
    await expect(page.locator('.govuk-summary-card').textContent()).resolves.toMatch(/Acknowledged/);
    await expectAccessible(page, 'referral after acknowledging');
    expect(await assignmentOf(mine.reference, 'victim-care')).toMatchObject({ status: 'ACKNOWLEDGED', late: false });
    // The workflow moves on: its only team took it, so the referral is acknowledged.
    await eventually(async () => (await client.referral(mine.reference))?.status === 'ACKNOWLEDGED', 'the referral to settle as ACKNOWLEDGED');

    // Signing out ends the session at once: the same page sends them to sign in again.
    await page.click('button:has-text("Sign out")');
    await expect(page.locator('h1').textContent()).resolves.toMatch(/signed out/);
    await page.goto(`${site}/portal/inbox`);
    expect(new URL(page.url()).pathname).toBe('/portal/sign-in');

    for (const document of visit.documents) {
      expect(document.headers['cache-control'], document.url).toBe('no-store');
      expect(document.headers['content-security-policy'], document.url).toMatch(/script-src 'self' 'nonce-/);
      expect(document.headers['content-security-policy'], document.url).not.toMatch(/unsafe-inline/);
      expect(document.status, document.url).toBeLessThan(500);
    }
    const cookies = await visit.context.cookies();
    const session = cookies.find((c) => c.name === 'portal-session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/portal' });
    await visit.context.close();
  });

  it('cannot acknowledge with a form that lacks its session’s token', async () => {
    const { reference } = await referredAndNotified(aStandardReferral(), [TEAM_EMAIL.victimCare]);
    const visit = await open();
    await visit.page.goto(`${cloud.apiUrl}/portal/referrals/${reference}`);
    await signIn(visit, 'victim-care.caseworker');
    const action = `${cloud.apiUrl}/portal/referrals/${reference}/teams/victim-care/acknowledge`;
    for (const form of [{}, { csrf: 'not-the-token' }, { csrf: '' }] as Record<string, string>[]) {
      const answer = await visit.context.request.post(action, { form, maxRedirects: 0 });
      expect(answer.status()).toBe(403);
    }
    expect((await assignmentOf(reference, 'victim-care'))?.status).toBe('NOTIFIED');
    // Nor does a sign-in form posted without the token of the page it came from go anywhere.
    const stranger = await browser().newContext();
    const signInAnswer = await stranger.request.post(`${cloud.apiUrl}/portal/sign-in`, {
      form: { username: 'victim-care.caseworker', password: cloud.password }, maxRedirects: 0,
    });
    expect(signInAnswer.status()).toBe(400);
    await stranger.close();
    await visit.context.close();
  });
});

describe('an mdvs caseworker', () => {
  it('sees what the form now asks on the referral page: the helper, the person responsible and the victim\u2019s needs', async () => {
    const body = aReferral();
    const victim = body.victim as Record<string, unknown>;
    Object.assign(body, {
      helper: { relationship: 'Next-door neighbour' },
      personResponsible: { name: 'Dafydd Prydderch', description: 'Drives a green van, has a tattoo on his left hand', livesNearby: 'yes' },
      needs: { language: 'Welsh', interpreter: true, accessNeeds: 'Hard of hearing: texts rather than calls', childrenInHousehold: true },
    });
    victim.dateOfBirth = '1987-06-14';
    const { reference, links } = await referredAndNotified(body, [TEAM_EMAIL.mdvs]);
    const visit = await open();
    const { page } = visit;
    await page.goto(links[TEAM_EMAIL.mdvs]!);
    await signIn(visit, 'mdvs.caseworker');
    expect(new URL(page.url()).pathname).toBe(`/portal/referrals/${reference}`);
    const shown = (await page.locator('main').innerText()).replace(/\s+/g, ' ');
    for (const text of [
      'Self-referral, filled in by someone helping them', 'Next-door neighbour', '14 June 1987',
      'Dafydd Prydderch', 'Drives a green van, has a tattoo on his left hand', 'Lives nearby Yes',
      'Preferred language Welsh', 'Needs an interpreter Yes', 'Hard of hearing: texts rather than calls', 'Children in the household Yes',
    ]) expect(shown, text).toContain(text);
    await expectAccessible(page, 'referral page with the new answers');
    await visit.context.close();
  });

  it('declines a referral with a reason, and the fallback team gets its email', async () => {
    const { reference, links } = await referredAndNotified(aReferral(), [TEAM_EMAIL.mdvs]);
    const visit = await open();
    const { page } = visit;
    await page.goto(links[TEAM_EMAIL.mdvs]!);
    await signIn(visit, 'mdvs.caseworker');
    await page.click('a.govuk-button:has-text("Decline")');
    await page.waitForURL(`**/portal/referrals/${reference}/teams/mdvs/decline`);
    await expectAccessible(page, 'decline confirmation');

    // No reason: the error summary links to the field, and nothing changes.
    await page.click('button:has-text("Decline referral")');
    await expect(page.locator('.govuk-error-summary').textContent()).resolves.toMatch(/Say why/);
    await expect(page.locator('.govuk-error-summary a').getAttribute('href')).resolves.toBe('#reason');
    await expectAccessible(page, 'decline with an error');
    expect((await assignmentOf(reference, 'mdvs'))?.status).toBe('NOTIFIED');

    await page.fill('#reason', 'No capacity this week: two caseworkers off sick.');
    await page.click('button:has-text("Decline referral")');
    await page.waitForURL('**/portal/inbox');
    await expect(page.locator('.govuk-notification-banner--success').textContent()).resolves.toMatch(/declined/);
    expect(await assignmentOf(reference, 'mdvs')).toMatchObject({ status: 'DECLINED', declineReason: 'No capacity this week: two caseworkers off sick.' });
    await eventually(async () => (await client.emailsAbout(reference)).some((e) => e.destination.to.includes(TEAM_EMAIL.victimCare)),
      'the fallback team’s email');
    await visit.context.close();
  });
});

describe('a commissioner', () => {
  it('lands on the reports, and the navigation offers nothing else', async () => {
    const visit = await open();
    const { page } = visit;
    await page.goto(`${cloud.apiUrl}/portal/sign-in`);
    await signIn(visit, 'commissioner.merseyside');
    expect(new URL(page.url()).pathname).toBe('/portal/reports');
    const links = await page.locator('.govuk-service-navigation__list .govuk-service-navigation__link').allTextContents();
    expect(links.map((l) => l.trim())).toEqual(['Reports']);
    await visit.context.close();
  });
});

describe('a coordinator', () => {
  it('lands on all teams, opens an out-of-area referral from its queue and closes it as signposted elsewhere', async () => {
    const response = await client.submit(aReferral((body) => {
      body.victim.postcode = 'SW1A 1AA';
      body.riskAnswers.threatsToKill = 'yes';
      body.immediateDanger = true;
    }));
    const { reference } = await response.json() as { reference: string };
    await eventually(async () => (await client.referral(reference))?.status === 'OUT_OF_AREA', `${reference} to be out of area`);

    const visit = await open();
    const { page } = visit;
    await page.goto(`${cloud.apiUrl}/portal/sign-in`);
    await signIn(visit, 'coordinator.merseyside');
    // A coordinator in no team starts at all teams; the navigation offers no team inbox.
    expect(new URL(page.url()).pathname).toBe('/portal/coordinator');
    await expect(page.locator('.govuk-service-navigation').textContent()).resolves.not.toMatch(/Team inbox/);
    const queued = page.locator(`#out-of-area-merseyside tr:has-text("${reference}")`);
    await expect(queued.textContent()).resolves.toMatch(/High[\s\S]*In danger now/);
    await expectAccessible(page, 'coordinator view with an out-of-area referral');

    await queued.locator('a').click();
    await page.waitForURL(`**/portal/referrals/${reference}`);
    await expect(page.locator('#out-of-area').textContent()).resolves.toMatch(/outside every area we serve/);
    await expectAccessible(page, 'out-of-area referral');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'portal-out-of-area-referral.png'), fullPage: true });
    await page.click('a:has-text("Signpost elsewhere")');
    await page.waitForURL(`**/portal/referrals/${reference}/signpost`);
    await expectAccessible(page, 'signpost');
    await page.click('button:has-text("Yes, close it as signposted")');
    await expect(page.locator('.govuk-error-summary').textContent()).resolves.toMatch(/Say why/);
    await expectAccessible(page, 'signpost with errors');
    await page.fill('#reason', 'Lives in Westminster: given the London service and the National Stalking Helpline.');
    await page.click('button:has-text("Yes, close it as signposted")');
    await page.waitForURL(`**/portal/referrals/${reference}`);
    await expect(page.locator('.govuk-notification-banner--success').textContent()).resolves.toMatch(/signposted elsewhere/);
    await expect(page.locator('#closure').textContent()).resolves.toMatch(/Westminster/);
    await expectAccessible(page, 'signposted referral');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'portal-signposted.png'), fullPage: true });
    expect((await client.referral(reference))?.status).toBe('CLOSED');
    await visit.context.close();
  });

  it('sees every team’s open work and re-assigns a referral to another team, which starts its deadline', async () => {
    const { reference } = await referredAndNotified(aStandardReferral(), [TEAM_EMAIL.victimCare]);
    const visit = await open();
    const { page } = visit;
    await page.goto(`${cloud.apiUrl}/portal/coordinator`);
    await signIn(visit, 'coordinator.merseyside');
    expect(new URL(page.url()).pathname).toBe('/portal/coordinator');
    await expect(page.locator('#open-merseyside').textContent()).resolves.toContain(reference);
    await expect(page.locator('main').textContent()).resolves.not.toMatch(/Halton/);
    await expectAccessible(page, 'coordinator view');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'portal-coordinator.png'), fullPage: true });

    await page.click(`#open-merseyside a:has-text("${reference}")`);
    await page.click('a:has-text("Re-assign this referral")');
    await page.waitForURL(`**/portal/referrals/${reference}/reassign`);
    await expectAccessible(page, 're-assign');
    await page.click('button:has-text("Re-assign referral")');
    await expect(page.locator('.govuk-error-summary').textContent()).resolves.toMatch(/Choose the team/);
    await expectAccessible(page, 're-assign with errors');

    const before = Date.now();
    await page.check('input[name="toTeamId"][value="housing-support"]');
    await page.check('input[name="fromTeamId"][value="victim-care"]');
    await page.fill('#reason', 'Mainly a housing matter: the tenancy needs changing urgently.');
    await page.click('button:has-text("Re-assign referral")');
    await page.waitForURL(`**/portal/referrals/${reference}`);
    await expect(page.locator('.govuk-notification-banner--success').textContent()).resolves.toMatch(/re-assigned to Housing/i);
    await expect(page.locator('#history').textContent()).resolves.toMatch(/Re-assigned by a coordinator/);

    expect((await assignmentOf(reference, 'victim-care'))?.status).toBe('REASSIGNED');
    const housing = await eventually(async () => {
      const a = await assignmentOf(reference, 'housing-support');
      return a?.status === 'NOTIFIED' ? a : undefined;
    }, 'the housing team to be notified');
    expect(Date.parse(String(housing.assignedAt))).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(String(housing.deadlineAt))).toBeGreaterThan(Date.parse(String(housing.assignedAt)));
    await eventually(async () => (await client.emailsAbout(reference)).some((e) => e.destination.to.includes(TEAM_EMAIL.housing)),
      'the housing team’s email');
    await visit.context.close();
  });
});
