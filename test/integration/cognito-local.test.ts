import { createPrivateKey, sign } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CognitoIdentityProviderClient, CreateUserPoolClientCommand, ListGroupsCommand } from '@aws-sdk/client-cognito-identity-provider';
import type { APIGatewayRequestAuthorizerEventV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import { seedSignIn, signIn, startCognitoLocal, type RunningCognito, type SeededSignIn, type SeededUser } from '../../local/cognito-local.js';
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
const startedPids: number[] = [];
const environmentBefore = { ...process.env };

async function start(): Promise<RunningCognito> {
  const running = await startCognitoLocal({ port, dataDir, log: () => undefined });
  startedPids.push(running.process.pid!);
  return running;
}

const seed = (endpoint: string) => seedSignIn({ endpoint, dataDir, groups: GROUPS, users: [CASEWORKER, COMMISSIONER] });

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
  // The authorizer is configured exactly as in AWS, by these three variables and nothing else.
  Object.assign(process.env, {
    JWT_ISSUER: seeded.issuer, JWKS_URI: seeded.jwksUri, USER_POOL_CLIENT_ID: seeded.clientId,
    POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  vi.resetModules();
  handler = (await import('../../functions/authorize-request.js')).handler as unknown as Handler;
  refusals = vi.spyOn((await import('../../functions/observability.js')).logger, 'warn');
});

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
    const { accessToken } = await signIn({ endpoint: cognito!.endpoint, clientId: seeded.clientId, ...CASEWORKER });
    expect(claimsOf(accessToken)).toMatchObject({ iss: seeded.issuer, token_use: 'access', client_id: seeded.clientId, username: 'vc.caseworker' });
    const keys = await (await fetch(seeded.jwksUri)).json() as { keys: { kid: string }[] };
    expect(keys.keys.map((k) => k.kid)).toEqual([(JSON.parse(Buffer.from(accessToken.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid]);
  });

  it("lets a caseworker's access token through, with their team as their group", async () => {
    const { accessToken } = await signIn({ endpoint: cognito!.endpoint, clientId: seeded.clientId, ...CASEWORKER });
    expect(await withBearer(accessToken)).toEqual({
      isAuthorized: true,
      context: { userId: claimsOf(accessToken).sub, username: 'vc.caseworker', groups: 'victim-care' },
    });
  });

  it("lets a commissioner's access token through with the commissioner group only", async () => {
    const { accessToken } = await signIn({ endpoint: cognito!.endpoint, clientId: seeded.clientId, ...COMMISSIONER });
    const answer = await withBearer(accessToken);
    expect(answer.isAuthorized).toBe(true);
    expect(answer.context?.groups).toBe('commissioner-merseyside');
  });

  it('accepts the access token from the session cookie', async () => {
    const { accessToken } = await signIn({ endpoint: cognito!.endpoint, clientId: seeded.clientId, ...CASEWORKER });
    const answer = await handler(request({ cookies: ['consent=yes', `__Host-session=${accessToken}`] }), context);
    expect(answer).toMatchObject({ isAuthorized: true, context: { groups: 'victim-care' } });
  });

  it('refuses the id token that comes with it', async () => {
    const { idToken } = await signIn({ endpoint: cognito!.endpoint, clientId: seeded.clientId, ...CASEWORKER });
    await expectRefused(() => withBearer(idToken), 'token-use');
  });

  it('refuses a token whose groups were edited after it was issued', async () => {
    const { accessToken } = await signIn({ endpoint: cognito!.endpoint, clientId: seeded.clientId, ...CASEWORKER });
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
    const { accessToken } = await signIn({ endpoint: cognito!.endpoint, clientId: seeded.clientId, ...CASEWORKER });
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
    const admin = new CognitoIdentityProviderClient({ endpoint: cognito!.endpoint, region: 'eu-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const { UserPoolClient } = await admin.send(new CreateUserPoolClientCommand({
      UserPoolId: seeded.userPoolId, ClientName: 'some-other-app', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH'],
    }));
    admin.destroy();
    const { accessToken } = await signIn({ endpoint: cognito!.endpoint, clientId: UserPoolClient!.ClientId!, ...CASEWORKER });
    expect(claimsOf(accessToken).iss).toBe(seeded.issuer);
    await expectRefused(() => withBearer(accessToken), 'client');
  });
});

describe('restarting the emulator on the same data folder', () => {
  it('finds the same pool, client, groups and users, and earlier sessions still verify', async () => {
    const before = await signIn({ endpoint: cognito!.endpoint, clientId: seeded.clientId, ...CASEWORKER });
    expect(await seed(cognito!.endpoint)).toEqual(seeded);

    await cognito!.stop();
    cognito = await start();
    const again = await seed(cognito.endpoint);
    expect(again).toEqual(seeded);

    const admin = new CognitoIdentityProviderClient({ endpoint: cognito.endpoint, region: 'eu-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const { Groups = [] } = await admin.send(new ListGroupsCommand({ UserPoolId: seeded.userPoolId }));
    admin.destroy();
    expect(Groups.map((g) => g.GroupName).sort()).toEqual([...GROUPS].sort());

    const after = await signIn({ endpoint: cognito.endpoint, clientId: seeded.clientId, ...CASEWORKER });
    expect(claimsOf(after.accessToken).sub).toBe(claimsOf(before.accessToken).sub);
    expect((await withBearer(after.accessToken)).context?.groups).toBe('victim-care');
    expect((await withBearer(before.accessToken)).isAuthorized).toBe(true);
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
