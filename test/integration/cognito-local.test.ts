import { createPrivateKey, sign } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  CodeMismatchException, CognitoIdentityProviderClient, CreateUserPoolClientCommand, DescribeUserPoolCommand, InitiateAuthCommand,
  ListGroupsCommand, RespondToAuthChallengeCommand, SetUserPoolMfaConfigCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, APIGatewayRequestAuthorizerEventV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import { savedTotpSecrets, seedSignIn, signIn, startCognitoLocal, type RunningCognito, type SeededSignIn, type SeededUser } from '../../local/cognito-local.js';
import { totpCode } from '../../local/totp.js';
import { freePort } from '../support/local-cloud-process.js';
import { authorizerContext, authorizerRequest } from '../support/authorizer-request.js';

const GROUPS = ['mdvs', 'victim-care', 'housing-support', 'coordinator-merseyside', 'commissioner-merseyside'];
// Made-up staff for a made-up service; the passwords only ever exist on this machine.
const CASEWORKER: SeededUser = { username: 'vc.caseworker', email: 'caseworker@victim-care.referrals.example', password: 'Local-only-Caseworker-1!', groups: ['victim-care'] };
const COMMISSIONER: SeededUser = { username: 'pcc.analyst', email: 'analyst@pcc.referrals.example', password: 'Local-only-Analyst-1!', groups: ['commissioner-merseyside'] };

type Answer = { isAuthorized: boolean; context?: Record<string, string> };
type Handler = (event: APIGatewayRequestAuthorizerEventV2, context: Context) => Promise<Answer>;

const dataDir = mkdtempSync(path.join(tmpdir(), 'referral-cognito-'));
let port: number;
let cognito: RunningCognito | undefined;
let seeded: SeededSignIn;
let handler: Handler;
let refusals: MockInstance;
let portalSignIn: typeof import('../../functions/adapters/cognito-sign-in.js');
// Only Cognito runs here, no table: no sign-in of these tests was ended, and revocation is checked
// against the real table in agency-access.test.ts.
vi.mock('../../functions/adapters/revoked-tokens.js', async (original) => ({
  ...await original<typeof import('../../functions/adapters/revoked-tokens.js')>(), isRevoked: async () => false,
}));

const startedPids: number[] = [];
const environmentBefore = { ...process.env };

async function start(): Promise<RunningCognito> {
  const running = await startCognitoLocal({ port, dataDir, log: () => undefined });
  startedPids.push(running.process.pid!);
  return running;
}

const seed = (endpoint: string) => seedSignIn({ endpoint, dataDir, groups: GROUPS, users: [CASEWORKER, COMMISSIONER] });

/** Signs in with the password and the code the user's authenticator app would show. */
const signInAs = (user: SeededUser, clientId = seeded.clientId) =>
  signIn({ endpoint: cognito!.endpoint, clientId, ...user, totpSecret: seeded.totpSecrets[user.username] });

const admin = () => new CognitoIdentityProviderClient({ endpoint: cognito!.endpoint, region: 'eu-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });

/** A six-digit code that is not the user's at any step the emulator would accept (the one before, now, the one after). */
function wrongCodeFor(secret: string): string {
  const good = [-30_000, 0, 30_000].map((offset) => totpCode(secret, new Date(Date.now() + offset)));
  return ['000000', '111111', '222222', '333333'].find((code) => !good.includes(code))!;
}

const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;


const context = authorizerContext;
const request = authorizerRequest;

const withBearer = (token: string) => handler(request({ authorization: `Bearer ${token}` }), context);

/** Every process running cognito-local's start script from our data folder. */
function emulatorsInDataDir(): number[] {
  return readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).map(Number).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('cognito-local') && readlinkSync(`/proc/${pid}/cwd`) === dataDir;
    } catch {
      return false;
    }
  });
}

