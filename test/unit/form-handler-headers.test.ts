import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { authorizerContext } from '../support/authorizer-request.js';

// The handler's only I/O is the table (and the workflow, not reached here): kept in memory.
const stored = vi.hoisted(() => {
  process.env.TABLE_NAME = 'referrals-test';
  process.env.STATE_MACHINE_ARN = 'arn:aws:states:eu-west-2:000000000000:stateMachine:test';
  return new Map<string, Record<string, unknown>>();
});
vi.mock('../../functions/adapters/aws-clients.js', () => ({
  documents: {
    send: async (command: { constructor: { name: string }; input: { Item?: Record<string, unknown>; Key?: Record<string, unknown> } }) => {
      const key = (k: Record<string, unknown>) => `${String(k.pk)}|${String(k.sk)}`;
      if (command.constructor.name === 'PutCommand') stored.set(key(command.input.Item!), command.input.Item!);
      if (command.constructor.name === 'GetCommand') return { Item: stored.get(key(command.input.Key!)) };
      return {};
    },
  },
  dynamodb: {}, sfn: {}, sesv2: {},
}));

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
let handler: Handler;
beforeAll(async () => {
  handler = (await import('../../functions/pages/victim-form.js')).handler as unknown as Handler;
});

const get = (path: string, headers: Record<string, string>, page?: string) => handler({
  version: '2.0', routeKey: `GET ${page ? '/refer/{page}' : '/refer'}`, rawPath: path, rawQueryString: '', headers,
  pathParameters: page ? { page } : undefined, isBase64Encoded: false,
  requestContext: {
    accountId: '0', apiId: 'api', domainName: headers.host ?? '', domainPrefix: 'api', requestId: 'r-1', routeKey: 'GET /refer/{page}',
    stage: '$default', time: '', timeEpoch: 0, http: { method: 'GET', path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'test' },
  },
} as APIGatewayProxyEventV2, authorizerContext);

describe('the victim form handler', () => {
  it('starts a session with an HttpOnly, SameSite=Strict, Secure cookie when the request came over https', async () => {
    const answer = await get('/refer/danger', { host: 'abc123.execute-api.eu-west-2.amazonaws.com', 'x-forwarded-proto': 'https' }, 'danger');
    expect(answer.statusCode).toBe(200);
    expect(answer.cookies).toHaveLength(1);
    expect(answer.cookies![0]).toMatch(/^referral-form=[A-Za-z0-9_-]{43}; Path=\/refer; Max-Age=3600; HttpOnly; SameSite=Strict; Secure$/);
    const id = /^referral-form=([^;]+)/.exec(answer.cookies![0]!)![1];
    const session = stored.get(`FORMSESSION#${id}|FORMSESSION`);
    expect(session?.expiresAt).toBeGreaterThan(Date.now() / 1000);
  });

  it('sends no-store, a strict CSP with a fresh nonce and no inline allowance, and the usual security headers', async () => {
    const first = await get('/refer', { host: 'example.org', 'x-forwarded-proto': 'https' });
    const second = await get('/refer', { host: 'example.org', 'x-forwarded-proto': 'https' });
    const headers = first.headers as Record<string, string>;
    expect(headers['cache-control']).toBe('no-store');
    expect(headers['content-security-policy']).toMatch(/^default-src 'self'; script-src 'self' 'nonce-[A-Za-z0-9+/=]+';/);
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(headers['content-security-policy']).not.toContain('unsafe');
    expect(headers['content-security-policy']).not.toBe((second.headers as Record<string, string>)['content-security-policy']);
    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers['referrer-policy']).toBe('no-referrer');
    expect(String(first.body)).toContain('govuk-exit-this-page');
  });
});

describe('the victim form handler refusing posts', () => {
  const post = (page: string, cookie: string | undefined, body: string) => handler({
    version: '2.0', routeKey: 'POST /refer/{page}', rawPath: `/refer/${page}`, rawQueryString: '',
    headers: { host: 'example.org', 'x-forwarded-proto': 'https', 'content-type': 'application/x-www-form-urlencoded' },
    cookies: cookie ? [cookie] : undefined, body, isBase64Encoded: false, pathParameters: { page },
    requestContext: {
      accountId: '0', apiId: 'api', domainName: 'example.org', domainPrefix: 'api', requestId: 'r-2', routeKey: 'POST /refer/{page}',
      stage: '$default', time: '', timeEpoch: 0, http: { method: 'POST', path: `/refer/${page}`, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'test' },
    },
  } as APIGatewayProxyEventV2, authorizerContext);

  async function aSession() {
    const answer = await get('/refer/danger', { host: 'example.org', 'x-forwarded-proto': 'https' }, 'danger');
    const cookie = answer.cookies![0]!.split(';')[0]!;
    const csrf = String(stored.get(`FORMSESSION#${cookie.split('=')[1]}|FORMSESSION`)!.csrf);
    return { cookie, csrf };
  }

  it('refuses an answer whose form token does not match the session, and keeps nothing of it', async () => {
    const { cookie } = await aSession();
    const answer = await post('name', cookie, 'csrf=guessed&victim.firstName=Perpetua');
    expect(answer.statusCode).toBe(400);
    expect(String(answer.body)).toContain('Your answers have been deleted');
    expect(JSON.stringify([...stored.values()])).not.toContain('Perpetua');
  });

  it('drops the session and stores no referral when the hidden honeypot field is filled in', async () => {
    const { cookie, csrf } = await aSession();
    const answer = await post('check', cookie, `csrf=${encodeURIComponent(csrf)}&website=${encodeURIComponent('http://spam.example')}`);
    expect(answer.statusCode).toBe(400);
    expect([...stored.keys()].some((key) => key.startsWith('REFERRAL#'))).toBe(false);
  });
});
