import { describe, expect, inject, it } from 'vitest';
import { LocalCloudClient } from '../support/local-cloud-client.js';
import { PortalVisit } from '../support/portal-visit.js';

const cloud = inject('localCloud');
const client = new LocalCloudClient(cloud);

/** What the same cookie gets from the inbox after signing out: sent to sign in, never the inbox. */
async function inboxWithCookie(cookie: string) {
  const response = await fetch(`${cloud.apiUrl}/portal/inbox`, { redirect: 'manual', headers: { cookie } });
  await response.text();
  return { status: response.status, location: response.headers.get('location') };
}

describe('signing out of the portal', () => {
  for (const [how, form] of [
    ['with the page’s form token', {}],
    ['with a forged form token', { csrf: 'forged' }],
  ] as const) {
    it(`ends the server-side session ${how}: the same cookie no longer opens the inbox`, async () => {
      const { visit } = await PortalVisit.signIn(client, 'victim-care.caseworker');
      const inbox = await visit.request('GET', '/portal/inbox');
      expect(inbox.status).toBe(200);
      const cookie = visit.cookie;

      const signedOut = await visit.request('POST', '/portal/sign-out', form);
      expect(signedOut.status).toBe(200);
      expect(signedOut.body).toContain('You have signed out');

      const after = await inboxWithCookie(cookie);
      expect(after.status).toBe(303);
      expect(after.location).toMatch(/^\/portal\/sign-in/);
    });
  }
});
