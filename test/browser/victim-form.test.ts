/// <reference lib="dom" />
import * as path from 'node:path';
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { ACTION_CEILING_MS, DESKTOP, expectAccessible, SCREENSHOTS, tabTo, useBrowser } from '../support/browser.js';
import { eventually, LocalCloudClient } from '../support/local-cloud-client.js';
import { formAnswers } from '../support/form-visitor.js';

const cloud = inject('localCloud');
const client = new LocalCloudClient(cloud);
const PHONE = { width: 390, height: 844 };
const MDVS = 'mdvs@merseyside.referrals.example';
const HOUSING = 'housing-support@merseyside.referrals.example';

const browser = useBrowser();

const tag = () => Math.random().toString(36).slice(2, 10).replace(/[0-9]/g, 'q');

/** One person's answers: distinct enough to be searched for anywhere they might leak. */
function aVictim() {
  const t = tag();
  return {
    firstName: `Morwenna${t}`,
    lastName: `Trevithick${tag()}`,
    postcode: 'L1 8JQ',
    phone: '07700 900123',
    email: `m.${t}@example.org`,
    safeTimes: `Weekday mornings ${t}`,
    description: `He waits outside the ${t} bakery where I work and follows me to the bus.`,
    crimeReference: `CR${t.toUpperCase()}`,
    officer: `PC Ollerenshaw ${t}`,
    helperRelationship: `Cousin ${t}`,
    personName: `Gethin${tag()}`,
    personDescription: `Tall, drives a green van ${t}`,
    language: `Cornish ${t}`,
    accessNeeds: `Large print letters ${t}`,
  };
}
type Victim = ReturnType<typeof aVictim>;

interface Visit {
  readonly context: BrowserContext;
  readonly page: Page;
  readonly urls: string[];
  readonly documents: { url: string; headers: Record<string, string> }[];
  readonly keyboard: boolean;
  readonly axe: boolean;
}

async function open(options: { viewport: { width: number; height: number }; javaScript: boolean; keyboard?: boolean }): Promise<Visit> {
  const context = await browser().newContext({ viewport: options.viewport, javaScriptEnabled: options.javaScript, isMobile: options.viewport === PHONE && options.javaScript });
  const page = await context.newPage();
  const urls: string[] = [];
  const documents: Visit['documents'] = [];
  page.on('request', (request) => { urls.push(request.url()); });
  page.on('response', (response) => {
    if (response.request().resourceType() === 'document') documents.push({ url: response.url(), headers: response.headers() });
  });
  return { context, page, urls, documents, keyboard: options.keyboard ?? false, axe: options.javaScript };
}

async function checkAccessible(visit: Visit, what: string) {
  if (visit.axe) await expectAccessible(visit.page, what);
}

async function everyPageChecks(visit: Visit, what: string) {
  await expect(visit.page.locator('.govuk-exit-this-page').count(), `Exit this page on ${what}`).resolves.toBe(1);
  expect(await visit.page.locator('.govuk-warning-text').first().textContent(), `999 notice on ${what}`).toMatch(/call 999/);
  await checkAccessible(visit, what);
}


async function fillText(visit: Visit, name: string, value: string) {
  const selector = `[name="${name}"]`;
  if (visit.keyboard) {
    await tabTo(visit.page, selector);
    await visit.page.keyboard.press('Control+A');
    await visit.page.keyboard.type(value);
  } else {
    await visit.page.fill(selector, value);
  }
}

async function choose(visit: Visit, name: string, value: string) {
  const selector = `[name="${name}"][value="${value}"]`;
  if (visit.keyboard) {
    // Tab lands on a radio group once; arrow keys then move through it and select.
    const values = await visit.page.$$eval(`[name="${name}"]`, (els) => els.map((e) => (e as HTMLInputElement).value));
    await tabTo(visit.page, `[name="${name}"]`);
    const current = await visit.page.evaluate(() => (document.activeElement as HTMLInputElement).value);
    let steps = values.indexOf(value) - values.indexOf(current);
    if (steps === 0) await visit.page.keyboard.press('Space');
    while (steps > 0) { await visit.page.keyboard.press('ArrowDown'); steps--; }
    while (steps < 0) { await visit.page.keyboard.press('ArrowUp'); steps++; }
    expect(await visit.page.isChecked(selector)).toBe(true);
  } else {
    await visit.page.check(selector);
  }
}

