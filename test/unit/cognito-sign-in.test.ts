import {
  AssociateSoftwareTokenCommand, CodeMismatchException, CognitoIdentityProviderClient, CognitoIdentityProviderServiceException,
  EnableSoftwareTokenMFAException, ExpiredCodeException, GetTokensFromRefreshTokenCommand, InitiateAuthCommand,
  InternalErrorException, InvalidParameterException, InvalidPasswordException, LimitExceededException, NotAuthorizedException,
  PasswordHistoryPolicyViolationException, PasswordResetRequiredException, RefreshTokenReuseException, RespondToAuthChallengeCommand,
  RevokeTokenCommand, TooManyFailedAttemptsException, TooManyRequestsException, UnsupportedTokenTypeException, UserNotConfirmedException,
  UserNotFoundException, VerifySoftwareTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';

const CLIENT_ID = '4portalclient0000000000000';
vi.hoisted(() => { process.env.USER_POOL_CLIENT_ID = '4portalclient0000000000000'; });

const {
  answerMfa, beginMfaSetup, finishMfaSetup, otpauthUri, refreshTokens, setNewPassword, signOut, startSignIn, weakPasswordMessage,
} = await import('../../functions/adapters/cognito-sign-in.js');

const cognito = mockClient(CognitoIdentityProviderClient);
beforeEach(() => cognito.reset());
afterAll(() => cognito.restore());

const metadata = { $metadata: { httpStatusCode: 400 } };
type CognitoException = new (options: { message: string; $metadata: { httpStatusCode: number } }) => Error;
const refusedWith = (Exception: CognitoException, message = 'refused') => new Exception({ message, ...metadata });

const TOKENS = { AccessToken: 'access-1', RefreshToken: 'refresh-1', IdToken: 'id-1', ExpiresIn: 3600, TokenType: 'Bearer' };
const SESSION = 'AYABeC0ffee-session';

describe('starting a sign-in with a username and password', () => {
  it('signs in straight away when Cognito asks nothing more, keeping only what the portal needs', async () => {
    cognito.on(InitiateAuthCommand).resolves({ AuthenticationResult: TOKENS, ChallengeParameters: {} });
    expect(await startSignIn('vc.caseworker', 'Correct-horse-1!')).toEqual({
      kind: 'signed-in', tokens: { accessToken: 'access-1', refreshToken: 'refresh-1', expiresIn: 3600 },
    });
    expect(cognito.commandCalls(InitiateAuthCommand)[0]!.args[0].input).toEqual({
      AuthFlow: 'USER_PASSWORD_AUTH', ClientId: CLIENT_ID, AuthParameters: { USERNAME: 'vc.caseworker', PASSWORD: 'Correct-horse-1!' },
    });
  });

  it("reads the access token's lifetime from the token when Cognito does not say it (as the emulator does not)", async () => {
    const exp = Math.floor(Date.now() / 1000) + 600;
    const accessToken = `e30.${Buffer.from(JSON.stringify({ exp })).toString('base64url')}.c2ln`;
    cognito.on(InitiateAuthCommand).resolves({ AuthenticationResult: { AccessToken: accessToken } });
    const step = await startSignIn('vc.caseworker', 'Correct-horse-1!');
    expect(step.kind === 'signed-in' && step.tokens.expiresIn).toBeGreaterThanOrEqual(599);
    expect(step.kind === 'signed-in' && step.tokens).not.toHaveProperty('refreshToken');
  });

  it('fails loudly when Cognito signs someone in without an access token, or one without an expiry', async () => {
    cognito.on(InitiateAuthCommand).resolvesOnce({ AuthenticationResult: {} }).resolvesOnce({ AuthenticationResult: { AccessToken: 'not-a-jwt' } });
    await expect(startSignIn('vc.caseworker', 'Correct-horse-1!')).rejects.toThrow(/no access token/);
    await expect(startSignIn('vc.caseworker', 'Correct-horse-1!')).rejects.toThrow(/without an expiry/);
  });

  it('asks for the authenticator code, naming the user as Cognito knows them', async () => {
    cognito.on(InitiateAuthCommand).resolves({
      ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: SESSION, ChallengeParameters: { USER_ID_FOR_SRP: 'vc.caseworker' },
    });
    expect(await startSignIn('caseworker@victim-care.referrals.example', 'Correct-horse-1!'))
      .toEqual({ kind: 'mfa', session: SESSION, username: 'vc.caseworker' });
  });

  it('keeps the name typed in when Cognito does not give its own', async () => {
    cognito.on(InitiateAuthCommand).resolves({ ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: SESSION });
    expect(await startSignIn('vc.caseworker', 'Correct-horse-1!')).toEqual({ kind: 'mfa', session: SESSION, username: 'vc.caseworker' });
  });

  it('asks a first-time user to set up an authenticator app', async () => {
    cognito.on(InitiateAuthCommand).resolves({ ChallengeName: 'MFA_SETUP', Session: SESSION, ChallengeParameters: { USER_ID_FOR_SRP: 'new.starter' } });
    expect(await startSignIn('new.starter', 'Temporary-pass-1!')).toEqual({ kind: 'mfa-setup', session: SESSION, username: 'new.starter' });
  });

  it('asks someone with a temporary password to choose their own', async () => {
    cognito.on(InitiateAuthCommand).resolves({ ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: SESSION, ChallengeParameters: { USER_ID_FOR_SRP: 'new.starter' } });
    expect(await startSignIn('new.starter', 'Temporary-pass-1!')).toEqual({ kind: 'new-password', session: SESSION, username: 'new.starter' });
  });

  it.each(['SMS_MFA', 'EMAIL_OTP', 'SELECT_MFA_TYPE', 'CUSTOM_CHALLENGE'] as const)('refuses a %s challenge the pool should never send', async (challenge) => {
    cognito.on(InitiateAuthCommand).resolves({ ChallengeName: challenge, Session: SESSION });
    expect(await startSignIn('vc.caseworker', 'Correct-horse-1!')).toEqual({ kind: 'refused', reason: 'unsupported-challenge' });
  });

  it('fails loudly on a challenge without a session to answer it in', async () => {
    cognito.on(InitiateAuthCommand).resolves({ ChallengeName: 'SOFTWARE_TOKEN_MFA' });
    await expect(startSignIn('vc.caseworker', 'Correct-horse-1!')).rejects.toThrow(/without a session/);
  });

  it.each([
    ['a wrong password', NotAuthorizedException, 'Incorrect username or password.'],
    ['a locked account', NotAuthorizedException, 'Password attempts exceeded'],
    ['an unknown user', UserNotFoundException, 'User does not exist.'],
    ['an invalid password', InvalidPasswordException, 'Invalid password'],
    ['an unconfirmed user', UserNotConfirmedException, 'User is not confirmed.'],
  ])('gives %s the same refusal, so nobody learns which accounts exist', async (_case, Exception, message) => {
    cognito.on(InitiateAuthCommand).rejects(refusedWith(Exception, message));
    expect(await startSignIn('someone', 'Wrong-password-1!')).toEqual({ kind: 'refused', reason: 'credentials' });
  });

  it('refuses an empty username or password without asking Cognito', async () => {
    expect(await startSignIn('', 'Correct-horse-1!')).toEqual({ kind: 'refused', reason: 'credentials' });
    expect(await startSignIn('vc.caseworker', '')).toEqual({ kind: 'refused', reason: 'credentials' });
    expect(cognito.calls()).toHaveLength(0);
  });

  it('says when an administrator has reset the password', async () => {
    cognito.on(InitiateAuthCommand).rejects(refusedWith(PasswordResetRequiredException));
    expect(await startSignIn('vc.caseworker', 'Old-password-1!')).toEqual({ kind: 'refused', reason: 'password-reset-required' });
  });

  it.each([TooManyRequestsException, LimitExceededException, TooManyFailedAttemptsException])('asks people to wait on %o', async (Exception) => {
    cognito.on(InitiateAuthCommand).rejects(refusedWith(Exception));
    expect(await startSignIn('vc.caseworker', 'Correct-horse-1!')).toEqual({ kind: 'refused', reason: 'too-many-attempts' });
  });

  it('throws what it cannot explain to the person, for the portal to answer 503', async () => {
    cognito.on(InitiateAuthCommand).rejectsOnce(refusedWith(InternalErrorException)).rejectsOnce(new Error('connect ECONNREFUSED'))
      .rejectsOnce(refusedWith(InvalidParameterException, 'USER_PASSWORD_AUTH flow not enabled for this client'));
    await expect(startSignIn('vc.caseworker', 'Correct-horse-1!')).rejects.toBeInstanceOf(InternalErrorException);
    await expect(startSignIn('vc.caseworker', 'Correct-horse-1!')).rejects.toThrow('ECONNREFUSED');
    await expect(startSignIn('vc.caseworker', 'Correct-horse-1!')).rejects.toBeInstanceOf(InvalidParameterException);
  });
});

describe('answering the authenticator code', () => {
  it('signs in with the right code', async () => {
    cognito.on(RespondToAuthChallengeCommand).resolves({ AuthenticationResult: TOKENS, ChallengeParameters: {} });
    expect(await answerMfa(SESSION, 'vc.caseworker', '123456')).toEqual({
      kind: 'signed-in', tokens: { accessToken: 'access-1', refreshToken: 'refresh-1', expiresIn: 3600 },
    });
    expect(cognito.commandCalls(RespondToAuthChallengeCommand)[0]!.args[0].input).toEqual({
      ClientId: CLIENT_ID, ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: SESSION,
      ChallengeResponses: { USERNAME: 'vc.caseworker', SOFTWARE_TOKEN_MFA_CODE: '123456' },
    });
  });

  it.each([
    ['a wrong code', CodeMismatchException, 'Invalid code received for user'],
    ['a code already used', ExpiredCodeException, 'Your software token has already been used once.'],
  ])('refuses %s, so the person can try again', async (_case, Exception, message) => {
    cognito.on(RespondToAuthChallengeCommand).rejects(refusedWith(Exception, message));
    expect(await answerMfa(SESSION, 'vc.caseworker', '000000')).toEqual({ kind: 'refused', reason: 'code' });
  });

  it('sends the person back to the start when the session was used or has run out', async () => {
    cognito.on(RespondToAuthChallengeCommand).rejects(refusedWith(NotAuthorizedException, 'Invalid session for the user, session can only be used once.'));
    expect(await answerMfa(SESSION, 'vc.caseworker', '123456')).toEqual({ kind: 'refused', reason: 'session-expired' });
  });

  it('asks people to wait when they try too often', async () => {
    cognito.on(RespondToAuthChallengeCommand).rejects(refusedWith(TooManyFailedAttemptsException));
    expect(await answerMfa(SESSION, 'vc.caseworker', '123456')).toEqual({ kind: 'refused', reason: 'too-many-attempts' });
  });

  it('throws anything else', async () => {
    cognito.on(RespondToAuthChallengeCommand).rejects(refusedWith(InternalErrorException));
    await expect(answerMfa(SESSION, 'vc.caseworker', '123456')).rejects.toBeInstanceOf(InternalErrorException);
  });
});

describe('setting up an authenticator app on first sign-in', () => {
  it('hands out the secret to show and the session to go on with', async () => {
    cognito.on(AssociateSoftwareTokenCommand).resolves({ SecretCode: 'JBSWY3DPEHPK3PXP', Session: 'session-2' });
    expect(await beginMfaSetup(SESSION)).toEqual({ secret: 'JBSWY3DPEHPK3PXP', session: 'session-2' });
    expect(cognito.commandCalls(AssociateSoftwareTokenCommand)[0]!.args[0].input).toEqual({ Session: SESSION });
  });

  it('fails loudly when Cognito gives no secret, and throws what Cognito refuses', async () => {
    cognito.on(AssociateSoftwareTokenCommand).resolvesOnce({ Session: 'session-2' }).rejectsOnce(refusedWith(NotAuthorizedException));
    await expect(beginMfaSetup(SESSION)).rejects.toThrow(/no secret/);
    await expect(beginMfaSetup(SESSION)).rejects.toBeInstanceOf(NotAuthorizedException);
  });

  it('checks the first code, then finishes signing in with the session that check gave', async () => {
    cognito.on(VerifySoftwareTokenCommand).resolves({ Status: 'SUCCESS', Session: 'session-3' });
    cognito.on(RespondToAuthChallengeCommand).resolves({ AuthenticationResult: TOKENS });
    expect(await finishMfaSetup('session-2', 'new.starter', '123456')).toEqual({
      kind: 'signed-in', tokens: { accessToken: 'access-1', refreshToken: 'refresh-1', expiresIn: 3600 },
    });
    expect(cognito.commandCalls(VerifySoftwareTokenCommand)[0]!.args[0].input).toEqual({
      Session: 'session-2', UserCode: '123456', FriendlyDeviceName: 'Authenticator app',
    });
    expect(cognito.commandCalls(RespondToAuthChallengeCommand)[0]!.args[0].input).toEqual({
      ClientId: CLIENT_ID, ChallengeName: 'MFA_SETUP', Session: 'session-3', ChallengeResponses: { USERNAME: 'new.starter' },
    });
  });

  it.each([
    ['a wrong code', CodeMismatchException],
    ['a code Cognito will not enable the authenticator with', EnableSoftwareTokenMFAException],
  ])('refuses %s', async (_case, Exception) => {
    cognito.on(VerifySoftwareTokenCommand).rejects(refusedWith(Exception));
    expect(await finishMfaSetup('session-2', 'new.starter', '000000')).toEqual({ kind: 'refused', reason: 'code' });
    expect(cognito.commandCalls(RespondToAuthChallengeCommand)).toHaveLength(0);
  });

  it('refuses the code when Cognito says the check did not succeed', async () => {
    cognito.on(VerifySoftwareTokenCommand).resolves({ Status: 'ERROR' });
    expect(await finishMfaSetup('session-2', 'new.starter', '000000')).toEqual({ kind: 'refused', reason: 'code' });
  });

  it('sends the person back to the start when the session has run out', async () => {
    cognito.on(VerifySoftwareTokenCommand).resolves({ Status: 'SUCCESS', Session: 'session-3' });
    cognito.on(RespondToAuthChallengeCommand).rejects(refusedWith(NotAuthorizedException, 'Invalid session for the user, session is expired.'));
    expect(await finishMfaSetup('session-2', 'new.starter', '123456')).toEqual({ kind: 'refused', reason: 'session-expired' });
  });

  it('fails loudly on a successful check without a session, and throws anything unexplained', async () => {
    cognito.on(VerifySoftwareTokenCommand).resolvesOnce({ Status: 'SUCCESS' }).rejectsOnce(refusedWith(InternalErrorException));
    await expect(finishMfaSetup('session-2', 'new.starter', '123456')).rejects.toThrow(/no session/);
    await expect(finishMfaSetup('session-2', 'new.starter', '123456')).rejects.toBeInstanceOf(InternalErrorException);
  });
});

describe('choosing a new password', () => {
  it('answers the challenge and goes on to whatever Cognito asks next', async () => {
    cognito.on(RespondToAuthChallengeCommand).resolves({ ChallengeName: 'MFA_SETUP', Session: 'session-2', ChallengeParameters: { USER_ID_FOR_SRP: 'new.starter' } });
    expect(await setNewPassword(SESSION, 'new.starter', 'A-much-better-one-1!')).toEqual({ kind: 'mfa-setup', session: 'session-2', username: 'new.starter' });
    expect(cognito.commandCalls(RespondToAuthChallengeCommand)[0]!.args[0].input).toEqual({
      ClientId: CLIENT_ID, ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: SESSION,
      ChallengeResponses: { USERNAME: 'new.starter', NEW_PASSWORD: 'A-much-better-one-1!' },
    });
  });

  it.each([
    ['Password did not conform with policy: Password not long enough', 'Your password must be at least 12 characters long'],
    ['Password did not conform with policy: Password must have uppercase characters', 'Your password must include a capital letter'],
    ['Password did not conform with policy: Password must have lowercase characters', 'Your password must include a lowercase letter'],
    ['Password did not conform with policy: Password must have numeric characters', 'Your password must include a number'],
    ['Password did not conform with policy: Password must have symbol characters', 'Your password must include a symbol, like ! or ?'],
    ['Provided password cannot be used for security reasons.', 'This password has appeared in a data breach elsewhere. Choose a different password'],
    ['Something Cognito has not said before', 'Your password must be at least 12 characters long and include a capital letter, a lowercase letter, a number and a symbol'],
  ])('refuses a weak password in our words, not Cognito\'s: "%s"', async (cognitoMessage, ours) => {
    cognito.on(RespondToAuthChallengeCommand).rejects(refusedWith(InvalidPasswordException, cognitoMessage));
    expect(await setNewPassword(SESSION, 'new.starter', 'weak')).toEqual({ kind: 'refused', reason: 'weak-password', message: ours });
  });

  it('refuses a password used before', async () => {
    cognito.on(RespondToAuthChallengeCommand).rejects(refusedWith(PasswordHistoryPolicyViolationException, 'Password has previously been used'));
    expect(await setNewPassword(SESSION, 'new.starter', 'An-old-favourite-1!')).toEqual({
      kind: 'refused', reason: 'weak-password', message: 'You have used this password before. Choose a password you have not used',
    });
    expect(weakPasswordMessage('Password has previously been used.')).toBe('You have used this password before. Choose a password you have not used');
  });

  it('sends the person back to the start when the session has run out, and throws anything else', async () => {
    cognito.on(RespondToAuthChallengeCommand).rejectsOnce(refusedWith(NotAuthorizedException)).rejectsOnce(refusedWith(InternalErrorException));
    expect(await setNewPassword(SESSION, 'new.starter', 'A-much-better-one-1!')).toEqual({ kind: 'refused', reason: 'session-expired' });
    await expect(setNewPassword(SESSION, 'new.starter', 'A-much-better-one-1!')).rejects.toBeInstanceOf(InternalErrorException);
  });
});

describe('refreshing a session', () => {
  it('takes the new refresh token that rotation hands out', async () => {
    cognito.on(GetTokensFromRefreshTokenCommand).resolves({ AuthenticationResult: { AccessToken: 'access-2', RefreshToken: 'refresh-2', ExpiresIn: 3600 } });
    expect(await refreshTokens('refresh-1')).toEqual({ accessToken: 'access-2', refreshToken: 'refresh-2', expiresIn: 3600 });
    expect(cognito.commandCalls(GetTokensFromRefreshTokenCommand)[0]!.args[0].input).toEqual({ ClientId: CLIENT_ID, RefreshToken: 'refresh-1' });
  });

  it('keeps the old refresh token when no new one comes back', async () => {
    cognito.on(GetTokensFromRefreshTokenCommand).resolves({ AuthenticationResult: { AccessToken: 'access-2', ExpiresIn: 3600 } });
    expect(await refreshTokens('refresh-1')).toEqual({ accessToken: 'access-2', refreshToken: 'refresh-1', expiresIn: 3600 });
  });

  it.each([
    ['expired or revoked', NotAuthorizedException],
    ['already used, past the grace period', RefreshTokenReuseException],
  ])('gives nothing for a refresh token %s', async (_case, Exception) => {
    cognito.on(GetTokensFromRefreshTokenCommand).rejects(refusedWith(Exception));
    expect(await refreshTokens('refresh-1')).toBeUndefined();
  });

  it('throws anything else', async () => {
    cognito.on(GetTokensFromRefreshTokenCommand).rejects(refusedWith(TooManyRequestsException));
    await expect(refreshTokens('refresh-1')).rejects.toBeInstanceOf(TooManyRequestsException);
  });
});

describe('signing out', () => {
  it('revokes the refresh token', async () => {
    cognito.on(RevokeTokenCommand).resolves({});
    await signOut('refresh-1');
    expect(cognito.commandCalls(RevokeTokenCommand)[0]!.args[0].input).toEqual({ ClientId: CLIENT_ID, Token: 'refresh-1' });
  });

  it.each([NotAuthorizedException, UnsupportedTokenTypeException, InternalErrorException])('shrugs off Cognito refusing: %o', async (Exception) => {
    cognito.on(RevokeTokenCommand).rejects(refusedWith(Exception));
    await expect(signOut('refresh-1')).resolves.toBeUndefined();
  });

  it('shrugs off an answer the SDK does not know by name (as the emulator gives)', async () => {
    cognito.on(RevokeTokenCommand).rejects(new CognitoIdentityProviderServiceException({ name: 'CognitoLocal#Unsupported', $fault: 'server', ...metadata }));
    await expect(signOut('refresh-1')).resolves.toBeUndefined();
  });

  it('throws when Cognito cannot be reached, so that it is seen', async () => {
    cognito.on(RevokeTokenCommand).rejects(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9229'), { code: 'ECONNREFUSED' }));
    await expect(signOut('refresh-1')).rejects.toThrow('ECONNREFUSED');
  });
});

describe('the address an authenticator app reads', () => {
  it('names the service and the person, and carries the secret', () => {
    expect(otpauthUri('JBSWY3DPEHPK3PXP', 'vc.caseworker', 'Stalking referrals')).toBe(
      'otpauth://totp/Stalking%20referrals:vc.caseworker?secret=JBSWY3DPEHPK3PXP&issuer=Stalking%20referrals',
    );
  });

  it('escapes what would break the address', () => {
    const uri = otpauthUri('JBSWY3DPEHPK3PXP', 'a:b@example.org', 'Referrals & Co');
    expect(uri).toBe('otpauth://totp/Referrals%20%26%20Co:a%3Ab%40example.org?secret=JBSWY3DPEHPK3PXP&issuer=Referrals%20%26%20Co');
    expect(new URL(uri).searchParams.get('issuer')).toBe('Referrals & Co');
  });
});
