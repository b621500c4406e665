import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import {
  AdminAddUserToGroupCommand, AdminCreateUserCommand, AdminGetUserCommand, AdminListGroupsForUserCommand, AdminSetUserPasswordCommand,
  AssociateSoftwareTokenCommand, CodeMismatchException, CognitoIdentityProviderClient, CreateGroupCommand, CreateUserPoolClientCommand,
  CreateUserPoolCommand, DescribeUserPoolClientCommand, DescribeUserPoolCommand, InitiateAuthCommand, ListGroupsCommand,
  ListUsersCommand, ResourceNotFoundException, RespondToAuthChallengeCommand, SetUserMFAPreferenceCommand, SetUserPoolMfaConfigCommand,
  VerifySoftwareTokenCommand, type UserPoolMfaType,
} from '@aws-sdk/client-cognito-identity-provider';
import { guardedCommand } from './child-processes.js';
import { totpCode } from './totp.js';

const START_CEILING_S = 180;

/** The start script the npm package `cognito-local` ships. */
function cognitoLocalBin(): string {
  const packageDir = path.dirname(createRequire(import.meta.url).resolve('cognito-local/package.json'));
  return path.join(packageDir, 'lib', 'bin', 'start.js');
}

export interface RunningCognito {
  /** Also the issuer domain: tokens say `iss: <endpoint>/<userPoolId>`. */
  readonly endpoint: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

const ANSI_COLOUR = new RegExp(String.raw`\u001b\[[0-9;]*m`, 'g');

/**
 * cognito-local reads `.cognito/config.json` under its working directory. The issuer is pinned to the
 * address we call it on (it would otherwise be built from HOST and PORT separately), and pools get
 * usernames, not emails, as their user names, as the AWS pool does (its emulator default is email).
 */
function writeEmulatorConfig(dataDir: string, endpoint: string): void {
  const file = path.join(dataDir, '.cognito', 'config.json');
  mkdirSync(path.dirname(file), { recursive: true });
  const existing = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown> : {};
  writeFileSync(file, JSON.stringify({
    ...existing,
    UserPoolDefaults: { UsernameAttributes: [] },
    TokenConfig: { IssuerDomain: endpoint },
  }, null, 2));
}

/**
 * Starts the Cognito emulator with its data kept under `dataDir` (in `.cognito/`), and waits until it
 * answers. It dies with this process, however this process dies.
 */
export async function startCognitoLocal(options: { port: number; dataDir: string; log: (line: string) => void }): Promise<RunningCognito> {
  const endpoint = `http://127.0.0.1:${options.port}`;
  writeEmulatorConfig(options.dataDir, endpoint);
  // DEBUG makes the emulator log every stored user, passwords included: never pass it on.
  const { DEBUG: _debug, ...environment } = process.env;
  const [command, args] = guardedCommand(process.execPath, [cognitoLocalBin()]);
  const child = spawn(command, args, {
    cwd: options.dataDir,
    env: { ...environment, HOST: '127.0.0.1', PORT: String(options.port), AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const forward = (chunk: Buffer) => {
    for (const line of chunk.toString().replace(ANSI_COLOUR, '').split('\n')) if (line.trim()) options.log(line);
  };
  child.once('error', (error) => options.log(`could not start: ${error.message}`));
  child.stdout?.on('data', forward);
  child.stderr?.on('data', forward);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running = () => child.exitCode === null && child.signalCode === null;

  const stop = async () => {
    if (running()) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
  };

  // A ceiling for an emulator that hangs, not a measure of speed: on a machine busy with other work its
  // start may take minutes, and one that died is caught at once by the exit check.
  const deadline = Date.now() + START_CEILING_S * 1000;
  for (;;) {
    if (!running()) throw new Error(`cognito-local exited (${child.exitCode ?? child.signalCode}) before it answered; is port ${options.port} free?`);
    try {
      const response = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
      if (response.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`cognito-local did not answer within ${START_CEILING_S} s`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { endpoint, process: child, stop };
}

export interface SeededUser {
  readonly username: string;
  readonly email: string;
  readonly password: string;
  readonly groups: string[];
}

export interface SeededSignIn {
  readonly userPoolId: string;
  readonly clientId: string;
  /** The `iss` of this pool's tokens: the authorizer's JWT_ISSUER. */
  readonly issuer: string;
  /** The authorizer's JWKS_URI. */
  readonly jwksUri: string;
  /** Each seeded user's authenticator secret (base32), by username: what their authenticator app would hold. */
  readonly totpSecrets: Readonly<Record<string, string>>;
}

function cognitoClient(endpoint: string): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({
    endpoint,
    region: 'eu-west-2',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
}

/** Where the local cloud keeps the emulator's data, and ours about it, under its own data folder. */
export function cognitoDataDir(localDataDir: string): string {
  return path.join(localDataDir, 'cognito');
}

const STATE_FILE = 'sign-in.json';

/**
 * What seeding keeps between starts, in `<dataDir>/sign-in.json`. The TOTP secrets sit in plain text
 * beside the pool ids: they belong to made-up demo users of an emulator reachable from this machine
 * only, and tests and `npm run totp` need them to answer the MFA challenge as an authenticator app would.
 */
interface SavedState {
  userPoolId?: string;
  clientId?: string;
  totpSecrets?: Record<string, string>;
}

function readState(dataDir: string): SavedState {
  const file = path.join(dataDir, STATE_FILE);
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) as SavedState : {};
}

function writeState(dataDir: string, state: SavedState): void {
  const file = path.join(dataDir, STATE_FILE);
  writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 2));
  renameSync(`${file}.tmp`, file);
}

/** The authenticator secrets seeding gave the demo users, by username (none before the first start). */
export function savedTotpSecrets(dataDir: string): Record<string, string> {
  return readState(dataDir).totpSecrets ?? {};
}

async function existingPool(client: CognitoIdentityProviderClient, saved: SavedState): Promise<{ userPoolId: string; clientId: string } | undefined> {
  if (!saved.userPoolId || !saved.clientId) return undefined;
  try {
    await client.send(new DescribeUserPoolCommand({ UserPoolId: saved.userPoolId }));
    await client.send(new DescribeUserPoolClientCommand({ UserPoolId: saved.userPoolId, ClientId: saved.clientId }));
    return { userPoolId: saved.userPoolId, clientId: saved.clientId };
  } catch (error) {
    // The emulator's own data was deleted while ours was kept: start again rather than fail.
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

// The AWS pool (lib/constructs/agency-sign-in.ts) requires TOTP: MfaConfiguration ON. The emulator,
// set ON, refuses the password of a user without MFA (NotAuthorized) where AWS would ask them to set
// it up (MFA_SETUP, a flow the emulator lacks), and seeding could not sign them in to set it up. So
// locally the pool is OPTIONAL and every seeded user has TOTP: the emulator then asks each of them
// for a code, as AWS does.
const LOCAL_MFA: UserPoolMfaType = 'OPTIONAL';

async function createPool(client: CognitoIdentityProviderClient): Promise<{ userPoolId: string; clientId: string }> {
  const { UserPool } = await client.send(new CreateUserPoolCommand({
    PoolName: 'agency-sign-in',
    MfaConfiguration: LOCAL_MFA,
    AliasAttributes: ['email'],
    AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
    Policies: {
      PasswordPolicy: { MinimumLength: 12, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true },
    },
  }));
  const userPoolId = UserPool?.Id;
  if (!userPoolId) throw new Error('cognito-local created a user pool without an id');
  await setPoolMfa(client, userPoolId, LOCAL_MFA);
  const { UserPoolClient } = await client.send(new CreateUserPoolClientCommand({
    UserPoolId: userPoolId,
    ClientName: 'portal',
    GenerateSecret: false,
    ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
    PreventUserExistenceErrors: 'ENABLED',
    AccessTokenValidity: 1,
    IdTokenValidity: 1,
    RefreshTokenValidity: 12,
    TokenValidityUnits: { AccessToken: 'hours', IdToken: 'hours', RefreshToken: 'hours' },
  }));
  const clientId = UserPoolClient?.ClientId;
  if (!clientId) throw new Error('cognito-local created an app client without an id');
  return { userPoolId, clientId };
}

// SetUserPoolMfaConfig, not UpdateUserPool: the emulator's UpdateUserPool replaces every setting,
// and would drop the password policy and admin-only sign-up not named in the call.
async function setPoolMfa(client: CognitoIdentityProviderClient, userPoolId: string, mfa: UserPoolMfaType): Promise<void> {
  await client.send(new SetUserPoolMfaConfigCommand({
    UserPoolId: userPoolId, MfaConfiguration: mfa, SoftwareTokenMfaConfiguration: { Enabled: true },
  }));
}

async function poolMfa(client: CognitoIdentityProviderClient, userPoolId: string): Promise<UserPoolMfaType | undefined> {
  return (await client.send(new DescribeUserPoolCommand({ UserPoolId: userPoolId }))).UserPool?.MfaConfiguration;
}

async function poolGroups(client: CognitoIdentityProviderClient, userPoolId: string): Promise<Set<string>> {
  const names = new Set<string>();
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListGroupsCommand({ UserPoolId: userPoolId, NextToken: nextToken }));
    for (const group of page.Groups ?? []) if (group.GroupName) names.add(group.GroupName);
    nextToken = page.NextToken;
  } while (nextToken);
  return names;
}

// Listed rather than looked up one by one: the emulator logs every missing user as an error, stack and all.
async function poolUsernames(client: CognitoIdentityProviderClient, userPoolId: string): Promise<Set<string>> {
  const names = new Set<string>();
  let paginationToken: string | undefined;
  do {
    const page = await client.send(new ListUsersCommand({ UserPoolId: userPoolId, PaginationToken: paginationToken }));
    for (const user of page.Users ?? []) if (user.Username) names.add(user.Username);
    paginationToken = page.PaginationToken;
  } while (paginationToken);
  return names;
}

/**
 * Sends `attempt` the current TOTP code for `secret`; on a code mismatch, once more with the next
 * step's code. The emulator accepts a step either side, so this only matters if its clock and ours
 * disagree; a code read just before a 30 s boundary is still good just after it.
 */
async function withTotpCode<T>(secret: string, attempt: (code: string) => Promise<T>): Promise<T> {
  try {
    return await attempt(totpCode(secret));
  } catch (error) {
    if (!(error instanceof CodeMismatchException)) throw error;
    return attempt(totpCode(secret, new Date(Date.now() + 30_000)));
  }
}

/**
 * Sets a user up with an authenticator as a person would on their first sign-in: signs in with the
 * password (the user has no MFA yet, so no challenge), associates a software token, proves it with a
 * code, and makes TOTP their MFA. Returns the secret an authenticator app would hold.
 */
async function setUpAuthenticator(client: CognitoIdentityProviderClient, clientId: string, user: SeededUser): Promise<string> {
  const { AuthenticationResult, ChallengeName } = await client.send(new InitiateAuthCommand({
    AuthFlow: 'USER_PASSWORD_AUTH', ClientId: clientId, AuthParameters: { USERNAME: user.username, PASSWORD: user.password },
  }));
  const accessToken = AuthenticationResult?.AccessToken;
  if (ChallengeName || !accessToken) throw new Error(`Setting up ${user.username}'s authenticator: sign-in asked for ${ChallengeName ?? 'nothing, and gave no token'}`);
  const { SecretCode: secret } = await client.send(new AssociateSoftwareTokenCommand({ AccessToken: accessToken }));
  if (!secret) throw new Error(`Setting up ${user.username}'s authenticator: the emulator gave no secret`);
  await withTotpCode(secret, (code) => client.send(new VerifySoftwareTokenCommand({
    AccessToken: accessToken, UserCode: code, FriendlyDeviceName: 'Local demo authenticator',
  })));
  await client.send(new SetUserMFAPreferenceCommand({
    AccessToken: accessToken, SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true },
  }));
  return secret;
}

/**
 * Makes the emulator hold one user pool with its app client, the sign-in groups and the given users,
 * each with a permanent password, in their groups, and with TOTP MFA set up. Safe to run on every
 * start: with the same `dataDir` it finds and reuses what it made before (ids and TOTP secrets kept in
 * `<dataDir>/sign-in.json`), so tokens, user ids and authenticator secrets stay the same across restarts.
 */
export async function seedSignIn(options: { endpoint: string; dataDir: string; groups: string[]; users: SeededUser[] }): Promise<SeededSignIn> {
  const unknownGroups = options.users.flatMap((u) => u.groups.filter((g) => !options.groups.includes(g)).map((g) => `${u.username} → ${g}`));
  if (unknownGroups.length) throw new Error(`Seeded users name groups that are not seeded: ${unknownGroups.join(', ')}`);

  const client = cognitoClient(options.endpoint);
  try {
    mkdirSync(options.dataDir, { recursive: true });
    const saved = readState(options.dataDir);
    const reused = await existingPool(client, saved);
    const { userPoolId, clientId } = reused ?? await createPool(client);
    const state: SavedState = { userPoolId, clientId, totpSecrets: reused ? { ...saved.totpSecrets } : {} };
    writeState(options.dataDir, state);

    // Only missing groups are created: the emulator's CreateGroup on an existing name replaces the
    // group and silently drops its members.
    const existingGroups = await poolGroups(client, userPoolId);
    for (const group of options.groups) {
      if (!existingGroups.has(group)) await client.send(new CreateGroupCommand({ UserPoolId: userPoolId, GroupName: group }));
    }

    const existingUsers = await poolUsernames(client, userPoolId);
    const withoutAuthenticator: { user: SeededUser; hasMfa: boolean }[] = [];
    for (const user of options.users) {
      if (!existingUsers.has(user.username)) {
        await client.send(new AdminCreateUserCommand({
          UserPoolId: userPoolId,
          Username: user.username,
          UserAttributes: [{ Name: 'email', Value: user.email }, { Name: 'email_verified', Value: 'true' }],
          MessageAction: 'SUPPRESS',
        }));
      }
      await client.send(new AdminSetUserPasswordCommand({ UserPoolId: userPoolId, Username: user.username, Password: user.password, Permanent: true }));
      const { Groups = [] } = await client.send(new AdminListGroupsForUserCommand({ UserPoolId: userPoolId, Username: user.username }));
      const current = new Set(Groups.map((g) => g.GroupName));
      for (const group of user.groups) {
        if (!current.has(group)) await client.send(new AdminAddUserToGroupCommand({ UserPoolId: userPoolId, Username: user.username, GroupName: group }));
      }
      const { UserMFASettingList = [] } = await client.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: user.username }));
      const hasMfa = UserMFASettingList.includes('SOFTWARE_TOKEN_MFA');
      if (!hasMfa || !state.totpSecrets?.[user.username]) withoutAuthenticator.push({ user, hasMfa });
    }

    // A user with MFA whose secret we lost (a start that stopped between the two) would be asked for
    // a code on the password sign-in that sets their authenticator up again: MFA is off meanwhile.
    if (withoutAuthenticator.some((u) => u.hasMfa)) await setPoolMfa(client, userPoolId, 'OFF');
    for (const { user } of withoutAuthenticator) {
      state.totpSecrets = { ...state.totpSecrets, [user.username]: await setUpAuthenticator(client, clientId, user) };
      writeState(options.dataDir, state);
    }
    // Also turns MFA on in a pool made before the local cloud had it (its data folder kept from then).
    if (await poolMfa(client, userPoolId) !== LOCAL_MFA) await setPoolMfa(client, userPoolId, LOCAL_MFA);

    const issuer = `${options.endpoint}/${userPoolId}`;
    const totpSecrets = Object.fromEntries(options.users.map((u) => [u.username, state.totpSecrets![u.username]!]));
    return { userPoolId, clientId, issuer, jwksUri: `${issuer}/.well-known/jwks.json`, totpSecrets };
  } finally {
    client.destroy();
  }
}

export interface SignedIn {
  readonly accessToken: string;
  readonly idToken: string;
  /**
   * The emulator issues one, but keeps it (for refreshing and revoking) only after a password-only
   * sign-in: one issued after the MFA challenge is refused by both.
   */
  readonly refreshToken: string;
}

/**
 * Signs a user in as the portal does, for tests and local use: the password, then, if the emulator
 * asks for it, the code an authenticator app holding `totpSecret` would show.
 */
export async function signIn(options: { endpoint: string; clientId: string; username: string; password: string; totpSecret?: string }): Promise<SignedIn> {
  const client = cognitoClient(options.endpoint);
  try {
    let answer = await client.send(new InitiateAuthCommand({
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: options.clientId,
      AuthParameters: { USERNAME: options.username, PASSWORD: options.password },
    }));
    if (answer.ChallengeName === 'SOFTWARE_TOKEN_MFA' && options.totpSecret) {
      const session = answer.Session;
      answer = await withTotpCode(options.totpSecret, (code) => client.send(new RespondToAuthChallengeCommand({
        ClientId: options.clientId,
        ChallengeName: 'SOFTWARE_TOKEN_MFA',
        Session: session,
        ChallengeResponses: { USERNAME: answer.ChallengeParameters?.USER_ID_FOR_SRP ?? options.username, SOFTWARE_TOKEN_MFA_CODE: code },
      })));
    }
    if (answer.ChallengeName) {
      throw new Error(`Sign-in asks for ${answer.ChallengeName}, which this sign-in does not answer${options.totpSecret ? '' : ' (no TOTP secret given)'}`);
    }
    const { AccessToken: accessToken, IdToken: idToken, RefreshToken: refreshToken } = answer.AuthenticationResult ?? {};
    if (!accessToken || !idToken || !refreshToken) throw new Error('Sign-in returned no tokens');
    return { accessToken, idToken, refreshToken };
  } finally {
    client.destroy();
  }
}