async function tick(visit: Visit, name: string, value: string) {
  const selector = `[name="${name}"][value="${value}"]`;
  if (visit.keyboard) {
    await tabTo(visit.page, selector);
    await visit.page.keyboard.press('Space');
  } else {
    await visit.page.check(selector);
  }
}

async function continueOn(visit: Visit, text = 'Continue') {
  if (visit.keyboard) {
    const notExit = ':not(.govuk-exit-this-page__button)';
    await tabTo(visit.page, `button.govuk-button${notExit}, a.govuk-button${notExit}`);
    await Promise.all([visit.page.waitForNavigation(), visit.page.keyboard.press('Enter')]);
  } else {
    await Promise.all([visit.page.waitForNavigation(), visit.page.getByRole('button', { name: text }).or(visit.page.getByRole('link', { name: text })).first().click()]);
  }
}

async function heading(page: Page) {
  return (await page.locator('h1, legend h1, label h1').first().textContent())?.trim();
}

async function fillDate(visit: Visit, name: string, date: [string, string, string]) {
  await fillText(visit, `${name}-day`, date[0]);
  await fillText(visit, `${name}-month`, date[1]);
  await fillText(visit, `${name}-year`, date[2]);
}

/** The whole form, start to confirmation, checking every page on the way. Returns the reference. */
async function completeForm(visit: Visit, victim: Victim, screenshots = false): Promise<string> {
  const { page } = visit;
  const shot = async (name: string) => { if (screenshots) await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true }); };
  await page.goto(`${cloud.apiUrl}/refer`);
  await everyPageChecks(visit, 'start');
  await shot('01-start');
  await continueOn(visit, 'Start now');

  expect(await heading(page)).toBe('Are you in danger right now?');
  await everyPageChecks(visit, 'danger');
  await shot('02-question');
  await choose(visit, 'immediateDanger', 'yes');
  await continueOn(visit);
  expect(await heading(page)).toBe('Call 999 now if you can');
  await expect(page.getByText('press 55').first().isVisible()).resolves.toBe(true);
  await everyPageChecks(visit, 'emergency');
  await continueOn(visit, 'Carry on with the form');

  const steps: [string, () => Promise<void>][] = [
    ['consent', () => choose(visit, 'consent.shareWithServices', 'yes')],
    ['helper', () => choose(visit, 'form.forSomeoneElse', 'yes')],
    ['helper-relationship', () => fillText(visit, 'helper.relationship', victim.helperRelationship)],
    ['name', async () => { await fillText(visit, 'victim.firstName', victim.firstName); await fillText(visit, 'victim.lastName', victim.lastName); }],
    ['date-of-birth', () => fillDate(visit, 'victim.dateOfBirth', ['14', '6', '1987'])],
    ['postcode', () => fillText(visit, 'victim.postcode', victim.postcode)],
    ['contact', async () => {
      await tick(visit, 'victim.safeContact.methods', 'phone');
      await tick(visit, 'victim.safeContact.methods', 'email');
      await fillText(visit, 'victim.phone', victim.phone);
      await fillText(visit, 'victim.email', victim.email);
    }],
    ['contact-times', async () => { await fillText(visit, 'victim.safeContact.safeTimes', victim.safeTimes); await choose(visit, 'victim.safeContact.voicemailOk', 'no'); }],
    ['updates', () => choose(visit, 'updates.byEmail', 'yes')],
    ['relationship', () => choose(visit, 'incident.relationship', 'ex-partner')],
    ['person', async () => {
      await fillText(visit, 'personResponsible.name', victim.personName);
      await fillText(visit, 'personResponsible.description', victim.personDescription);
      await choose(visit, 'personResponsible.livesNearby', 'unsure');
    }],
    ['behaviours', async () => { await tick(visit, 'incident.behaviours', 'following'); await tick(visit, 'incident.behaviours', 'messages'); }],
    ['frequency', () => choose(visit, 'incident.frequency', 'daily')],
    ['times-count', () => fillText(visit, 'incident.timesCount', '40')],
    ['first-date', () => fillDate(visit, 'incident.firstDate', ['3', '2', '2025'])],
    ['latest-date', () => fillDate(visit, 'incident.latestDate', ['1', '10', '2025'])],
    ['description', () => fillText(visit, 'incident.description', victim.description)],
    ['police', async () => {
      await choose(visit, 'incident.reportedToPolice', 'yes');
      await fillText(visit, 'incident.crimeReference', victim.crimeReference);
      await fillText(visit, 'incident.officer', victim.officer);
    }],
    ['risk-threats', async () => { for (const id of ['veryFrightened', 'threatsToKill', 'threatsOfViolence']) await choose(visit, `riskAnswers.${id}`, id === 'threatsToKill' ? 'yes' : 'unsure'); }],
    ['risk-violence', async () => { for (const id of ['violenceUsed', 'pastViolence', 'propertyDamage', 'weaponsAccess']) await choose(visit, `riskAnswers.${id}`, 'no'); }],
    ['risk-contact', async () => { for (const id of ['turnsUp', 'frequentContact', 'contactsOthers', 'enlistsOthers']) await choose(visit, `riskAnswers.${id}`, 'yes'); }],
    ['risk-person', async () => { for (const id of ['substanceMisuse', 'escalating', 'selfHarmThreats']) await choose(visit, `riskAnswers.${id}`, 'no'); }],
    ['housing', () => choose(visit, 'housing.tenure', 'social-rent')],
    // No housing need but damage at home: housing support joins on that answer alone (SPEC §4).
    ['home-safety', async () => {
      await choose(visit, 'housing.unsafeAtHome', 'no');
      await choose(visit, 'housing.personKnowsAddress', 'yes');
      await choose(visit, 'housing.propertyDamagedAtHome', 'yes');
      await choose(visit, 'housing.needsSupport', 'no');
    }],
    ['language', async () => { await fillText(visit, 'needs.language', victim.language); await choose(visit, 'needs.interpreter', 'yes'); }],
    ['access-needs', () => fillText(visit, 'needs.accessNeeds', victim.accessNeeds)],
    ['children', () => choose(visit, 'needs.childrenInHousehold', 'yes')],
  ];
  for (const [id, answer] of steps) {
    expect(new URL(page.url()).pathname).toBe(`/refer/${id}`);
    await everyPageChecks(visit, id);
    await answer();
    // Answered, so a revealed question shows open (with JavaScript) as the person sees it.
    if (NEW_PAGES.includes(id)) await shot(`03-${id}`);
    await continueOn(visit);
  }
  expect(await heading(page)).toBe('Check your answers');
  await expect(page.getByText(victim.firstName).isVisible()).resolves.toBe(true);
  await everyPageChecks(visit, 'check your answers');
  await shot('04-check-your-answers');
  const check = await page.content();
  expect(check, 'nothing listed that was not answered').not.toContain('Not given');
  expect(await page.locator('.govuk-summary-card').count(), 'a few cards, one per topic').toBeLessThanOrEqual(7);
  await expectSessionCookie(visit);
  await continueOn(visit, 'Send');

  expect(new URL(page.url()).pathname).toBe('/refer/confirmation');
  await everyPageChecks(visit, 'confirmation');
  await shot('05-confirmation');
  const reference = (await page.locator('.govuk-panel__body strong').textContent())?.trim() ?? '';
  expect(reference).toMatch(/^SR-[A-Z0-9]{4}-[A-Z0-9]{4}$/);
  expect(await page.content()).not.toMatch(/\b(HIGH|MEDIUM|STANDARD)\b/);
  return reference;
}

