import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { sessionCookie, sessionIdFrom } from '../../functions/form/session-cookie.js';

const request = (headers: Record<string, string>, cookies?: string[]) =>
  ({ headers, cookies, requestContext: { domainName: headers.host ?? 'example.org' } }) as unknown as APIGatewayProxyEventV2;
const ID = 'a'.repeat(43);

describe('the referral form session cookie', () => {
  it('is HttpOnly, SameSite=Strict and Secure when the request came over https, as API Gateway always says', () => {
    const cookie = sessionCookie(ID, request({ host: 'abc123.execute-api.eu-west-2.amazonaws.com', 'x-forwarded-proto': 'https' }), 3600);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    expect(cookie).toMatch(/; Secure$/);
  });

  it('stays Secure over https even to localhost, and over plain http to any other host', () => {
    expect(sessionCookie(ID, request({ host: 'localhost:3000', 'x-forwarded-proto': 'https' }), 3600)).toMatch(/; Secure/);
    expect(sessionCookie(ID, request({ host: 'referrals.example.org', 'x-forwarded-proto': 'http' }), 3600)).toMatch(/; Secure/);
    expect(sessionCookie(ID, request({ host: 'referrals.example.org' }), 3600)).toMatch(/; Secure/);
  });

  it('leaves out Secure only for plain http to this machine, where a browser would drop a Secure cookie', () => {
    for (const host of ['localhost:3000', '127.0.0.1:41234']) {
      const cookie = sessionCookie(ID, request({ host }), 3600);
      expect(cookie).not.toMatch(/Secure/);
      expect(cookie).toMatch(/; HttpOnly; SameSite=Strict/);
    }
  });

  it('reads back only a well-formed session id', () => {
    expect(sessionIdFrom(request({}, [`referral-form=${ID}`]))).toBe(ID);
    expect(sessionIdFrom(request({}, ['referral-form=../../etc']))).toBeUndefined();
    expect(sessionIdFrom(request({}, ['other=1']))).toBeUndefined();
  });
});
