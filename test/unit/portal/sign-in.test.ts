import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { PortalSession } from '../../../functions/adapters/portal-session-store.js';
import { bodyOf, locationOf, NOW, SESSION_ID, visitorRequest } from '../../support/portal-requests.js';

const cognito = vi.hoisted(() => ({
  startSignIn: vi.fn(), answerMfa: vi.fn(), beginMfaSetup: vi.fn(), finishMfaSetup: vi.fn(), setNewPassword: vi.fn(), signOut: vi.fn(), refreshTokens: vi.fn(),
}));
const sessions = vi.hoisted(() => ({ savePortalSession: vi.fn(), deletePortalSession: vi.fn() }));
const tokens = vi.hoisted(() => ({ verifyAccessToken: vi.fn() }));
vi.mock('../../../functions/adapters/cognito-sign-in.js', () => cognito);
vi.mock('../../../functions/adapters/portal-session-store.js', () => sessions);
vi.mock('../../../functions/adapters/access-tokens.js', () => tokens);
const revocations = vi.hoisted(() => ({ revokeSignIn: vi.fn() }));
vi.mock('../../../functions/adapters/revoked-tokens.js', async (original) => ({
  ...await original<typeof import('../../../functions/adapters/revoked-tokens.js')>(), revokeSignIn: revocations.revokeSignIn,
}));
const signIn = await import('../../../functions/portal/routes/sign-in.js');

const started: PortalSession = { id: SESSION_ID, csrf: 'form-token', returnTo: '/portal/referrals/SR-7KQ2-9XMD' };
const atStep = (pending: PortalSession['pending']): PortalSession => ({ ...started, pending });
const credentials = (username: string, password = 'correct horse') => ({ csrf: 'form-token', username, password });
const cookieOf = (result: { cookies?: string[] }) => result.cookies?.[0] ?? '';

beforeEach(() => {
  for (const mock of [...Object.values(cognito), ...Object.values(sessions), ...Object.values(tokens)]) mock.mockReset();
  tokens.verifyAccessToken.mockResolvedValue({ ok: true, caller: { userId: 'user-1', username: 'casey', groups: ['victim-care'] } });
});