beforeAll(async () => {
  port = await freePort();
  cognito = await start();
  seeded = await seed(cognito.endpoint);
  // The authorizer is configured exactly as in AWS, by these three variables and nothing else; the
  // portal's sign-in adapter by the client id and the endpoint variable the SDK reads.
  Object.assign(process.env, {
    JWT_ISSUER: seeded.issuer, JWKS_URI: seeded.jwksUri, USER_POOL_CLIENT_ID: seeded.clientId,
    AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: cognito.endpoint, AWS_REGION: 'eu-west-2',
    AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local',
    POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  vi.resetModules();
  handler = await staffTokenAsAnswer();
  portalSignIn = await import('../../functions/adapters/cognito-sign-in.js');
  refusals = vi.spyOn((await import('../../functions/platform/observability.js')).logger, 'warn');
});

/**
 * The agency routes' token check (functions/http/staff-token.ts) in front of a route that answers with
 * the caller it was handed, its answer read back as allowed (with that caller) or refused.
 */
async function staffTokenAsAnswer(): Promise<Handler> {
  const { default: middy } = await import('@middy/core');
  const { staffToken } = await import('../../functions/http/staff-token.js');
  const { httpDefaults } = await import('../../functions/http/http-defaults.js');
  const { callerFrom } = await import('../../functions/http/caller.js');
  const { json } = await import('../../functions/http/responses.js');
  const route = middy(async (event: APIGatewayProxyEventV2) => json(200, callerFrom(event))).use(httpDefaults()).use(staffToken());
  return async (event, lambdaContext) => {
    const result = await route(event as unknown as APIGatewayProxyEventV2, lambdaContext) as APIGatewayProxyStructuredResultV2;
    if (result.statusCode !== 200) {
      expect(result.statusCode).toBe(401);
      return { isAuthorized: false };
    }
    const caller = JSON.parse(String(result.body)) as { userId: string; username: string; groups: string[] };
    return { isAuthorized: true, context: { userId: caller.userId, username: caller.username, groups: caller.groups.join(',') } };
  };
}

/** Refused, and for the reason given: not by accident of some other check. */
async function expectRefused(authorize: () => Promise<Answer>, reason: string) {
  refusals.mockClear();
  expect(await authorize()).toEqual({ isAuthorized: false });
  expect(refusals).toHaveBeenCalledWith('Request refused', { reason });
}

afterAll(async () => {
  await cognito?.stop();
  process.env = environmentBefore;
  rmSync(dataDir, { recursive: true, force: true });
});

describe('signing in against the local Cognito emulator', () => {
  it('issues access tokens whose issuer and key set are the ones seeding reported', async () => {
    const { accessToken } = await signInAs(CASEWORKER);
    expect(claimsOf(accessToken)).toMatchObject({ iss: seeded.issuer, token_use: 'access', client_id: seeded.clientId, username: 'vc.caseworker' });
    const keys = await (await fetch(seeded.jwksUri)).json() as { keys: { kid: string }[] };
    expect(keys.keys.map((k) => k.kid)).toEqual([(JSON.parse(Buffer.from(accessToken.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid]);
  });

  it("lets a caseworker's access token through, with their team as their group", async () => {
    const { accessToken } = await signInAs(CASEWORKER);
    expect(await withBearer(accessToken)).toEqual({
      isAuthorized: true,
      context: { userId: claimsOf(accessToken).sub, username: 'vc.caseworker', groups: 'victim-care' },
    });
  });

  it("lets a commissioner's access token through with the commissioner group only", async () => {
    const { accessToken } = await signInAs(COMMISSIONER);
    const answer = await withBearer(accessToken);
    expect(answer.isAuthorized).toBe(true);
    expect(answer.context?.groups).toBe('commissioner-merseyside');
  });

  it('takes the access token from the Authorization header only, never from a cookie', async () => {
    // The portal keeps tokens server-side behind an opaque session cookie (functions/api/authorize-request.ts).
    const { accessToken } = await signInAs(CASEWORKER);
    await expectRefused(() => handler(request({ cookies: ['consent=yes', `__Host-session=${accessToken}`] }), context), 'missing');
  });

  it('refuses the id token that comes with it', async () => {
    const { idToken } = await signInAs(CASEWORKER);
    await expectRefused(() => withBearer(idToken), 'token-use');
  });

  it('refuses a token whose groups were edited after it was issued', async () => {
    const { accessToken } = await signInAs(CASEWORKER);
    const [header, payload, signature] = accessToken.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const promoted = Buffer.from(JSON.stringify({ ...claims, 'cognito:groups': ['victim-care', 'mdvs'] })).toString('base64url');
    await expectRefused(() => withBearer(`${header}.${promoted}.${signature}`), 'signature');
  });

  it('refuses an expired token, even one signed with the key the pool really uses', async () => {
    // The emulator signs with a key pair published in its npm package: tokens can be minted at will,
    // which is why an authorizer in AWS must never be pointed at it.
    const require = createRequire(import.meta.url);
    const { pem } = require('cognito-local/lib/keys/cognitoLocal.private.json') as { pem: string };
    const { accessToken } = await signInAs(CASEWORKER);
    const nowSeconds = Math.floor(Date.now() / 1000);
    const expired = { ...claimsOf(accessToken), iat: nowSeconds - 7200, auth_time: nowSeconds - 7200, exp: nowSeconds - 3600 };
    const signingInput = `${accessToken.split('.')[0]}.${Buffer.from(JSON.stringify(expired)).toString('base64url')}`;
    const signature = sign('sha256', Buffer.from(signingInput), createPrivateKey(pem)).toString('base64url');
    await expectRefused(() => withBearer(`${signingInput}.${signature}`), 'expired');
  });

  it('refuses a request with no token, or with rubbish where the token should be', async () => {
    await expectRefused(() => handler(request({}), context), 'missing');
    await expectRefused(() => handler(request({ cookies: ['__Host-session='] }), context), 'missing');
    await expectRefused(() => withBearer('eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'), 'malformed');
  });

  it('refuses a token the same pool issued to another app client', async () => {
    const pool = admin();
    const { UserPoolClient } = await pool.send(new CreateUserPoolClientCommand({
      UserPoolId: seeded.userPoolId, ClientName: 'some-other-app', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH'],
    }));
    pool.destroy();
    const { accessToken } = await signInAs(CASEWORKER, UserPoolClient!.ClientId!);
    expect(claimsOf(accessToken).iss).toBe(seeded.issuer);
    await expectRefused(() => withBearer(accessToken), 'client');
  });
});

describe('the authenticator code every seeded user is asked for', () => {
  it('gives a password alone no tokens, only the SOFTWARE_TOKEN_MFA challenge', async () => {
    const pool = admin();
    const answer = await pool.send(new InitiateAuthCommand({
      AuthFlow: 'USER_PASSWORD_AUTH', ClientId: seeded.clientId, AuthParameters: { USERNAME: CASEWORKER.username, PASSWORD: CASEWORKER.password },
    }));
    pool.destroy();
    expect(answer).toMatchObject({ ChallengeName: 'SOFTWARE_TOKEN_MFA', ChallengeParameters: { USER_ID_FOR_SRP: CASEWORKER.username } });
    expect(answer.Session).toEqual(expect.any(String));
    expect(answer.AuthenticationResult).toBeUndefined();
    await expect(signIn({ endpoint: cognito!.endpoint, clientId: seeded.clientId, ...CASEWORKER })).rejects.toThrow(/SOFTWARE_TOKEN_MFA/);
  });

  it('keeps each secret in sign-in.json beside the pool ids, a different one for each user', () => {
    expect(savedTotpSecrets(dataDir)).toEqual(seeded.totpSecrets);
    expect(Object.keys(seeded.totpSecrets).sort()).toEqual([CASEWORKER.username, COMMISSIONER.username].sort());
    expect(seeded.totpSecrets[CASEWORKER.username]).toMatch(/^[A-Z2-7]{16,}$/);
    expect(seeded.totpSecrets[CASEWORKER.username]).not.toBe(seeded.totpSecrets[COMMISSIONER.username]);
  });

  it('refuses a wrong code, and a code from another user\'s authenticator', async () => {
    const pool = admin();
    const challenge = async () => (await pool.send(new InitiateAuthCommand({
      AuthFlow: 'USER_PASSWORD_AUTH', ClientId: seeded.clientId, AuthParameters: { USERNAME: CASEWORKER.username, PASSWORD: CASEWORKER.password },
    }))).Session;
    const answer = async (code: string) => pool.send(new RespondToAuthChallengeCommand({
      ClientId: seeded.clientId, ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: await challenge(),
      ChallengeResponses: { USERNAME: CASEWORKER.username, SOFTWARE_TOKEN_MFA_CODE: code },
    }));
    const caseworkerSecret = seeded.totpSecrets[CASEWORKER.username]!;
    await expect(answer(wrongCodeFor(caseworkerSecret))).rejects.toBeInstanceOf(CodeMismatchException);
    const commissionersCode = totpCode(seeded.totpSecrets[COMMISSIONER.username]!);
    const caseworkersCodes = [-30_000, 0, 30_000].map((offset) => totpCode(caseworkerSecret, new Date(Date.now() + offset)));
    // Skipped in the one-in-a-few-hundred-thousand case where the two codes happen to agree.
    if (!caseworkersCodes.includes(commissionersCode)) await expect(answer(commissionersCode)).rejects.toBeInstanceOf(CodeMismatchException);
    pool.destroy();
  });

  it("gives tokens for the right code, whose access token the authorizer accepts", async () => {
    const { accessToken, refreshToken } = await signInAs(CASEWORKER);
    expect(refreshToken).toEqual(expect.any(String));
    expect(await withBearer(accessToken)).toMatchObject({ isAuthorized: true, context: { username: 'vc.caseworker', groups: 'victim-care' } });
  });
});

describe("the portal's sign-in adapter against the emulator", () => {
  it('asks for the code after the password, refuses a wrong one and signs in with the right one', async () => {
    const step = await portalSignIn.startSignIn(CASEWORKER.username, CASEWORKER.password);
    expect(step).toEqual({ kind: 'mfa', session: expect.any(String), username: CASEWORKER.username });
    if (step.kind !== 'mfa') return;
    const secret = seeded.totpSecrets[CASEWORKER.username]!;
    expect(await portalSignIn.answerMfa(step.session, step.username, wrongCodeFor(secret))).toEqual({ kind: 'refused', reason: 'code' });

    const signedIn = await portalSignIn.answerMfa(step.session, step.username, totpCode(secret));
    expect(signedIn).toMatchObject({ kind: 'signed-in', tokens: { accessToken: expect.any(String), refreshToken: expect.any(String) } });
    if (signedIn.kind !== 'signed-in') return;
    // The emulator gives no ExpiresIn: the adapter reads it from the token, an hour as the app client says.
    expect(signedIn.tokens.expiresIn).toBeGreaterThan(3500);
    expect(signedIn.tokens.expiresIn).toBeLessThanOrEqual(3600);
    expect(await withBearer(signedIn.tokens.accessToken)).toMatchObject({ isAuthorized: true, context: { groups: 'victim-care' } });
    // Signing out never fails the portal: the emulator refuses to revoke a token it did not keep.
    await expect(portalSignIn.signOut(signedIn.tokens.refreshToken!)).resolves.toBeUndefined();
  });

  it('refuses a wrong password and an unknown user alike', async () => {
    expect(await portalSignIn.startSignIn(CASEWORKER.username, 'Not-the-password-1!')).toEqual({ kind: 'refused', reason: 'credentials' });
    expect(await portalSignIn.startSignIn('nobody.at.all', CASEWORKER.password)).toEqual({ kind: 'refused', reason: 'credentials' });
  });

  it('cannot refresh locally: the emulator has no GetTokensFromRefreshToken (the only refresh a rotating AWS client allows)', async () => {
    const { refreshToken } = await signInAs(CASEWORKER);
    await expect(portalSignIn.refreshTokens(refreshToken)).rejects.toThrow(/unsupported/i);
  });
});

describe('restarting the emulator on the same data folder', () => {
  it('finds the same pool, client, groups and users, and earlier sessions still verify', async () => {
    const before = await signInAs(CASEWORKER);
    expect(await seed(cognito!.endpoint)).toEqual(seeded);

    await cognito!.stop();
    cognito = await start();
    const again = await seed(cognito.endpoint);
    expect(again).toEqual(seeded);

    const pool = admin();
    const { Groups = [] } = await pool.send(new ListGroupsCommand({ UserPoolId: seeded.userPoolId }));
    pool.destroy();
    expect(Groups.map((g) => g.GroupName).sort()).toEqual([...GROUPS].sort());

    // The same secrets still answer the challenge: an authenticator app set up before works after.
    expect(again.totpSecrets).toEqual(seeded.totpSecrets);
    const after = await signInAs(CASEWORKER);
    expect(claimsOf(after.accessToken).sub).toBe(claimsOf(before.accessToken).sub);
    expect((await withBearer(after.accessToken)).context?.groups).toBe('victim-care');
    expect((await withBearer(before.accessToken)).isAuthorized).toBe(true);
  });

  it('turns MFA on in a pool that had it off, and sets up again an authenticator whose secret was lost', async () => {
    const pool = admin();
    await pool.send(new SetUserPoolMfaConfigCommand({ UserPoolId: seeded.userPoolId, MfaConfiguration: 'OFF' }));
    const state = JSON.parse(readFileSync(path.join(dataDir, 'sign-in.json'), 'utf8')) as { totpSecrets: Record<string, string> };
    delete state.totpSecrets[COMMISSIONER.username];
    writeFileSync(path.join(dataDir, 'sign-in.json'), JSON.stringify(state));

    const again = await seed(cognito!.endpoint);
    expect((await pool.send(new DescribeUserPoolCommand({ UserPoolId: seeded.userPoolId }))).UserPool?.MfaConfiguration).toBe('OPTIONAL');
    pool.destroy();
    expect(again.totpSecrets[CASEWORKER.username]).toBe(seeded.totpSecrets[CASEWORKER.username]);
    expect(again.totpSecrets[COMMISSIONER.username]).not.toBe(seeded.totpSecrets[COMMISSIONER.username]);
    seeded = again;

    await expect(signIn({ endpoint: cognito!.endpoint, clientId: seeded.clientId, ...COMMISSIONER })).rejects.toThrow(/SOFTWARE_TOKEN_MFA/);
    expect((await withBearer((await signInAs(COMMISSIONER)).accessToken)).context?.groups).toBe('commissioner-merseyside');
  });
});

describe('stopping the emulator', () => {
  it('leaves no cognito-local process behind', async () => {
    expect(emulatorsInDataDir()).toHaveLength(1);
    await cognito!.stop();
    expect(cognito!.process.exitCode !== null || cognito!.process.signalCode !== null).toBe(true);
    expect(emulatorsInDataDir()).toEqual([]);
    for (const pid of startedPids) expect(() => process.kill(pid, 0), `pid ${pid}`).toThrow();
  });
});