/** The pages issue 13 added, photographed on a phone as they look answered. */
const NEW_PAGES = ['helper', 'helper-relationship', 'date-of-birth', 'contact', 'updates', 'person', 'times-count', 'home-safety', 'language', 'access-needs', 'children'];

async function expectDelivered(reference: string, victim: Victim) {
  const referral = await eventually(async () => {
    const item = await client.referral(reference);
    return item?.status === 'AWAITING_ACK' && item;
  }, 'the referral to await acknowledgement');
  expect((referral.submission as { victim: { firstName: string } }).victim.firstName).toBe(victim.firstName);
  // Every new question reaches the stored referral as the API would have taken it.
  expect(referral.submission).toMatchObject({
    helper: { relationship: victim.helperRelationship },
    victim: { dateOfBirth: '1987-06-14', email: victim.email, phone: victim.phone },
    updates: { byEmail: true },
    personResponsible: { name: victim.personName, description: victim.personDescription, livesNearby: 'unsure' },
    incident: { timesCount: 40 },
    housing: { unsafeAtHome: false, needsSupport: false, propertyDamagedAtHome: true },
    needs: { language: victim.language, interpreter: true, accessNeeds: victim.accessNeeds, childrenInHousehold: true },
  });
  const emails = await eventually(async () => {
    const found = await client.emailsAbout(reference);
    return found.length >= 3 && found;
  }, 'the teams\u2019 emails and the victim\u2019s update');
  // The teams, and the victim who asked for updates by the email they chose as safe (SPEC §6).
  expect(emails.flatMap((e) => e.destination.to).sort()).toEqual([HOUSING, MDVS, victim.email].sort());
  for (const email of emails) expect(JSON.stringify(email)).not.toContain(victim.lastName);
}

