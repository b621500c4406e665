import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** What `newSecret()` makes: the only shape a session id cookie may have. */
export const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Plain http is only ever the local cloud on this machine. Decided from the request itself: API Gateway
 * always says https in x-forwarded-proto, so a deployed stack always gets a Secure cookie.
 */
export function isPlainHttpLocalhost(event: APIGatewayProxyEventV2): boolean {
  const proto = (event.headers?.['x-forwarded-proto'] ?? 'http').split(',')[0]!.trim().toLowerCase();
  const host = (event.headers?.host ?? event.requestContext?.domainName ?? '').toLowerCase().replace(/:\d+$/, '');
  return proto === 'http' && LOCAL_HOSTS.has(host);
}

/** An opaque session id cookie for one path: HttpOnly, SameSite=Strict, and Secure everywhere but plain-http localhost. */
export function pathSessionCookie(name: string, path: string, id: string, event: APIGatewayProxyEventV2, maxAgeSeconds: number): string {
  const secure = isPlainHttpLocalhost(event) ? '' : '; Secure';
  return `${name}=${id}; Path=${path}; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${secure}`;
}
