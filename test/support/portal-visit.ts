import { expect } from 'vitest';
import type { LocalCloudClient } from './local-cloud-client.js';

/** A browser's visit to the portal without the browser: a session cookie, and the form token of the last page. */
export class PortalVisit {
  cookie = '';
  csrf = '';

  constructor(private readonly client: LocalCloudClient) {}

  async request(method: 'GET' | 'POST', pathname: string, form?: Record<string, string>): Promise<{ status: number; location: string | null; body: string }> {
    const response = await fetch(`${this.client.cloud.apiUrl}${pathname}`, {
      method, redirect: 'manual',
      headers: { ...(this.cookie ? { cookie: this.cookie } : {}), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(form ? { body: new URLSearchParams({ csrf: this.csrf, ...form }).toString() } : {}),
    });
    const session = response.headers.getSetCookie().map((c) => /^portal-session=([^;]+)/.exec(c)?.[1]).find((id) => id);
    if (session) this.cookie = `portal-session=${session}`;
    const body = await response.text();
    const token = /name="csrf" value="([^"]+)"/.exec(body)?.[1];
    if (token) this.csrf = token;
    return { status: response.status, location: response.headers.get('location'), body };
  }

  /** Username and password, then the code the authenticator app shows now; answers where the portal sends them. */
  static async signIn(client: LocalCloudClient, username: string): Promise<{ visit: PortalVisit; landing: string | null }> {
    const visit = new PortalVisit(client);
    await visit.request('GET', '/portal/sign-in');
    const password = await visit.request('POST', '/portal/sign-in', { username, password: client.cloud.password });
    expect(password.location).toBe('/portal/sign-in/code');
    // A code computed in the last seconds of its 30-second step may be stale when it arrives: wait them out.
    if (Date.now() % 30_000 > 27_000) await new Promise((resolve) => setTimeout(resolve, 30_000 - (Date.now() % 30_000) + 200));
    const code = await visit.request('POST', '/portal/sign-in/code', { code: client.totpCodeFor(username) });
    expect(code.status).toBe(303);
    return { visit, landing: code.location };
  }
}
