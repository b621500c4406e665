import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, APIGatewayRequestAuthorizerEventV2, Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import { authorizerContext, authorizerRequest } from '../support/authorizer-request.js';

const ISSUER = 'https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_Test0Pool';
const JWKS_URI = `${ISSUER}/.well-known/jwks.json`;
const CLIENT_ID = '4portalclient0000000000000';
const KEY_ID = 'pool-key-1';

const poolKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
const strangerKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwks = { keys: [{ ...poolKey.publicKey.export({ format: 'jwk' }), kid: KEY_ID, alg: 'RS256', use: 'sig' }] };

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function token(claims: Record<string, unknown>, options: { key?: KeyObject; kid?: string } = {}): string {
  const signingInput = `${b64({ alg: 'RS256', kid: options.kid ?? KEY_ID })}.${b64(claims)}`;
  return `${signingInput}.${sign('sha256', Buffer.from(signingInput), options.key ?? poolKey.privateKey).toString('base64url')}`;
}

const now = () => Math.floor(Date.now() / 1000);

/** The claims of a Cognito access token for a victim care caseworker. */
function accessClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sub: '7d4c5a1e-2f1b-4c8e-9a51-0c3e2b1d9f10', 'cognito:groups': ['victim-care'], iss: ISSUER, client_id: CLIENT_ID,
    origin_jti: 'o-1', event_id: 'e-1', token_use: 'access', scope: 'aws.cognito.signin.user.admin',
    auth_time: now(), exp: now() + 3600, iat: now(), jti: 'j-1', username: 'vc.caseworker',
    ...overrides,
  };
}


const context = authorizerContext;
const request = authorizerRequest;

type Answer = { status: number; body: Record<string, unknown>; headers: Record<string, string> };
type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

// The sign-ins ended by sign-out are in the table: here, a set the tests fill.
const revokedSignIns = vi.hoisted(() => new Set<string>());
const revocationLookup = vi.hoisted(() => ({ failing: false, answerAfter: undefined as Promise<void> | undefined }));
vi.mock('../../functions/adapters/revoked-tokens.js', async (original) => ({
  ...await original<typeof import('../../functions/adapters/revoked-tokens.js')>(),
  isRevoked: async (signInId: string) => {
    await revocationLookup.answerAfter;
    if (revocationLookup.failing) throw Object.assign(new Error('connect ECONNREFUSED'), { name: 'TimeoutError' });
    return revokedSignIns.has(signInId);
  },
}));

const jwksAnswer = vi.fn(async () => new Response(JSON.stringify(jwks), { status: 200 }));
let handler: Handler;
let warn: MockInstance;
let error: MockInstance;
let logged: MockInstance[] = [];

/**
 * A fresh module: its verifier, and its cached key set, are made at module scope. The route answers with
 * the caller it was handed, as an agency route reads it.
 */
async function loadAuthorizer() {
  vi.resetModules();
  const { staffToken } = await import('../../functions/http/staff-token.js');
  const { httpDefaults } = await import('../../functions/http/http-defaults.js');
  const { callerFrom } = await import('../../functions/http/caller.js');
  const { json } = await import('../../functions/http/responses.js');
  const { logger } = await import('../../functions/platform/observability.js');
  handler = middy(async (event: APIGatewayProxyEventV2) => json(200, callerFrom(event))).use(httpDefaults()).use(staffToken()) as unknown as Handler;
  warn = vi.spyOn(logger, 'warn');
  error = vi.spyOn(logger, 'error');
  logged = [warn, error, vi.spyOn(logger, 'info'), vi.spyOn(logger, 'debug'), vi.spyOn(logger, 'critical')];
}

async function authorize(event: APIGatewayRequestAuthorizerEventV2): Promise<Answer> {
  const result = await handler(event as unknown as APIGatewayProxyEventV2, context);
  return { status: result.statusCode!, body: JSON.parse(String(result.body)) as Record<string, unknown>, headers: result.headers as Record<string, string> };
}

const environmentBefore = { ...process.env };

