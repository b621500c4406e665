import { createHash } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { LocalCloudClient } from '../support/local-cloud-client.js';

const cloud = inject('localCloud');
const client = new LocalCloudClient(cloud);

const sessionKey = (id: string) => ({ pk: `PORTALSESSION#${createHash('sha256').update(id).digest('base64url')}`, sk: 'PORTALSESSION' });

/** A browser's visit to the portal without the browser: its session cookie and the last page's form token. */
class PortalVisit {
  sessionId = '';
  csrf = '';

  async request(method: 'GET' | 'POST', pathname: string, form?: Record<string, string>): Promise<{ status: number; location: string | null }> {
    const response = await fetch(`${cloud.apiUrl}${pathname}`, {
      method, redirect: 'manual',
      headers: { ...(this.sessionId ? { cookie: `portal-session=${this.sessionId}` } : {}), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(form ? { body: new URLSearchParams({ csrf: this.csrf, ...form }).toString() } : {}),
    });
    const session = response.headers.getSetCookie().map((c) => /^portal-session=([^;]+)/.exec(c)?.[1]).find((id) => id);
    if (session) this.sessionId = session;
    const token = /name="csrf" value="([^"]+)"/.exec(await response.text())?.[1];
    if (token) this.csrf = token;
    return { status: response.status, location: response.headers.get('location') };
  }
}

describe('a signed-in portal session', () => {
  it('keeps the staff member’s tokens sealed under a KMS data key, opens them for its own session only', async () => {
    const username = 'mdvs.caseworker';
    const visit = new PortalVisit();
    await visit.request('GET', '/portal/sign-in');
    expect((await visit.request('POST', '/portal/sign-in', { username, password: cloud.password })).location).toBe('/portal/sign-in/code');
    if (Date.now() % 30_000 > 27_000) await new Promise((resolve) => setTimeout(resolve, 30_000 - (Date.now() % 30_000) + 200));
    expect((await visit.request('POST', '/portal/sign-in/code', { code: client.totpCodeFor(username) })).status).toBe(303);

    const { Item: item } = await client.documents.send(new GetCommand({ TableName: cloud.tableName, Key: sessionKey(visit.sessionId) }));
    const signedIn = item?.signedIn as Record<string, unknown>;
    expect(Object.keys(signedIn).sort()).toEqual(['since', 'tokens']);
    expect(Object.keys(signedIn.tokens as object).sort()).toEqual(['iv', 'sealed', 'tag', 'wrappedKey']);
    // No token in the clear anywhere in the item: a JWT starts with a base64url '{"'.
    expect(JSON.stringify(item)).not.toMatch(/eyJ|accessToken|refreshToken/);

    // The session opens its tokens: the inbox answers rather than sending the visitor to sign in.
    const inbox = await visit.request('GET', '/portal');
    expect(inbox.location ?? '').not.toContain('sign-in');
    expect([200, 303]).toContain(inbox.status);

    // The same sealed tokens copied onto another session open nothing there.
    const forged = 'F'.repeat(43);
    await client.documents.send(new PutCommand({ TableName: cloud.tableName, Item: { ...item, ...sessionKey(forged) } }));
    const thief = new PortalVisit();
    thief.sessionId = forged;
    const stolen = await thief.request('GET', '/portal');
    expect(stolen.status).toBe(303);
    expect(stolen.location).toContain('/portal/sign-in');
  });
});
