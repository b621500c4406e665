import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { PortalSession } from '../../functions/adapters/portal-session-store.js';
import type { StaffRequest } from '../../functions/portal/staff-request.js';
import type { VisitorRequest } from '../../functions/portal/routes/sign-in.js';

export const NOW = new Date('2026-11-18T10:00:00Z');
export const REFERENCE = 'SR-7KQ2-9XMD';
/** The shape newSecret() makes: 43 url-safe characters. */
export const SESSION_ID = 'S'.repeat(43);

/** A browser's request to the portal on plain-http localhost, optionally posting a form. */
export function portalEvent(form?: Record<string, string>, query?: Record<string, string>): APIGatewayProxyEventV2 {
  return {
    rawPath: '/portal', rawQueryString: '', queryStringParameters: query,
    headers: { host: 'localhost:3000', ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    body: form ? new URLSearchParams(form).toString() : undefined, isBase64Encoded: false,
    requestContext: { http: { method: form ? 'POST' : 'GET' }, domainName: 'localhost' },
  } as unknown as APIGatewayProxyEventV2;
}

/** A signed-in member of staff in `groups` (team ids, coordinator-<area>, commissioner-<area>). */
export function staffRequest(groups: string[], options: { params?: Record<string, string>; form?: Record<string, string>; query?: Record<string, string> } = {}): StaffRequest {
  const session: PortalSession = { id: SESSION_ID, csrf: 'form-token', signedIn: { accessToken: 'access', since: NOW.getTime() } };
  return {
    event: portalEvent(options.form, options.query), now: NOW, params: options.params ?? {},
    caller: { userId: 'user-1', username: 'casey.caseworker', groups }, session,
    view: {
      user: {
        username: 'casey.caseworker', inbox: groups.some((g) => !g.startsWith('coordinator-') && !g.startsWith('commissioner-')),
        coordinator: groups.some((g) => g.startsWith('coordinator-')), reports: false,
      },
      csrf: 'form-token',
    },
  };
}

/** Someone part-way through signing in, or with no session at all. */
export function visitorRequest(session: PortalSession | undefined, options: { params?: Record<string, string>; form?: Record<string, string> } = {}): VisitorRequest {
  return { event: portalEvent(options.form), now: NOW, params: options.params ?? {}, session };
}

export const bodyOf = (result: { body?: string }) => String(result.body);
export const locationOf = (result: { headers?: Record<string, unknown> }) => result.headers?.location;
