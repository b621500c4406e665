import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { FormSession } from '../../functions/adapters/form-session-store.js';
import type { Answers } from '../../functions/form/questions.js';
import type { FormRequest } from '../../functions/form/request.js';
import { formAnswers } from './form-visitor.js';

export const NOW = new Date('2026-11-18T10:00:00Z');
/** The shape `newSecret()` makes, so the cookie is read as a session id. */
export const SESSION_ID = 'S'.repeat(43);
export const CSRF = 'form-token-of-this-session';
export const END_SESSION = 'referral-form=; Path=/refer; Max-Age=0; HttpOnly; SameSite=Strict; Secure';

/** One request to a form page, as a route function receives it from the dispatcher. */
export function formRequest(pageId: string, options: { method?: 'GET' | 'POST'; cookie?: string; form?: Record<string, string | string[]> } = {}): FormRequest {
  const method = options.method ?? (options.form ? 'POST' : 'GET');
  let body: string | undefined;
  if (options.form) {
    const fields = new URLSearchParams();
    for (const [name, value] of Object.entries(options.form)) for (const v of [value].flat()) fields.append(name, v);
    body = fields.toString();
  }
  const event = {
    version: '2.0', routeKey: `${method} /refer/{page}`, rawPath: `/refer/${pageId}`, rawQueryString: '', isBase64Encoded: false,
    headers: { host: 'example.org', 'x-forwarded-proto': 'https', ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }) },
    cookies: options.cookie === undefined ? undefined : [`referral-form=${options.cookie}`], body, pathParameters: { page: pageId },
    requestContext: { domainName: 'example.org', routeKey: `${method} /refer/{page}`, http: { method, path: `/refer/${pageId}`, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'test' } },
  } as unknown as APIGatewayProxyEventV2;
  return { event, now: NOW, pageId, endSession: [END_SESSION] };
}

/** Every page answered as a victim in `postcode` would, plus `change`. */
export function completeAnswers(change: Answers = {}, postcode = 'L1 8JQ'): Answers {
  const answers: Answers = {};
  for (const [, fields] of formAnswers({ firstName: 'Ceri', lastName: 'Penhallow', postcode })) Object.assign(answers, fields);
  return { ...answers, ...change };
}

export const aSession = (session: Partial<FormSession> = {}): FormSession => ({ id: SESSION_ID, csrf: CSRF, answers: {}, ...session });

/** A page's words as a person reads them: tags gone, spaces collapsed. */
export const wordsOf = (html: unknown) => String(html).replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