describe('signing in', () => {
  it('gives someone new a session cookie and a sign-in form carrying its token', async () => {
    const page = await signIn.show(visitorRequest(undefined));
    expect(page.statusCode).toBe(200);
    const saved = sessions.savePortalSession.mock.calls[0]![0] as PortalSession;
    expect(cookieOf(page)).toBe(`portal-session=${saved.id}; Path=/portal; Max-Age=43200; HttpOnly; SameSite=Strict`);
    expect(bodyOf(page)).toContain(`name="csrf" value="${saved.csrf}"`);
    expect(bodyOf(page)).toContain('autocomplete="current-password"');
  });

  it('keeps a half-finished sign-in’s session, and where it was going, without a new cookie', async () => {
    const page = await signIn.show(visitorRequest(atStep({ step: 'mfa', username: 'casey', cognitoSession: 'c' })));
    expect(sessions.savePortalSession).toHaveBeenCalledWith(started, NOW);
    expect(page.cookies).toEqual([]);
  });

  it('signs the caseworker in with a new session id and takes them back where they were going', async () => {
    cognito.startSignIn.mockResolvedValue({ kind: 'signed-in', tokens: { accessToken: 'access', refreshToken: 'refresh' } });
    const page = await signIn.submit(visitorRequest(started, { form: credentials('casey') }));
    expect(cognito.startSignIn).toHaveBeenCalledWith('casey', 'correct horse');
    expect(sessions.deletePortalSession).toHaveBeenCalledWith(SESSION_ID);
    const saved = sessions.savePortalSession.mock.calls[0]![0] as PortalSession;
    expect(saved.id).not.toBe(SESSION_ID);
    expect(saved.signedIn).toEqual({ accessToken: 'access', refreshToken: 'refresh', since: NOW.getTime() });
    expect(page.statusCode).toBe(303);
    expect(locationOf(page)).toBe('/portal/referrals/SR-7KQ2-9XMD');
    expect(cookieOf(page)).toContain(`portal-session=${saved.id};`);
  });

  it('never sends a newly signed-in caseworker to another site', async () => {
    cognito.startSignIn.mockResolvedValue({ kind: 'signed-in', tokens: { accessToken: 'access' } });
    const page = await signIn.submit(visitorRequest({ ...started, returnTo: 'https://example.org/portal' }, { form: credentials('casey') }));
    // The portal's own start, which sends each role on to its landing page.
    expect(locationOf(page)).toBe('/portal');
  });

  it('asks again, without asking Cognito, when the username or password is missing', async () => {
    const page = await signIn.submit(visitorRequest(started, { form: credentials(' ', '') }));
    expect(page.statusCode).toBe(400);
    expect(bodyOf(page)).toContain('href="#username">Enter your username or email address');
    expect(bodyOf(page)).toContain('href="#password">Enter your password');
    expect(cognito.startSignIn).not.toHaveBeenCalled();
  });

  it('says the username or password is not right, keeping the username', async () => {
    cognito.startSignIn.mockResolvedValue({ kind: 'refused', reason: 'credentials' });
    const page = await signIn.submit(visitorRequest(started, { form: credentials('casey') }));
    expect(page.statusCode).toBe(400);
    expect(bodyOf(page)).toContain('The username or password is not right');
    expect(bodyOf(page)).toContain('value="casey"');
  });

  it('treats a form without the session’s token as timed out, and asks nothing of Cognito', async () => {
    const page = await signIn.submit(visitorRequest(started, { form: { ...credentials('casey'), csrf: 'forged' } }));
    expect(page.statusCode).toBe(400);
    expect(bodyOf(page)).toContain('Your sign-in has timed out');
    expect(cognito.startSignIn).not.toHaveBeenCalled();
  });

  it('moves on to the authenticator code when Cognito asks for it', async () => {
    cognito.startSignIn.mockResolvedValue({ kind: 'mfa', username: 'casey', session: 'cognito-1' });
    const page = await signIn.submit(visitorRequest(started, { form: credentials('casey') }));
    expect(locationOf(page)).toBe('/portal/sign-in/code');
    expect(sessions.savePortalSession).toHaveBeenCalledWith({ ...started, pending: { step: 'mfa', username: 'casey', cognitoSession: 'cognito-1' } }, NOW);
  });

  it('starts setting up an authenticator app for an account without one, and shows its setup key', async () => {
    cognito.startSignIn.mockResolvedValue({ kind: 'mfa-setup', username: 'casey', session: 'cognito-1' });
    cognito.beginMfaSetup.mockResolvedValue({ secret: 'SETUPKEY', session: 'cognito-2' });
    expect(locationOf(await signIn.submit(visitorRequest(started, { form: credentials('casey') })))).toBe('/portal/sign-in/authenticator');
    const pending = { step: 'mfa-setup', username: 'casey', cognitoSession: 'cognito-2', secret: 'SETUPKEY' } as const;
    expect(sessions.savePortalSession).toHaveBeenCalledWith({ ...started, pending }, NOW);
    const page = await signIn.showStep(visitorRequest(atStep(pending), { params: { step: 'authenticator' } }));
    expect(bodyOf(page)).toContain('<code class="portal-secret">SETUPKEY</code>');
  });
});

