/// <reference lib="dom" />
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { PROJECT_ROOT } from './local-cloud-process.js';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
export const SCREENSHOTS = path.join(PROJECT_ROOT, 'test-results', 'screenshots');
export const DESKTOP = { width: 1280, height: 900 };
export const ACTION_CEILING_MS = 120_000;

/** Headless Chromium from the system package, with a throw-away profile removed on close. */
export async function launchBrowser(): Promise<{ browser: Browser; close: () => Promise<void> }> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const profile = mkdtempSync(path.join(tmpdir(), 'browser-test-'));
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run',
      '--disable-component-update', '--disable-sync'],
    env: { ...process.env, TMPDIR: profile },
  });
  // Playwright's 30 s default per click or page load is a race with the clock on a busy two-core machine:
  // every context this browser opens waits as long as a slow machine needs, and no longer than a hung page.
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => {
    const context = await newContext(options);
    context.setDefaultTimeout(ACTION_CEILING_MS);
    context.setDefaultNavigationTimeout(ACTION_CEILING_MS);
    return context;
  };
  return {
    browser,
    close: async () => {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** One browser for a test file: launched before its tests, closed with its profile after them. */
export function useBrowser(): () => Browser {
  let launched: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  beforeAll(async () => {
    launched = await launchBrowser();
  }, 300_000);
  afterAll(async () => {
    await launched?.close();
  });
  return () => {
    if (!launched) throw new Error('the browser is launched before the tests, not before the file');
    return launched.browser;
  };
}

/** axe-core on the page as it is now: no violations allowed. */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (o?: unknown) => Promise<{ violations: { id: string; nodes: { target: unknown }[] }[] }> } }).axe;
    return axe.run({ resultTypes: ['violations'] });
  });
  expect(result.violations.map((v) => `${v.id}: ${JSON.stringify(v.nodes.map((n) => n.target))}`), `axe on ${what}`).toEqual([]);
}

/** Moves focus with Tab alone until `selector` has it, as someone using only a keyboard would. */
export async function tabTo(page: Page, selector: string): Promise<void> {
  for (let i = 0; i < 150; i++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Could not reach ${selector} with the Tab key`);
}

/**
 * Signs in to the portal with the keyboard alone: username, password, then the code the authenticator app
 * would show (asked for only when it is typed, as a person would read it). `onPage` runs on the sign-in and
 * code pages before they are filled in (axe, say).
 */
export async function signInByKeyboard(
  page: Page, user: { username: string; password: string; code: () => string }, onPage?: (name: 'sign in' | 'code') => Promise<void>,
): Promise<void> {
  await page.waitForURL('**/portal/sign-in');
  await onPage?.('sign in');
  await tabTo(page, '#username');
  await page.keyboard.type(user.username);
  await tabTo(page, '#password');
  await page.keyboard.type(user.password);
  await page.keyboard.press('Enter');
  await page.waitForURL('**/portal/sign-in/code');
  await onPage?.('code');
  // A code computed in the last seconds of its 30-second step may be stale when it arrives: wait them out.
  if (Date.now() % 30_000 > 27_000) await page.waitForTimeout(30_000 - (Date.now() % 30_000) + 200);
  await tabTo(page, '#code');
  await page.keyboard.type(user.code());
  await page.keyboard.press('Enter');
  await page.waitForURL((url) => !url.pathname.startsWith('/portal/sign-in'));
}
