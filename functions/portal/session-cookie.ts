import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { cookieValue } from '../http/pages.js';
import { SHIFT_SECONDS } from '../domain/staff-sessions.js';
import { pathSessionCookie, SESSION_ID } from '../http/session-cookie.js';

export const PORTAL_COOKIE = 'portal-session';

/** The portal's session cookie: sent to the portal's own pages only, never to the victim form or the API. */
export function portalSessionCookie(id: string, event: APIGatewayProxyEventV2, maxAgeSeconds = SHIFT_SECONDS): string {
  return pathSessionCookie(PORTAL_COOKIE, '/portal', id, event, maxAgeSeconds);
}

/** The cookie that ends the session in the browser too. */
export const endedSessionCookie = (event: APIGatewayProxyEventV2) => portalSessionCookie('', event, 0);

export function portalSessionId(event: APIGatewayProxyEventV2): string | undefined {
  return cookieValue(event, PORTAL_COOKIE, SESSION_ID);
}