beforeAll(async () => {
  Object.assign(process.env, {
    JWT_ISSUER: ISSUER, JWKS_URI, USER_POOL_CLIENT_ID: CLIENT_ID, POWERTOOLS_METRICS_DISABLED: 'true', AWS_REGION: 'eu-west-2',
    // The spies still see every call; nothing is printed.
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  vi.stubGlobal('fetch', jwksAnswer);
  await loadAuthorizer();
});

afterEach(() => logged.forEach((spy) => spy.mockClear()));

afterAll(() => {
  vi.unstubAllGlobals();
  process.env = environmentBefore;
});

describe('a signed-in request', () => {
  it('goes through with the caller id, username and groups for the route', async () => {
    const answer = await authorize(request({ authorization: `Bearer ${token(accessClaims({ 'cognito:groups': ['mdvs', 'housing-support'] }))}` }));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ userId: '7d4c5a1e-2f1b-4c8e-9a51-0c3e2b1d9f10', username: 'vc.caseworker', groups: ['mdvs', 'housing-support'] });
    expect(jwksAnswer).toHaveBeenCalledWith(JWKS_URI, expect.anything());
  });

  it('goes through with no groups for a user in none', async () => {
    const { 'cognito:groups': _groups, ...claims } = accessClaims();
    const answer = await authorize(request({ authorization: `Bearer ${token(claims)}` }));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ groups: [] });
  });

  it('is refused with 401 once its sign-in was ended by sign-out, and every token refreshed from it too', async () => {
    revokedSignIns.add('o-2');
    try {
      for (const claims of [accessClaims({ origin_jti: 'o-2' }), accessClaims({ origin_jti: 'o-2', jti: 'j-refreshed' })]) {
        const answer = await authorize(request({ authorization: `Bearer ${token(claims)}` }));
        expect(answer.status).toBe(401);
        expect(answer.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
        expect(JSON.stringify(answer.body)).toMatch(/revoked when you signed out/);
      }
      // A pool that gives no origin: the token's own id is what sign-out ended.
      revokedSignIns.add('j-alone');
      const { origin_jti: _origin, ...withoutOrigin } = accessClaims({ jti: 'j-alone' });
      expect((await authorize(request({ authorization: `Bearer ${token(withoutOrigin)}` }))).status).toBe(401);
      expect(warn).toHaveBeenCalledWith('Request refused', { reason: 'revoked' });
    } finally {
      revokedSignIns.clear();
    }
  });

  it('answers 503 when whether it was revoked cannot be read: the token may be fine, so try again', async () => {
    revocationLookup.failing = true;
    try {
      const answer = await authorize(request({ authorization: `Bearer ${token(accessClaims())}` }));
      expect(answer.status).toBe(503);
      expect(answer.headers['retry-after']).toBe('30');
    } finally {
      revocationLookup.failing = false;
    }
  });

});

describe('a request that is refused', () => {
  const refusedFor = async (event: APIGatewayRequestAuthorizerEventV2, reason: string) => {
    const answer = await authorize(event);
    // 401 for every kind of bad token (SPEC §8), with the RFC 6750 challenge.
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toBe(reason === 'missing' ? 'Bearer' : 'Bearer error="invalid_token"');
    expect(answer.body).toEqual({ errors: [{ path: 'headers.authorization', message: expect.any(String) }] });
    expect(warn).toHaveBeenCalledWith('Request refused', { reason });
  };
  const bearer = (value: string) => request({ authorization: `Bearer ${value}` });

  it('carries no token at all', async () => {
    await refusedFor(request(), 'missing');
    // A token in a cookie opens nothing: API routes take the Authorization header only, so a page on
    // another site cannot make a browser call the API with its credentials.
    await refusedFor(request({ cookies: ['session=abc', `__Host-session=${token(accessClaims())}`] }), 'missing');
  });

  it('sends something other than a bearer token', async () => {
    await refusedFor(request({ authorization: 'Basic dmMuY2FzZXdvcmtlcjpwYXNzd29yZA==' }), 'malformed');
    await refusedFor(bearer('not-a-jwt'), 'malformed');
  });


  it('carries an id token, which is signed by the same keys', async () => {
    const { client_id: _c, scope: _s, username: _u, ...base } = accessClaims();
    await refusedFor(bearer(token({ ...base, token_use: 'id', aud: CLIENT_ID, 'cognito:username': 'vc.caseworker' })), 'token-use');
  });

  it('carries a token issued to another app client', async () => {
    await refusedFor(bearer(token(accessClaims({ client_id: 'someotherclient0000000000' }))), 'client');
  });

  it('carries an expired token', async () => {
    await refusedFor(bearer(token(accessClaims({ iat: now() - 7200, exp: now() - 3600 }))), 'expired');
  });

  it('carries a token whose claims were changed after signing', async () => {
    const [header, , signature] = token(accessClaims()).split('.');
    const promoted = b64(accessClaims({ 'cognito:groups': ['victim-care', 'mdvs', 'coordinator-merseyside'] }));
    await refusedFor(bearer(`${header}.${promoted}.${signature}`), 'signature');
  });

  it("carries a token signed by someone else's key under our key id", async () => {
    await refusedFor(bearer(token(accessClaims(), { key: strangerKey.privateKey })), 'signature');
  });

  it('carries a token from another user pool', async () => {
    await refusedFor(bearer(token(accessClaims({ iss: 'https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_Other' }))), 'issuer');
  });

  it('carries a token signed with a key the pool does not have', async () => {
    await refusedFor(bearer(token(accessClaims(), { kid: 'retired-key' })), 'unknown-key');
  });

  it('never writes a token to the log', async () => {
    const secret = token(accessClaims({ exp: now() - 10 }));
    await authorize(bearer(secret));
    const output = JSON.stringify(logged.flatMap((spy) => spy.mock.calls));
    expect(output).toContain('Request refused');
    for (const part of secret.split('.')) expect(output).not.toContain(part);
  });
});

