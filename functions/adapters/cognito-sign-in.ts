import {
  AssociateSoftwareTokenCommand, CognitoIdentityProviderClient, CognitoIdentityProviderServiceException,
  GetTokensFromRefreshTokenCommand, InitiateAuthCommand, RespondToAuthChallengeCommand, RevokeTokenCommand,
  VerifySoftwareTokenCommand, type AuthenticationResultType, type ChallengeNameType,
} from '@aws-sdk/client-cognito-identity-provider';
import { requiredEnv } from './environment.js';

// Created once per container. The endpoint comes from AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER when
// it is set (the local cloud sets it), the region from AWS_REGION: nothing else differs from AWS.
export const cognito = new CognitoIdentityProviderClient({ maxAttempts: 3 });
const clientId = requiredEnv('USER_POOL_CLIENT_ID');

export interface SignInTokens {
  readonly accessToken: string;
  readonly refreshToken?: string;
  /** Seconds until the access token expires. */
  readonly expiresIn: number;
}

export type RefusalReason =
  | 'credentials' | 'password-reset-required' | 'too-many-attempts' | 'unsupported-challenge'
  | 'code' | 'session-expired';

/** Where a sign-in has got to: signed in, one more question to answer, or refused. */
export type SignInStep =
  | { kind: 'signed-in'; tokens: SignInTokens }
  /** The code from the authenticator app is next. */
  | { kind: 'mfa'; session: string; username: string }
  /** First sign-in: the person must add the pool to an authenticator app before going on. */
  | { kind: 'mfa-setup'; session: string; username: string }
  /** Signed in with the temporary password an administrator gave them: a password of their own is next. */
  | { kind: 'new-password'; session: string; username: string }
  | { kind: 'refused'; reason: RefusalReason }
  /** `message` says, in our words, what the new password lacks. */
  | { kind: 'refused'; reason: 'weak-password'; message: string };

const refused = (reason: RefusalReason): SignInStep => ({ kind: 'refused', reason });

/** The Cognito exception's name, or undefined for anything that is not an answer from Cognito (network, timeout). */
function cognitoError(error: unknown): string | undefined {
  return error instanceof CognitoIdentityProviderServiceException ? error.name : undefined;
}

const TOO_MANY = new Set(['TooManyRequestsException', 'LimitExceededException', 'TooManyFailedAttemptsException']);

function tokensFrom(result: AuthenticationResultType | undefined, previousRefreshToken?: string): SignInTokens {
  const accessToken = result?.AccessToken;
  if (!accessToken) throw new Error('Cognito signed the user in but returned no access token');
  const refreshToken = result.RefreshToken ?? previousRefreshToken;
  return { accessToken, ...(refreshToken ? { refreshToken } : {}), expiresIn: result.ExpiresIn ?? secondsLeft(accessToken) };
}

// AWS always says ExpiresIn; the Cognito emulator leaves it out. The token's own `exp` says the same;
// it is read here only to know when to refresh, never trusted for access (the verifier does that).
function secondsLeft(accessToken: string): number {
  const payload = accessToken.split('.')[1] ?? '';
  try {
    const { exp } = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { exp?: unknown };
    if (typeof exp === 'number') return Math.max(0, Math.floor(exp - Date.now() / 1000));
  } catch {
    // Not a JWT we can read: fall through.
  }
  throw new Error('Cognito returned an access token without an expiry');
}

const CHALLENGES: Partial<Record<ChallengeNameType, 'mfa' | 'mfa-setup' | 'new-password'>> = {
  SOFTWARE_TOKEN_MFA: 'mfa',
  MFA_SETUP: 'mfa-setup',
  NEW_PASSWORD_REQUIRED: 'new-password',
};

