/// <reference lib="dom" />
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { RISK_FACTOR_IDS } from '../../functions/domain/referral.js';
import { DESKTOP, SCREENSHOTS, expectAccessible, signInByKeyboard, useBrowser } from '../support/browser.js';
import { eventually, LocalCloudClient } from '../support/local-cloud-client.js';

const cloud = inject('localCloud');
const client = new LocalCloudClient(cloud);
const browser = useBrowser();

/** Signs in with the keyboard alone (test/support/browser.ts). */
const signIn = (page: Page, username: string) =>
  signInByKeyboard(page, { username, password: cloud.password, code: () => client.totpCodeFor(username) });

const choose = (page: Page, name: string, value: string) => page.check(`input[name="${name}"][value="${value}"]`);

/** Presses the form's button: the answer's status, and the form as it was posted. */
async function send(page: Page): Promise<{ status: number; posted: string }> {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/portal/referrals/new'),
    page.click('button:has-text("Send the referral")'),
  ]);
  await page.waitForLoadState();
  return { status: response.status(), posted: response.request().postData() ?? '' };
}

describe('an MDVS caseworker making a professional referral', () => {
  it('refers someone with a band raise through the portal form, and it is stored as the team’s agency referral', async () => {
    // A name no other test uses: how the test finds whether anything of this person was stored.
    const firstName = `Ysolde${Date.now().toString(36)}`;
    const context = await browser().newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    await page.goto(`${cloud.apiUrl}/portal/referrals/new`);
    await signIn(page, 'mdvs.caseworker');
    expect(new URL(page.url()).pathname).toBe('/portal/referrals/new');

    // The form, offered in the navigation, with the referrer filled in from the account and the team.
    await expect(page.locator('.govuk-service-navigation a[href="/portal/referrals/new"]').count()).resolves.toBe(1);
    const details = await page.locator('#referrer-details').textContent();
    expect(details).toContain('mdvs.caseworker');
    expect(details).toContain('Merseyside Domestic Violence and Stalking Service');
    expect(details).toContain('mdvs.caseworker@users.referrals.example');
    await expectAccessible(page, 'the empty professional referral form');

    // A form with problems: each one listed and linked, the answers kept, nothing stored.
    await page.fill('[name="victim.firstName"]', firstName);
    await choose(page, 'referrer.raiseBandTo', 'HIGH');
    expect((await send(page)).status).toBe(400);
    const summary = await page.locator('.govuk-error-summary').textContent();
    expect(summary).toMatch(/Confirm that the person has agreed/);
    expect(summary).toMatch(/Enter their last name/);
    expect(summary).toMatch(/Explain why you are raising the risk band/);
    await expect(page.locator('.govuk-error-summary a[href="#referrer-raiseReason"]').count()).resolves.toBe(1);
    await expect(page.inputValue('[name="victim.firstName"]')).resolves.toBe(firstName);
    await expectAccessible(page, 'the professional referral form with errors');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'portal-professional-referral-errors.png'), fullPage: true });
    expect(await client.itemsContaining(firstName)).toEqual([]);

    await page.check('input[name="consent.shareWithServices"]');
    await choose(page, 'immediateDanger', 'no');
    await page.fill('[name="victim.lastName"]', 'Threlkeld-Amadi');
    await page.fill('[name="victim.postcode"]', 'L8 7QZ');
    await choose(page, 'victim.safeContact.methods', 'phone');
    await page.fill('[name="victim.phone"]', '07700 900461');
    await choose(page, 'victim.safeContact.voicemailOk', 'no');
    await choose(page, 'incident.relationship', 'ex-partner');
    await choose(page, 'incident.behaviours', 'following');
    await choose(page, 'incident.behaviours', 'messages');
    await choose(page, 'incident.frequency', 'several-times-a-week');
    for (const [field, value] of [['firstDate', ['2', '5', '2026']], ['latestDate', ['20', '11', '2026']]] as const) {
      await page.fill(`[name="incident.${field}-day"]`, value[0]);
      await page.fill(`[name="incident.${field}-month"]`, value[1]);
      await page.fill(`[name="incident.${field}-year"]`, value[2]);
    }
    await page.fill('[name="incident.description"]', 'Follows her from the bus stop most evenings and messages from new numbers.');
    await choose(page, 'incident.reportedToPolice', 'no');
    for (const id of RISK_FACTOR_IDS) await choose(page, `riskAnswers.${id}`, id === 'veryFrightened' ? 'yes' : 'no');
    await choose(page, 'housing.tenure', 'social-rent');
    await choose(page, 'housing.unsafeAtHome', 'yes');
    await choose(page, 'housing.personKnowsAddress', 'yes');
    await choose(page, 'housing.needsSupport', 'no');
    await page.fill('[name="referrer.role"]', 'Senior caseworker');
    await page.fill('[name="referrer.raiseReason"]', 'He was released from prison last week for violence against her.');
    const sent = await send(page);
    expect(sent.status).toBe(200);

    // The confirmation, with the reference.
    await expect(page.locator('h1').textContent()).resolves.toMatch(/Referral sent/);
    const reference = (await page.locator('#reference').textContent())?.trim() ?? '';
    expect(reference).toMatch(/^SR-[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    await expectAccessible(page, 'the professional referral confirmation');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'portal-professional-referral-sent.png'), fullPage: true });

    // Stored as the API would store it: an agency referral from the account's team, consent given, band raised.
    const stored = await client.referral(reference);
    const submission = stored?.submission as Record<string, Record<string, unknown>>;
    expect(stored?.source).toBe('agency');
    expect(submission.referrer).toMatchObject({
      name: 'mdvs.caseworker', organisation: 'Merseyside Domestic Violence and Stalking Service', email: 'mdvs.caseworker@users.referrals.example',
      role: 'Senior caseworker', raiseBandTo: 'HIGH',
    });
    expect(submission.consent).toEqual({ shareWithServices: true });
    expect(submission.victim).toMatchObject({ firstName, postcode: 'L8 7QZ' });
    const received = (await client.itemsOf(reference, 'EVENT#')).find((e) => e.type === 'REFERRAL_RECEIVED');
    expect(received?.actor).toMatch(/^user:/);
    expect(received?.detail).toEqual({ username: 'mdvs.caseworker', via: 'portal-professional-form' });
    // Screened and routed like any referral: the raise makes it HIGH, whatever the answers alone would say.
    await eventually(async () => (await client.referral(reference))?.status === 'AWAITING_ACK', `${reference} awaiting acknowledgement`);
    expect(((await client.referral(reference))?.screening as { band?: string } | undefined)?.band).toBe('HIGH');

    // Sending the same form again (a refresh, a double click) stores nothing new.
    const again = await context.request.post(`${cloud.apiUrl}/portal/referrals/new`, {
      headers: { 'content-type': 'application/x-www-form-urlencoded' }, data: sent.posted, maxRedirects: 0,
    });
    expect(again.status()).toBe(200);
    const confirmation = await again.text();
    expect(confirmation).toContain(reference);
    // Routed by now, and a HIGH referral goes to the specialist team, this caseworker's: so a link to it.
    expect((await client.itemsOf(reference, 'ASSIGNMENT#mdvs'))[0]?.status).not.toBe('ASSIGNED');
    expect(confirmation).toContain(`href="/portal/referrals/${reference}"`);
    expect((await page.goto(`${cloud.apiUrl}/portal/referrals/${reference}`))?.status()).toBe(200);
    expect((await client.itemsContaining(firstName)).filter((item) => item.kind === 'referral')).toHaveLength(1);
    await context.close();
  });

  it('is not there for a commissioner', async () => {
    const context = await browser().newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    await page.goto(`${cloud.apiUrl}/portal/referrals/new`);
    await signIn(page, 'commissioner.merseyside');
    const refused = await page.goto(`${cloud.apiUrl}/portal/referrals/new`);
    expect(refused?.status()).toBe(404);
    await expect(page.locator('.govuk-service-navigation a[href="/portal/referrals/new"]').count()).resolves.toBe(0);
    await context.close();
  });
});