describe('a route that reads while the revocation is read', () => {
  /** A route that makes a change once the sign-in is confirmed, or (misbehaving) answers without waiting. */
  async function route(body: (event: APIGatewayProxyEventV2) => Promise<unknown>): Promise<Handler> {
    const { staffToken } = await import('../../functions/http/staff-token.js');
    const { httpDefaults } = await import('../../functions/http/http-defaults.js');
    const { json } = await import('../../functions/http/responses.js');
    return middy(async (event: APIGatewayProxyEventV2) => json(200, { done: await body(event) }))
      .use(httpDefaults()).use(staffToken({ revocation: 'read-alongside' })) as unknown as Handler;
  }
  const send = async (handler: Handler, claims = accessClaims()) => {
    const result = await handler(request({ authorization: `Bearer ${token(claims)}` }) as unknown as APIGatewayProxyEventV2, context);
    return { status: result.statusCode!, body: String(result.body) };
  };

  it('runs the handler before the revocation read has answered, and changes nothing until it has', async () => {
    const { signedIn } = await import('../../functions/http/staff-token.js');
    let answer = () => undefined as void;
    revocationLookup.answerAfter = new Promise<void>((resolve) => { answer = resolve; });
    const steps: string[] = [];
    try {
      const handler = await route(async (event) => {
        steps.push('read');
        await signedIn(event);
        steps.push('change');
        return true;
      });
      const sent = send(handler);
      await vi.waitFor(() => expect(steps).toEqual(['read']));
      answer();
      expect((await sent).status).toBe(200);
      expect(steps).toEqual(['read', 'change']);
    } finally {
      revocationLookup.answerAfter = undefined;
    }
  });

  it('refuses a revoked token with 401 before any change, also when the handler never asks or fails meanwhile', async () => {
    const { signedIn } = await import('../../functions/http/staff-token.js');
    revokedSignIns.add('o-3');
    try {
      const changes: string[] = [];
      const careful = await route(async (event) => { await signedIn(event); changes.push('moved'); });
      const careless = await route(async () => 'answered without asking');
      const failing = await route(async () => { throw Object.assign(new Error('not found'), { name: 'NotFound' }); });
      for (const handler of [careful, careless, failing]) {
        const answer = await send(handler, accessClaims({ origin_jti: 'o-3' }));
        expect(answer.status).toBe(401);
        expect(answer.body).toMatch(/revoked when you signed out/);
      }
      expect(changes).toEqual([]);
    } finally {
      revokedSignIns.clear();
    }
  });

  it('answers 503 when whether it was revoked cannot be read, and changes nothing', async () => {
    const { signedIn } = await import('../../functions/http/staff-token.js');
    revocationLookup.failing = true;
    try {
      const changes: string[] = [];
      const answer = await send(await route(async (event) => { await signedIn(event); changes.push('moved'); }));
      expect(answer.status).toBe(503);
      expect(changes).toEqual([]);
    } finally {
      revocationLookup.failing = false;
    }
  });
});

describe('when the key set cannot be fetched', () => {
  it('answers 503 with a time to retry, and logs it as an error someone should look at', async () => {
    jwksAnswer.mockImplementation(async () => new Response('busy', { status: 503 }));
    await loadAuthorizer();
    const answer = await authorize(request({ authorization: `Bearer ${token(accessClaims())}` }));
    expect(answer.status).toBe(503);
    expect(answer.headers['retry-after']).toBe('30');
    expect(answer.headers['www-authenticate']).toBeUndefined();
    expect(error).toHaveBeenCalledWith('Request refused: could not check its token', expect.objectContaining({ reason: 'keys-unavailable' }));
  });
});