describe('the steps after the password', () => {
  const mfa = atStep({ step: 'mfa', username: 'casey', cognitoSession: 'cognito-1' });

  it('sends anyone to the start who opens a step Cognito did not ask for', async () => {
    const page = await signIn.showStep(visitorRequest(mfa, { params: { step: 'new-password' } }));
    expect(locationOf(page)).toBe('/portal/sign-in');
  });

  it('passes the code on without its spaces', async () => {
    cognito.answerMfa.mockResolvedValue({ kind: 'signed-in', tokens: { accessToken: 'access' } });
    const page = await signIn.submitStep(visitorRequest(mfa, { params: { step: 'code' }, form: { csrf: 'form-token', code: '123 456' } }));
    expect(cognito.answerMfa).toHaveBeenCalledWith('cognito-1', 'casey', '123456');
    expect(page.statusCode).toBe(303);
  });

  it('asks again for a code that is not 6 digits', async () => {
    const page = await signIn.submitStep(visitorRequest(mfa, { params: { step: 'code' }, form: { csrf: 'form-token', code: '12a' } }));
    expect(page.statusCode).toBe(400);
    expect(bodyOf(page)).toContain('Enter the 6-digit code from your authenticator app');
    expect(cognito.answerMfa).not.toHaveBeenCalled();
  });

  it('asks for the same new password twice before choosing it', async () => {
    const newPassword = atStep({ step: 'new-password', username: 'casey', cognitoSession: 'cognito-1' });
    const page = await signIn.submitStep(visitorRequest(newPassword, { params: { step: 'new-password' }, form: { csrf: 'form-token', password: 'Long enough 123!', confirm: 'Something else' } }));
    expect(page.statusCode).toBe(400);
    expect(bodyOf(page)).toContain('href="#confirm">Enter the same password twice');
    expect(cognito.setNewPassword).not.toHaveBeenCalled();
  });
});

describe('signing out', () => {
  it('ends the session and the Cognito tokens, and clears the cookie', async () => {
    const signedIn: PortalSession = { id: SESSION_ID, csrf: 'form-token', signedIn: { accessToken: 'access', refreshToken: 'refresh', since: 1 } };
    const page = await signIn.signOut(visitorRequest(signedIn, { form: { csrf: 'form-token' } }));
    expect(sessions.deletePortalSession).toHaveBeenCalledWith(SESSION_ID);
    expect(cognito.signOut).toHaveBeenCalledWith('refresh');
    expect(bodyOf(page)).toContain('You have signed out');
    expect(cookieOf(page)).toContain('portal-session=; Path=/portal; Max-Age=0;');
  });

  it('ends the access token too, until it would have expired: a JWT checked offline outlives Cognito revoking it', async () => {
    const exp = 1_800_000_000;
    const claims = Buffer.from(JSON.stringify({ origin_jti: 'origin-1', jti: 'jti-1', exp, token_use: 'access' })).toString('base64url');
    const signedIn: PortalSession = { id: SESSION_ID, csrf: 'form-token', signedIn: { accessToken: `e30.${claims}.c2ln`, refreshToken: 'refresh', since: 1 } };
    revocations.revokeSignIn.mockClear();
    await signIn.signOut(visitorRequest(signedIn, { form: { csrf: 'forged' } }));
    expect(revocations.revokeSignIn).toHaveBeenCalledWith('origin-1', new Date(exp * 1000));
  });

  it('ends the session and the Cognito tokens for a sign-out form with a wrong form token, or none, too', async () => {
    const signedIn: PortalSession = { id: SESSION_ID, csrf: 'form-token', signedIn: { accessToken: 'access', refreshToken: 'refresh', since: 1 } };
    for (const form of [{ csrf: 'forged' }, {}, undefined] as (Record<string, string> | undefined)[]) {
      sessions.deletePortalSession.mockReset();
      cognito.signOut.mockReset();
      const page = await signIn.signOut(visitorRequest(signedIn, form ? { form } : {}));
      expect(sessions.deletePortalSession, JSON.stringify(form)).toHaveBeenCalledWith(SESSION_ID);
      expect(cognito.signOut, JSON.stringify(form)).toHaveBeenCalledWith('refresh');
      expect(bodyOf(page)).toContain('You have signed out');
      expect(cookieOf(page)).toContain('Max-Age=0');
    }
  });

  it('ends a half-finished sign-in’s session, with no tokens to revoke', async () => {
    const page = await signIn.signOut(visitorRequest({ ...started }, { form: { csrf: 'forged' } }));
    expect(sessions.deletePortalSession).toHaveBeenCalledWith(SESSION_ID);
    expect(cognito.signOut).not.toHaveBeenCalled();
    expect(cookieOf(page)).toContain('Max-Age=0');
  });

  it('clears the cookie of someone with no session at all', async () => {
    const page = await signIn.signOut(visitorRequest(undefined, { form: { csrf: 'forged' } }));
    expect(sessions.deletePortalSession).not.toHaveBeenCalled();
    expect(cookieOf(page)).toContain('Max-Age=0');
  });
});