function stepFrom(
  answer: { ChallengeName?: ChallengeNameType | undefined; Session?: string | undefined; ChallengeParameters?: Record<string, string> | undefined; AuthenticationResult?: AuthenticationResultType | undefined },
  username: string,
): SignInStep {
  if (!answer.ChallengeName) return { kind: 'signed-in', tokens: tokensFrom(answer.AuthenticationResult) };
  const kind = CHALLENGES[answer.ChallengeName];
  // SMS, email and the like: the AWS pool offers TOTP only, so meeting one means the pool was changed.
  if (!kind) return refused('unsupported-challenge');
  if (!answer.Session) throw new Error(`Cognito asked for ${answer.ChallengeName} without a session`);
  // Cognito's own user name: the person may have signed in with their email address, and the answer
  // to a challenge must name the user as Cognito knows them.
  return { kind, session: answer.Session, username: answer.ChallengeParameters?.USER_ID_FOR_SRP ?? username };
}

/** Checks a username (or email address) and password: signed in, or the next question, or refused. */
export async function startSignIn(username: string, password: string): Promise<SignInStep> {
  if (!username || !password) return refused('credentials');
  try {
    const answer = await cognito.send(new InitiateAuthCommand({
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: clientId,
      AuthParameters: { USERNAME: username, PASSWORD: password },
    }));
    return stepFrom(answer, username);
  } catch (error) {
    const name = cognitoError(error);
    if (name === 'PasswordResetRequiredException') return refused('password-reset-required');
    if (name && TOO_MANY.has(name)) return refused('too-many-attempts');
    // One answer for an unknown user, a wrong password and a locked account ("Password attempts
    // exceeded" is a NotAuthorizedException too): anything else tells a guesser the account exists.
    if (name && ['NotAuthorizedException', 'UserNotFoundException', 'InvalidPasswordException', 'UserNotConfirmedException'].includes(name)) {
      return refused('credentials');
    }
    throw error;
  }
}

/** Refusals common to every answer to a challenge. */
function challengeRefusal(name: string | undefined): SignInStep | undefined {
  if (name === 'CodeMismatchException' || name === 'ExpiredCodeException' || name === 'EnableSoftwareTokenMFAException') return refused('code');
  // A session works once and for 3 minutes; after that Cognito says NotAuthorized.
  if (name === 'NotAuthorizedException') return refused('session-expired');
  if (name && TOO_MANY.has(name)) return refused('too-many-attempts');
  return undefined;
}

async function respond(
  challenge: 'SOFTWARE_TOKEN_MFA' | 'MFA_SETUP' | 'NEW_PASSWORD_REQUIRED', session: string, username: string, responses: Record<string, string>,
): Promise<SignInStep> {
  const answer = await cognito.send(new RespondToAuthChallengeCommand({
    ClientId: clientId,
    ChallengeName: challenge,
    Session: session,
    ChallengeResponses: { USERNAME: username, ...responses },
  }));
  return stepFrom(answer, username);
}

/** Answers the SOFTWARE_TOKEN_MFA challenge with the 6-digit code from the person's authenticator app. */
export async function answerMfa(session: string, username: string, code: string): Promise<SignInStep> {
  try {
    return await respond('SOFTWARE_TOKEN_MFA', session, username, { SOFTWARE_TOKEN_MFA_CODE: code });
  } catch (error) {
    const refusal = challengeRefusal(cognitoError(error));
    if (refusal) return refusal;
    throw error;
  }
}

/**
 * Starts adding the pool to an authenticator app (the MFA_SETUP challenge): the secret to show the
 * person, and the session to finish with.
 *
 * The Cognito emulator the local cloud runs does not support AssociateSoftwareToken or
 * VerifySoftwareToken with a Session (only with an access token), so this and `finishMfaSetup` are
 * covered by unit tests only; the local cloud's users have their authenticator set up when seeded.
 */
export async function beginMfaSetup(session: string): Promise<{ secret: string; session: string }> {
  const answer = await cognito.send(new AssociateSoftwareTokenCommand({ Session: session }));
  if (!answer.SecretCode || !answer.Session) throw new Error('Cognito returned no secret or no session for authenticator set-up');
  return { secret: answer.SecretCode, session: answer.Session };
}