function expectPrivateAndSafe(visit: Visit, victim: Victim) {
  const secrets = Object.values(victim).filter((v) => v !== 'L1 8JQ');
  const urlText = visit.urls.map((u) => decodeURIComponent(u)).join('\n');
  for (const secret of [...secrets, 'L1 8JQ', 'L1+8JQ']) expect(urlText, 'no answer in any URL').not.toContain(secret);
  expect(visit.urls.every((u) => !new URL(u).search), 'no query strings at all').toBe(true);
  expect(visit.documents.length).toBeGreaterThan(20);
  for (const document of visit.documents.filter((d) => d.url.includes('/refer'))) {
    expect(document.headers['cache-control'], document.url).toBe('no-store');
    expect(document.headers['content-security-policy'], document.url).toMatch(/default-src 'self'.*script-src 'self' 'nonce-/);
    expect(document.headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(document.headers['x-frame-options']).toBe('DENY');
    expect(document.headers['x-content-type-options']).toBe('nosniff');
  }
}

async function expectSessionCookie(visit: Visit) {
  const cookies = await visit.context.cookies();
  const session = cookies.find((c) => c.name === 'referral-form');
  expect(session).toBeDefined();
  expect(session!.httpOnly).toBe(true);
  expect(session!.sameSite).toBe('Strict');
  // Plain http on localhost: the one case without Secure (the https case is a unit test).
  expect(session!.secure).toBe(false);
}

/** Every address of the form a person could type or find in the history. */
const FORM_PAGES = ['', ...formAnswers({ firstName: '', lastName: '', postcode: '' }).map(([id]) => id), 'emergency', 'check', 'confirmation'];

/**
 * What someone who picks up the browser afterwards can see: Back through the history, then every page of
 * the form opened by its address. None of it may show what was typed.
 */
async function expectNothingLeft(visit: Visit, secrets: string[], what: string) {
  const { page } = visit;
  const showsNothing = async (where: string) => {
    await page.waitForLoadState('load');
    const html = await page.content();
    for (const secret of secrets) expect(html, `${what}, ${where}`).not.toContain(secret);
  };
  for (let back = 1; back <= 3; back++) {
    if (!(await page.goBack().catch(() => null)) && !page.url().startsWith(cloud.apiUrl)) break;
    await showsNothing(`Back ${back} times (${new URL(page.url()).pathname})`);
  }
  expect((await visit.context.cookies()).find((c) => c.name === 'referral-form'), `${what}: the form's cookie is gone`).toBeUndefined();
  // Opening the danger page starts a new, empty session: the pages after it are that session's, still empty of the old answers.
  for (const id of FORM_PAGES) {
    await page.goto(`${cloud.apiUrl}/refer${id ? `/${id}` : ''}`);
    await showsNothing(`at /refer/${id}`);
  }
}

describe('the victim referral form in a browser', () => {
  const journeys = [
    { name: 'on a phone with JavaScript', viewport: PHONE, javaScript: true, screenshots: true },
    { name: 'on a phone without JavaScript', viewport: PHONE, javaScript: false },
    { name: 'on a desktop with JavaScript', viewport: DESKTOP, javaScript: true },
    { name: 'on a desktop without JavaScript', viewport: DESKTOP, javaScript: false },
  ];
  for (const journey of journeys) {
    it(`completes the whole form ${journey.name}, and the referral reaches the table and the teams`, async () => {
      const visit = await open(journey);
      try {
        const victim = aVictim();
        const reference = await completeForm(visit, victim, journey.screenshots);
        expectPrivateAndSafe(visit, victim);
        await expectDelivered(reference, victim);
        await expectNothingLeft(visit, [victim.firstName, victim.lastName, victim.phone, victim.description, reference], 'after the confirmation');
      } finally {
        await visit.context.close();
      }
    }, 300_000);
  }

  it('can be completed with the keyboard alone', async () => {
    const visit = await open({ viewport: DESKTOP, javaScript: true, keyboard: true });
    try {
      const victim = aVictim();
      const reference = await completeForm(visit, victim);
      await expectDelivered(reference, victim);
    } finally {
      await visit.context.close();
    }
  }, 300_000);

  it('shows an error summary linking to the field for an empty answer, a bad postcode and a bad date, keeps the other answers and stores nothing', async () => {
    const visit = await open({ viewport: PHONE, javaScript: true });
    const { page } = visit;
    const victim = aVictim();
    try {
      await page.goto(`${cloud.apiUrl}/refer/danger`);
      await choose(visit, 'immediateDanger', 'no');
      await continueOn(visit);
      await choose(visit, 'consent.shareWithServices', 'yes');
      await continueOn(visit);
      // Helping someone, but not saying how they know them.
      await choose(visit, 'form.forSomeoneElse', 'yes');
      await continueOn(visit);
      await continueOn(visit);
      expect(new URL(page.url()).pathname).toBe('/refer/helper-relationship');
      expect(await page.locator('.govuk-error-summary a').getAttribute('href')).toBe('#helper-relationship');
      await everyPageChecks(visit, 'helper relationship with an error');
      await fillText(visit, 'helper.relationship', victim.helperRelationship);
      await continueOn(visit);

      // An empty required answer.
      await fillText(visit, 'victim.firstName', victim.firstName);
      await continueOn(visit);
      expect(new URL(page.url()).pathname).toBe('/refer/name');
      const summary = page.locator('.govuk-error-summary');
      await expect(summary.isVisible()).resolves.toBe(true);
      expect(await page.title()).toMatch(/^Error: /);
      expect(await summary.locator('a').getAttribute('href')).toBe('#victim-lastName');
      await expect(page.locator('#victim-lastName').count()).resolves.toBe(1);
      expect(await page.inputValue('[name="victim.firstName"]')).toBe(victim.firstName);
      await everyPageChecks(visit, 'name with an error');
      await page.screenshot({ path: path.join(SCREENSHOTS, '03-error.png'), fullPage: true });
      await summary.locator('a').click();
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('victim-lastName');
      await fillText(visit, 'victim.lastName', victim.lastName);
      await continueOn(visit);
      // An optional date of birth can be left out; one that is not a date cannot.
      expect(new URL(page.url()).pathname).toBe('/refer/date-of-birth');
      await fillDate(visit, 'victim.dateOfBirth', ['30', '2', '1990']);
      await continueOn(visit);
      expect(await page.locator('.govuk-error-summary a').getAttribute('href')).toBe('#victim-dateOfBirth-day');
      await everyPageChecks(visit, 'date of birth with an error');
      await fillDate(visit, 'victim.dateOfBirth', ['', '', '']);
      await continueOn(visit);

      // A postcode that is not one.
      await fillText(visit, 'victim.postcode', 'NOT A POSTCODE');
      await continueOn(visit);
      expect(await page.locator('.govuk-error-summary a').getAttribute('href')).toBe('#victim-postcode');
      expect(await page.locator('.govuk-error-summary').textContent()).toContain('real UK postcode');
      expect(await page.inputValue('[name="victim.postcode"]')).toBe('NOT A POSTCODE');
      await everyPageChecks(visit, 'postcode with an error');
      await fillText(visit, 'victim.postcode', victim.postcode);
      await continueOn(visit);

      // Phone calls chosen with no number: stopped here, on this page, with the link leading to the revealed box.
      expect(new URL(page.url()).pathname).toBe('/refer/contact');
      await tick(visit, 'victim.safeContact.methods', 'phone');
      await continueOn(visit);
      expect(new URL(page.url()).pathname).toBe('/refer/contact');
      expect(await page.locator('.govuk-error-summary').textContent()).toContain('Enter the phone number we can call you on');
      expect(await page.locator('.govuk-error-summary a').getAttribute('href')).toBe('#victim-phone');
      await expect(page.locator('#victim-phone').isVisible()).resolves.toBe(true);
      await everyPageChecks(visit, 'contact with an error');
      await page.screenshot({ path: path.join(SCREENSHOTS, '03-contact-error.png'), fullPage: true });
      await page.locator('.govuk-error-summary a').click();
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('victim-phone');

      // A count that is not a number.
      await page.goto(`${cloud.apiUrl}/refer/times-count`);
      await fillText(visit, 'incident.timesCount', 'lots and lots');
      await continueOn(visit);
      expect(await page.locator('.govuk-error-summary a').getAttribute('href')).toBe('#incident-timesCount');
      await everyPageChecks(visit, 'times count with an error');

      // Straight to a date page: a date that does not exist, then one in the future.
      await page.goto(`${cloud.apiUrl}/refer/first-date`);
      await fillDate(visit, 'incident.firstDate', ['31', '2', '2025']);
      await continueOn(visit);
      expect(await page.locator('.govuk-error-summary a').getAttribute('href')).toBe('#incident-firstDate-day');
      expect(await page.inputValue('[name="incident.firstDate-day"]')).toBe('31');
      await everyPageChecks(visit, 'date with an error');
      await fillDate(visit, 'incident.firstDate', ['1', '1', '2999']);
      await continueOn(visit);
      expect(await page.locator('.govuk-error-summary').textContent()).toContain('must be in the past');

      // The earlier answers are still there.
      await page.goto(`${cloud.apiUrl}/refer/name`);
      expect(await page.inputValue('[name="victim.lastName"]')).toBe(victim.lastName);
      // And no referral was stored.
      const stored = await client.documents.send(new ScanCommand({ TableName: cloud.tableName }));
      const referrals = (stored.Items ?? []).filter((item) => String(item.pk).startsWith('REFERRAL#') && JSON.stringify(item).includes(victim.lastName));
      expect(referrals).toEqual([]);
    } finally {
      await visit.context.close();
    }
  }, 300_000);

  it('stores nothing and shows other ways to get help when consent is not given', async () => {
    const visit = await open({ viewport: PHONE, javaScript: true });
    const { page } = visit;
    try {
      await page.goto(`${cloud.apiUrl}/refer/danger`);
      const cookie = (await visit.context.cookies()).find((c) => c.name === 'referral-form')!;
      await choose(visit, 'immediateDanger', 'no');
      await continueOn(visit);
      await choose(visit, 'consent.shareWithServices', 'no');
      await continueOn(visit);
      expect(await heading(page)).toBe('We have not kept anything you told us');
      await expect(page.getByText('101').first().isVisible()).resolves.toBe(true);
      await everyPageChecks(visit, 'no consent');
      const { Item } = await client.documents.send(new GetCommand({ TableName: cloud.tableName, Key: { pk: `FORMSESSION#${cookie.value}`, sk: 'FORMSESSION' } }));
      expect(Item).toBeUndefined();
    } finally {
      await visit.context.close();
    }
  }, 300_000);

  const exits = [
    { name: 'the Exit this page button, with JavaScript', javaScript: true, shortcut: false },
    { name: 'pressing Shift three times, with JavaScript', javaScript: true, shortcut: true },
    { name: 'the Exit this page link, without JavaScript', javaScript: false, shortcut: false },
  ];
  for (const exit of exits) {
    it(`leaves nothing typed to be seen again after ${exit.name}: not on any form page, the check page or Back`, async () => {
      const visit = await open({ viewport: PHONE, javaScript: exit.javaScript });
      const { page } = visit;
      // The neutral site is not on this machine's network: where the browser can be, it is shown a stand-in.
      await visit.context.route('https://www.bbc.co.uk/**', (route) => route.fulfill({
        status: 200, contentType: 'text/html', body: '<!doctype html><html lang="en"><title>Weather</title><h1>Weather</h1></html>',
      }));
      const victim = aVictim();
      try {
        await page.goto(`${cloud.apiUrl}/refer/danger`);
        await choose(visit, 'immediateDanger', 'no');
        await continueOn(visit);
        await choose(visit, 'consent.shareWithServices', 'yes');
        await continueOn(visit);
        await choose(visit, 'form.forSomeoneElse', 'no');
        await continueOn(visit);
        await fillText(visit, 'victim.firstName', victim.firstName);
        await fillText(visit, 'victim.lastName', victim.lastName);
        await continueOn(visit);
        await page.goto(`${cloud.apiUrl}/refer/check`);
        expect(await page.content(), 'the check page shows the name before the exit').toContain(victim.firstName);
        await page.goto(`${cloud.apiUrl}/refer/name`);
        expect(await page.inputValue('[name="victim.firstName"]')).toBe(victim.firstName);
        const session = (await visit.context.cookies()).find((c) => c.name === 'referral-form')!;

        if (exit.shortcut) {
          for (let press = 0; press < 3; press++) await page.keyboard.press('Shift');
        } else {
          await page.locator('.govuk-exit-this-page__button').click();
        }
        // The neutral site may be unreachable from here (a redirect's target is not always routed to the stand-in):
        // arriving at its address, page or error page, is what counts.
        await expect.poll(() => page.url(), { timeout: ACTION_CEILING_MS }).toBe('https://www.bbc.co.uk/weather');
        await page.waitForLoadState('load');

        const { Item } = await client.documents.send(new GetCommand({ TableName: cloud.tableName, Key: { pk: `FORMSESSION#${session.value}`, sk: 'FORMSESSION' } }));
        expect(Item, 'the session is ended on the server').toBeUndefined();
        await expectNothingLeft(visit, [victim.firstName, victim.lastName], `after ${exit.name}`);
      } finally {
        await visit.context.close();
      }
    }, 300_000);
  }

  it('tells someone outside every area the truth: national helplines, no promise of local contact, and the coordinator is told the same', async () => {
    const visit = await open({ viewport: PHONE, javaScript: true });
    const { page } = visit;
    const victim = aVictim();
    try {
      // The pages before Send are proven above; here they are answered over HTTP in this browser's session.
      await page.goto(`${cloud.apiUrl}/refer/danger`);
      const csrf = await page.inputValue('[name="csrf"]');
      for (const [id, fields] of formAnswers({ firstName: victim.firstName, lastName: victim.lastName, postcode: 'TR1 2HE' })) {
        const body = new URLSearchParams({ csrf });
        for (const [name, value] of Object.entries(fields)) for (const v of [value].flat()) body.append(name, v);
        const answer = await page.request.post(`${cloud.apiUrl}/refer/${id}`, {
          headers: { 'content-type': 'application/x-www-form-urlencoded' }, data: body.toString(), maxRedirects: 0,
        });
        expect(answer.status(), id).toBe(303);
      }
      await page.goto(`${cloud.apiUrl}/refer/check`);
      await continueOn(visit, 'Send');

      const text = await page.locator('main').innerText();
      expect(text).toContain('outside the areas this service covers');
      for (const option of ['National Stalking Helpline: 0808 802 0300', 'Victim Support: 08 08 16 89 111', 'call 999', 'call 101']) expect(text).toContain(option);
      expect(text).not.toMatch(/will get in touch|working days|support worker/i);
      await everyPageChecks(visit, 'the out-of-area confirmation');
      await page.screenshot({ path: path.join(SCREENSHOTS, '05-out-of-area.png'), fullPage: true });
      const reference = (await page.locator('.govuk-panel__body strong').textContent())?.trim() ?? '';

      await eventually(async () => (await client.referral(reference))?.status === 'OUT_OF_AREA', 'the referral to be out of area');
      const emails = await eventually(async () => {
        const found = await client.emailsAbout(reference);
        return found.length > 0 && found;
      }, 'the coordinator\u2019s email');
      expect(emails.flatMap((e) => e.destination.to)).toEqual(['coordinator@merseyside.referrals.example']);
      const email = emails[0]!.body.text ?? '';
      expect(email).toContain('nobody has been asked to contact the person');
      expect(email).toContain('National Stalking Helpline, Victim Support, 999 and 101');
      expect(email).toContain('not to wait to hear from us');
      expect(email).not.toContain(victim.lastName);
    } finally {
      await visit.context.close();
    }
  }, 300_000);

  it('opens at the bare address on a start page that offers the form first and the partner portal for staff', async () => {
    const visit = await open({ viewport: PHONE, javaScript: true });
    const { page } = visit;
    try {
      const response = await page.goto(`${cloud.apiUrl}/`);
      expect(response?.status()).toBe(200);
      expect(response?.headers()['cache-control']).toBe('no-store');
      expect(response?.headers()['content-security-policy']).toMatch(/default-src 'self'.*script-src 'self' 'nonce-/);
      expect(await page.title()).toBe('Get help with stalking or harassment');
      const links = await page.$$eval('main a', (as) => as.map((a) => a.getAttribute('href')));
      expect(links.indexOf('/refer')).toBeGreaterThanOrEqual(0);
      expect(links.indexOf('/refer')).toBeLessThan(links.indexOf('/portal'));
      await everyPageChecks(visit, 'the service\u2019s front door');
      await page.screenshot({ path: path.join(SCREENSHOTS, '00-front-door.png'), fullPage: true });
      await continueOn(visit, 'Start now');
      expect(new URL(page.url()).pathname).toBe('/refer');
      expect(await page.title()).toBe('Get help with stalking or harassment');
    } finally {
      await visit.context.close();
    }
  }, 300_000);

  it('refuses a post without the session\u2019s form token, and serves GOV.UK Frontend from its own origin', async () => {
    const response = await fetch(`${cloud.apiUrl}/refer/name`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'victim.firstName=Someone&csrf=guess',
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const css = await fetch(`${cloud.apiUrl}/assets/govuk-frontend.min.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toContain('text/css');
    const font = await fetch(`${cloud.apiUrl}/assets/fonts/${(await css.text()).match(/fonts\/([\w.-]+\.woff2)/)![1]}`);
    expect(font.status).toBe(200);
    expect((await font.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    expect((await fetch(`${cloud.apiUrl}/assets/..%2F..%2Fpackage.json`)).status).toBe(404);
  });
});
