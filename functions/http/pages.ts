import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { render } from '../form/render.js';
import { rawBody } from './raw-body.js';
import { SECURITY_HEADERS } from './responses.js';

/** Forms are small: anything bigger is not one of ours. */
export const MAX_FORM_BYTES = 64 * 1024;

type Result = APIGatewayProxyStructuredResultV2;

/** Headers for every server-rendered page: never cached, and a CSP whose only inline script has this response's nonce. */
export function pageHeaders(nonce: string): Record<string, string> {
  return {
    ...SECURITY_HEADERS,
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    // The only inline script is GOV.UK Frontend's one-line js-enabled flag, allowed by this response's nonce.
    'content-security-policy': [
      "default-src 'self'", `script-src 'self' 'nonce-${nonce}'`, "style-src 'self'", "img-src 'self'", "font-src 'self'",
      "connect-src 'self'", "form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'", "object-src 'none'",
    ].join('; '),
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), interest-cohort=()',
    'cross-origin-opener-policy': 'same-origin',
  };
}

export function page(template: string, context: Record<string, unknown>, cookies: string[] = [], statusCode = 200): Result {
  const nonce = randomBytes(16).toString('base64');
  return { statusCode, headers: pageHeaders(nonce), body: render(template, { ...context, cspNonce: nonce }), cookies };
}

/** 303: a POST is answered with a GET of the next page, so a refresh never posts twice. */
export const redirect = (to: string, cookies: string[] = []): Result => ({
  statusCode: 303, headers: { ...pageHeaders(randomBytes(16).toString('base64')), location: to }, cookies,
});

/** 256 random bits, URL- and cookie-safe: session ids and form tokens. */
export const newSecret = () => randomBytes(32).toString('base64url');

export function sameToken(expected: string, given: string | null | undefined): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given ?? '');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A url-encoded form body, or undefined when it is not one or is too big to be ours. */
export function formBody(event: APIGatewayProxyEventV2): URLSearchParams | undefined {
  const type = event.headers?.['content-type'] ?? '';
  if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(type)) return undefined;
  const body = rawBody(event);
  if (Buffer.byteLength(body) > MAX_FORM_BYTES) return undefined;
  return new URLSearchParams(body);
}

/** The value of one cookie from API Gateway's `cookies` list, if it matches `shape`. */
export function cookieValue(event: APIGatewayProxyEventV2, name: string, shape: RegExp): string | undefined {
  for (const cookie of event.cookies ?? []) {
    const separator = cookie.indexOf('=');
    if (separator <= 0 || cookie.slice(0, separator).trim() !== name) continue;
    const value = cookie.slice(separator + 1).trim();
    if (shape.test(value)) return value;
  }
  return undefined;
}
