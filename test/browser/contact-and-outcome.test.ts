/// <reference lib="dom" />
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { DESKTOP, SCREENSHOTS, expectAccessible, signInByKeyboard, tabTo, useBrowser } from '../support/browser.js';
import { eventually, LocalCloudClient } from '../support/local-cloud-client.js';
import { aStandardReferral } from '../support/referrals.js';

const cloud = inject('localCloud');
const client = new LocalCloudClient(cloud);
const browser = useBrowser();

/** Signs in with the keyboard alone (test/support/browser.ts). */
const signIn = (page: Page, username: string) =>
  signInByKeyboard(page, { username, password: cloud.password, code: () => client.totpCodeFor(username) });

/** Follows a link or presses a button that Tab reaches, with Enter, and waits for where it leads. */
async function activate(page: Page, selector: string, leadsTo: string) {
  await tabTo(page, selector);
  await Promise.all([page.waitForURL(leadsTo), page.keyboard.press('Enter')]);
}

describe('a victim-care caseworker, by keyboard alone', () => {
  it('records two attempts to reach the person and the outcome, and sees the referral CLOSED with it', async () => {
    const response = await client.submit(aStandardReferral());
    const { reference } = await response.json() as { reference: string };
    await eventually(async () => (await client.referral(reference))?.status === 'AWAITING_ACK', `${reference} awaiting acknowledgement`);
    expect((await client.as('victim-care.caseworker', 'POST', `/api/referrals/${reference}/assignments/victim-care/acknowledge`)).status).toBe(200);

    const context = await browser().newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    const referralPage = `**/portal/referrals/${reference}`;
    await page.goto(`${cloud.apiUrl}/portal/referrals/${reference}`);
    await signIn(page, 'victim-care.caseworker');
    await page.waitForURL(referralPage);

    // The first attempt: the form opens at now; sent without a way or an answer, it says what is missing.
    await activate(page, 'a.govuk-button[href$="/teams/victim-care/contact-attempts"]', `${referralPage}/teams/victim-care/contact-attempts`);
    await expect(page.locator('h1').textContent()).resolves.toBe('Record a contact attempt');
    expect(await page.inputValue('#at-year')).toBe(String(new Date().getUTCFullYear()));
    expect(await page.inputValue('#at-time')).toMatch(/^\d{2}:\d{2}$/);
    await expectAccessible(page, 'contact attempt form');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'portal-contact-attempt.png'), fullPage: true });
    await activate(page, 'form[action$="/contact-attempts"] button', `${referralPage}/teams/victim-care/contact-attempts`);
    await expect(page.locator('.govuk-error-summary').textContent()).resolves.toMatch(/Choose how you tried to make contact[\s\S]*Say whether you reached the person/);
    await expectAccessible(page, 'contact attempt form with errors');
    expect(await client.itemsOf(reference, 'CONTACT#')).toEqual([]);

    // Phone call (the first way), not reached (the second answer), with a note.
    await tabTo(page, '#method');
    await page.keyboard.press('Space');
    await tabTo(page, '#reached');
    await page.keyboard.press('ArrowRight');
    await tabTo(page, '#note');
    await page.keyboard.type('No answer; did not leave a voicemail.');
    await activate(page, 'form[action$="/contact-attempts"] button', referralPage);
    await expect(page.locator('.govuk-notification-banner--success').textContent()).resolves.toMatch(/did not reach the person/);

    // The second: a text message (the next way along), and they answered.
    await activate(page, 'a.govuk-button[href$="/teams/victim-care/contact-attempts"]', `${referralPage}/teams/victim-care/contact-attempts`);
    await tabTo(page, '#method');
    await page.keyboard.press('Space');
    await page.keyboard.press('ArrowDown');
    await tabTo(page, '#reached');
    await page.keyboard.press('Space');
    await activate(page, 'form[action$="/contact-attempts"] button', referralPage);
    const attempts = page.locator('#contact-attempts-victim-care');
    await expect(attempts.textContent()).resolves.toMatch(/Phone call\s*No\s*No answer; did not leave a voicemail\.[\s\S]*Text message\s*Yes/);
    expect((await client.itemsOf(reference, 'CONTACT#')).map((a) => [a.method, a.reached])).toEqual([['phone', false], ['text', true]]);

    // The outcome: chosen, explained, checked, then confirmed.
    await activate(page, 'a.govuk-button[href$="/teams/victim-care/outcome"]', `${referralPage}/teams/victim-care/outcome`);
    await expectAccessible(page, 'outcome form');
    await tabTo(page, '#outcome');
    await page.keyboard.press('Space');
    await tabTo(page, '#reason');
    await page.keyboard.type('Agreed to weekly support calls.');
    await activate(page, 'form[action$="/outcome"] button', `${referralPage}/teams/victim-care/outcome`);
    await expect(page.locator('h1').textContent()).resolves.toBe('Check and confirm the outcome');
    await expect(page.locator('main').textContent()).resolves.toMatch(/Support accepted[\s\S]*Agreed to weekly support calls\./);
    await expectAccessible(page, 'outcome confirmation');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'portal-outcome-check.png'), fullPage: true });
    expect((await client.itemsOf(reference, 'ASSIGNMENT#victim-care'))[0]).not.toHaveProperty('outcome');
    await activate(page, 'button[value="confirm"]', referralPage);

    await expect(page.locator('#referral-closed').textContent()).resolves.toMatch(/CLOSED[\s\S]*Victim Care Merseyside:\s*Support accepted\. Agreed to weekly support calls\./);
    expect(await page.locator('a[href$="/contact-attempts"], a[href$="/outcome"]').count()).toBe(0);
    await expect(page.locator('#history').textContent()).resolves.toMatch(/Outcome recorded \(Victim Care Merseyside\)/);
    await expectAccessible(page, 'closed referral');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'portal-referral-closed.png'), fullPage: true });
    expect((await client.referral(reference))?.status).toBe('CLOSED');
    await context.close();
  });
});
