import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { cookieValue } from '../http/pages.js';
import { pathSessionCookie, SESSION_ID } from '../http/session-cookie.js';

export const FORM_COOKIE = 'referral-form';

/** The victim form's session cookie. */
export function sessionCookie(id: string, event: APIGatewayProxyEventV2, maxAgeSeconds: number): string {
  return pathSessionCookie(FORM_COOKIE, '/refer', id, event, maxAgeSeconds);
}

export function sessionIdFrom(event: APIGatewayProxyEventV2): string | undefined {
  return cookieValue(event, FORM_COOKIE, SESSION_ID);
}
