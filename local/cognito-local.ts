import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import {
  AdminAddUserToGroupCommand, AdminCreateUserCommand, AdminListGroupsForUserCommand, AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient, CreateGroupCommand, CreateUserPoolClientCommand, CreateUserPoolCommand,
  DescribeUserPoolClientCommand, DescribeUserPoolCommand, InitiateAuthCommand, ListGroupsCommand, ListUsersCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-cognito-identity-provider';
import { guardedCommand } from './child-processes.js';

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

  const deadline = Date.now() + 30_000;
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
      throw new Error('cognito-local did not answer within 30 s');
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
}

function cognitoClient(endpoint: string): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({
    endpoint,
    region: 'eu-west-2',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
}

const STATE_FILE = 'sign-in.json';

async function existingPool(client: CognitoIdentityProviderClient, dataDir: string): Promise<{ userPoolId: string; clientId: string } | undefined> {
  const file = path.join(dataDir, STATE_FILE);
  if (!existsSync(file)) return undefined;
  const saved = JSON.parse(readFileSync(file, 'utf8')) as { userPoolId?: string; clientId?: string };
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

async function createPool(client: CognitoIdentityProviderClient, dataDir: string): Promise<{ userPoolId: string; clientId: string }> {
  const { UserPool } = await client.send(new CreateUserPoolCommand({
    PoolName: 'agency-sign-in',
    // Off here only: the seeded demo users have no authenticator app to answer a TOTP challenge with.
    // The AWS pool (lib/constructs/agency-sign-in.ts) requires TOTP for everyone.
    MfaConfiguration: 'OFF',
    AliasAttributes: ['email'],
    AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
    Policies: {
      PasswordPolicy: { MinimumLength: 12, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true },
    },
  }));
  const userPoolId = UserPool?.Id;
  if (!userPoolId) throw new Error('cognito-local created a user pool without an id');
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
  const file = path.join(dataDir, STATE_FILE);
  writeFileSync(`${file}.tmp`, JSON.stringify({ userPoolId, clientId }, null, 2));
  renameSync(`${file}.tmp`, file);
  return { userPoolId, clientId };
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
 * Makes the emulator hold one user pool with its app client, the sign-in groups and the given users,
 * each with a permanent password and in their groups. Safe to run on every start: with the same
 * `dataDir` it finds and reuses what it made before (ids kept in `<dataDir>/sign-in.json`), so tokens
 * and user ids stay the same across restarts.
 */
export async function seedSignIn(options: { endpoint: string; dataDir: string; groups: string[]; users: SeededUser[] }): Promise<SeededSignIn> {
  const unknownGroups = options.users.flatMap((u) => u.groups.filter((g) => !options.groups.includes(g)).map((g) => `${u.username} → ${g}`));
  if (unknownGroups.length) throw new Error(`Seeded users name groups that are not seeded: ${unknownGroups.join(', ')}`);

  const client = cognitoClient(options.endpoint);
  try {
    mkdirSync(options.dataDir, { recursive: true });
    const { userPoolId, clientId } = await existingPool(client, options.dataDir) ?? await createPool(client, options.dataDir);

    // Only missing groups are created: the emulator's CreateGroup on an existing name replaces the
    // group and silently drops its members.
    const existingGroups = await poolGroups(client, userPoolId);
    for (const group of options.groups) {
      if (!existingGroups.has(group)) await client.send(new CreateGroupCommand({ UserPoolId: userPoolId, GroupName: group }));
    }

    const existingUsers = await poolUsernames(client, userPoolId);
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
    }

    const issuer = `${options.endpoint}/${userPoolId}`;
    return { userPoolId, clientId, issuer, jwksUri: `${issuer}/.well-known/jwks.json` };
  } finally {
    client.destroy();
  }
}

/** Signs a user in with their password, as the portal does, for tests and local use. */
export async function signIn(options: { endpoint: string; clientId: string; username: string; password: string }): Promise<{ accessToken: string; idToken: string }> {
  const client = cognitoClient(options.endpoint);
  try {
    const answer = await client.send(new InitiateAuthCommand({
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: options.clientId,
      AuthParameters: { USERNAME: options.username, PASSWORD: options.password },
    }));
    if (answer.ChallengeName) throw new Error(`Sign-in asks for ${answer.ChallengeName}, which this sign-in does not answer`);
    const accessToken = answer.AuthenticationResult?.AccessToken;
    const idToken = answer.AuthenticationResult?.IdToken;
    if (!accessToken || !idToken) throw new Error('Sign-in returned no tokens');
    return { accessToken, idToken };
  } finally {
    client.destroy();
  }
}