/** Checks the first code from the newly added authenticator app, then finishes signing in. */
export async function finishMfaSetup(session: string, username: string, code: string): Promise<SignInStep> {
  try {
    const verified = await cognito.send(new VerifySoftwareTokenCommand({ Session: session, UserCode: code, FriendlyDeviceName: 'Authenticator app' }));
    if (verified.Status !== 'SUCCESS') return refused('code');
    if (!verified.Session) throw new Error('Cognito verified the authenticator but returned no session');
    return await respond('MFA_SETUP', verified.Session, username, {});
  } catch (error) {
    const refusal = challengeRefusal(cognitoError(error));
    if (refusal) return refusal;
    throw error;
  }
}

// Cognito's words for what a password lacks, in ours. The rules are the pool's
// (lib/constructs/agency-sign-in.ts): at least 12 characters, all four kinds, none of the last 5.
const PASSWORD_PROBLEMS: [RegExp, string][] = [
  [/not long enough/i, 'Your password must be at least 12 characters long'],
  [/uppercase/i, 'Your password must include a capital letter'],
  [/lowercase/i, 'Your password must include a lowercase letter'],
  [/numeric/i, 'Your password must include a number'],
  [/symbol/i, 'Your password must include a symbol, like ! or ?'],
  [/previously been used|history/i, 'You have used this password before. Choose a password you have not used'],
  [/security reasons|compromised/i, 'This password has appeared in a data breach elsewhere. Choose a different password'],
];
const PASSWORD_RULES = 'Your password must be at least 12 characters long and include a capital letter, a lowercase letter, a number and a symbol';

export function weakPasswordMessage(cognitoMessage: string): string {
  return PASSWORD_PROBLEMS.find(([pattern]) => pattern.test(cognitoMessage))?.[1] ?? PASSWORD_RULES;
}

/** Answers NEW_PASSWORD_REQUIRED: the person replaces the temporary password they were given. */
export async function setNewPassword(session: string, username: string, newPassword: string): Promise<SignInStep> {
  try {
    return await respond('NEW_PASSWORD_REQUIRED', session, username, { NEW_PASSWORD: newPassword });
  } catch (error) {
    const name = cognitoError(error);
    if (name === 'InvalidPasswordException' || name === 'PasswordHistoryPolicyViolationException') {
      return { kind: 'refused', reason: 'weak-password', message: weakPasswordMessage((error as Error).message) };
    }
    const refusal = challengeRefusal(name);
    if (refusal) return refusal;
    throw error;
  }
}

/**
 * New tokens for a signed-in session, or undefined when the refresh token no longer works (expired,
 * revoked, or already used). The app client rotates refresh tokens, and Cognito refuses
 * REFRESH_TOKEN_AUTH on such clients: GetTokensFromRefreshToken is the way. It answers with a new
 * refresh token; without one (rotation off), the old one stays good.
 */
export async function refreshTokens(refreshToken: string): Promise<SignInTokens | undefined> {
  try {
    const answer = await cognito.send(new GetTokensFromRefreshTokenCommand({ ClientId: clientId, RefreshToken: refreshToken }));
    return tokensFrom(answer.AuthenticationResult, refreshToken);
  } catch (error) {
    const name = cognitoError(error);
    if (name === 'NotAuthorizedException' || name === 'RefreshTokenReuseException') return undefined;
    throw error;
  }
}

/**
 * Revokes the refresh token and the access tokens issued with it. Cognito refusing (already revoked,
 * expired) changes nothing for the person: the portal deletes its own session whatever happens. Only a
 * failure to reach Cognito is thrown, so that it is seen.
 */
export async function signOut(refreshToken: string): Promise<void> {
  try {
    await cognito.send(new RevokeTokenCommand({ ClientId: clientId, Token: refreshToken }));
  } catch (error) {
    if (cognitoError(error) === undefined) throw error;
  }
}

/**
 * The `otpauth://` address of a TOTP secret (Google Authenticator's key URI format), for the set-up
 * page. Algorithm, digits and period are left at the defaults (SHA-1, 6, 30 s), which are Cognito's.
 */
export function otpauthUri(secret: string, username: string, issuer: string): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(username)}`;
  return `otpauth://totp/${label}?secret=${encodeURIComponent(secret)}&issuer=${encodeURIComponent(issuer)}`;
}
