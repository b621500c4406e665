import { describe, expect, inject, it } from 'vitest';
import { LocalCloudClient } from '../support/local-cloud-client.js';
import { aStandardReferral } from '../support/referrals.js';

const cloud = inject('localCloud');
const client = new LocalCloudClient(cloud);

/** What every answer of the service carries, whatever the route and whatever the outcome. */
function expectSecurityHeaders(response: Response, what: string) {
  const h = response.headers;
  expect(h.get('cache-control'), what).toBe('no-store');
  expect(h.get('x-content-type-options'), what).toBe('nosniff');
  expect(h.get('x-frame-options'), what).toBe('DENY');
  expect(h.get('referrer-policy'), what).toBe('no-referrer');
  expect(h.get('strict-transport-security'), what).toMatch(/max-age=\d{8,}/);
  expect(h.get('content-security-policy'), what).toMatch(/frame-ancestors 'none'/);
}

describe('security headers', () => {
  it('are on every answer: API successes and refusals, pages and redirects', async () => {
    const token = await client.tokenFor('victim-care.caseworker');
    const submitted = await client.submit(aStandardReferral());
    const { reference } = (await submitted.clone().json()) as { reference: string };
    const answers: [string, Promise<Response>][] = [
      ['health check', fetch(`${cloud.apiUrl}/healthz`)],
      ['201 referral', Promise.resolve(submitted)],
      ['400 referral', client.submit({ nonsense: true })],
      ['415 referral', fetch(`${cloud.apiUrl}/api/referrals`, { method: 'POST', body: 'x', headers: { 'content-type': 'text/plain' } })],
      ['read own referral', fetch(`${cloud.apiUrl}/api/referrals/${reference}`, { headers: { authorization: `Bearer ${token}` } })],
      ['404 another team', fetch(`${cloud.apiUrl}/api/teams/mdvs/assignments`, { headers: { authorization: `Bearer ${token}` } })],
      ['form start page', fetch(`${cloud.apiUrl}/refer`)],
      ['form redirect', fetch(`${cloud.apiUrl}/refer/check`, { redirect: 'manual' })],
      ['portal sign-in page', fetch(`${cloud.apiUrl}/portal/sign-in`)],
      ['portal redirect to sign in', fetch(`${cloud.apiUrl}/portal/inbox`, { redirect: 'manual' })],
    ];
    for (const [what, answer] of answers) expectSecurityHeaders(await answer, what);
  });
});
