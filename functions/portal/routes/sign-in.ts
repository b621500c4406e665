import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { verifyAccessToken } from '../../adapters/access-tokens.js';
import {
  answerMfa, beginMfaSetup, finishMfaSetup, setNewPassword, signOut as endCognitoSession, startSignIn,
  type SignInStep as SignInOutcome,
} from '../../adapters/cognito-sign-in.js';
import { deletePortalSession, savePortalSession, type PortalSession } from '../../adapters/portal-session-store.js';
import { claimsOf, revokeSignIn, signInIdOf } from '../../adapters/revoked-tokens.js';
import { formBody, newSecret, page, redirect, sameToken } from '../../http/pages.js';
import { logger, metrics } from '../../platform/observability.js';
import { formErrors, messagePage } from '../pages.js';
import type { PortalRequest, Result } from '../router.js';
import { endedSessionCookie, portalSessionCookie } from '../session-cookie.js';
import { RETURN_PATH } from '../staff-session.js';

/** Someone on the way in: the session, if any, is one they have not finished signing in with. */
export interface VisitorRequest extends PortalRequest {
  readonly session: PortalSession | undefined;
}

type Errors = ReadonlyMap<string, string>;

const STEP_PATH = { mfa: '/portal/sign-in/code', 'mfa-setup': '/portal/sign-in/authenticator', 'new-password': '/portal/sign-in/new-password' } as const;
const STEP_TEMPLATE = { mfa: 'portal/sign-in-code.njk', 'mfa-setup': 'portal/sign-in-authenticator.njk', 'new-password': 'portal/sign-in-new-password.njk' } as const;

const REFUSAL_WORDS: Record<string, [string, string]> = {
  credentials: ['username', 'The username or password is not right'],
  'password-reset-required': ['username', 'Your password has to be reset. Ask your administrator'],
  'too-many-attempts': ['username', 'Too many attempts. Wait a few minutes, then try again'],
  'unsupported-challenge': ['username', 'This account cannot sign in here. Ask your administrator'],
  code: ['code', 'The code is not right. Enter the code your app shows now'],
  'weak-password': ['password', 'Choose a password of at least 12 characters, with upper and lower case letters, a number and a symbol'],
};

function refusalErrors(outcome: SignInOutcome): Errors {
  if (outcome.kind !== 'refused') return new Map();
  const [field, text] = REFUSAL_WORDS[outcome.reason] ?? ['username', 'You could not be signed in. Try again'];
  return new Map([[field, text]]);
}

const signInPage = (session: PortalSession, cookies: string[], errors: Errors = new Map(), username = '', statusCode = 200) =>
  page('portal/sign-in.njk', { csrf: session.csrf, username, ...formErrors(errors) }, cookies, statusCode);

const stepPage = (session: PortalSession, step: keyof typeof STEP_PATH, errors: Errors = new Map(), statusCode = 200) =>
  page(STEP_TEMPLATE[step], { csrf: session.csrf, secret: session.pending?.secret, ...formErrors(errors) }, [], statusCode);

const timedOut = () => messagePage('Your sign-in has timed out', [
  'For your security, forms in this portal only work for a short time and only from this site. Nothing was changed.',
], 400, { linkHref: '/portal/sign-in', linkText: 'Sign in again' });

/** Moves the sign-in on to what Cognito answered: the next step, the signed-in session, or the same page with an error. */
async function afterSignInStep(request: VisitorRequest, session: PortalSession, outcome: SignInOutcome, retry: () => Result): Promise<Result> {
  const { event, now } = request;
  switch (outcome.kind) {
    case 'signed-in': {
      // A new session id at sign-in: an id planted in the browser beforehand is worth nothing after.
      await deletePortalSession(session.id);
      const signedIn: PortalSession = {
        id: newSecret(), csrf: newSecret(),
        signedIn: { accessToken: outcome.tokens.accessToken, refreshToken: outcome.tokens.refreshToken, since: now.getTime() },
      };
      const verdict = await verifyAccessToken(outcome.tokens.accessToken);
      if (!verdict.ok) throw new Error(`Cognito issued a token that does not verify: ${verdict.reason}`);
      await savePortalSession(signedIn, now);
      metrics.addMetric('PortalSignIn', MetricUnit.Count, 1);
      logger.info('Signed in to the portal', { userId: verdict.caller.userId });
      const to = session.returnTo && RETURN_PATH.test(session.returnTo) ? session.returnTo : '/portal';
      return redirect(to, [portalSessionCookie(signedIn.id, event)]);
    }
    case 'refused': {
      if (outcome.reason === 'session-expired') {
        await savePortalSession({ id: session.id, csrf: session.csrf, returnTo: session.returnTo }, now);
        return redirect('/portal/sign-in');
      }
      metrics.addMetric('PortalSignInRefused', MetricUnit.Count, 1);
      logger.warn('Portal sign-in step refused', { reason: outcome.reason });
      return retry();
    }
    case 'mfa':
    case 'new-password':
    case 'mfa-setup': {
      let pending: NonNullable<PortalSession['pending']> = { step: outcome.kind, username: outcome.username, cognitoSession: outcome.session };
      if (outcome.kind === 'mfa-setup') {
        const setup = await beginMfaSetup(outcome.session);
        pending = { ...pending, cognitoSession: setup.session, secret: setup.secret };
      }
      await savePortalSession({ ...session, pending }, now);
      return redirect(STEP_PATH[outcome.kind]);
    }
  }
}

/** The session a form was posted from, if it is mid sign-in and the form carries its token. */
function postedFrom(request: VisitorRequest): { session: PortalSession; form: URLSearchParams } | undefined {
  const { session } = request;
  const form = formBody(request.event);
  return session && !session.signedIn && form && sameToken(session.csrf, form.get('csrf')) ? { session, form } : undefined;
}

export async function show({ event, session, now }: VisitorRequest): Promise<Result> {
  // A fresh pre-sign-in session carries the form token: a sign-in form posted from another site has none.
  const fresh: PortalSession = session && !session.signedIn ? { id: session.id, csrf: session.csrf, returnTo: session.returnTo } : { id: newSecret(), csrf: newSecret() };
  await savePortalSession(fresh, now);
  return signInPage(fresh, fresh.id === session?.id ? [] : [portalSessionCookie(fresh.id, event)]);
}

export async function submit(request: VisitorRequest): Promise<Result> {
  const posted = postedFrom(request);
  if (!posted) return timedOut();
  const { session, form } = posted;
  const username = (form.get('username') ?? '').trim();
  const password = form.get('password') ?? '';
  const errors = new Map<string, string>();
  if (username === '' || username.length > 128 || /[\u0000-\u001F]/.test(username)) errors.set('username', 'Enter your username or email address');
  if (password === '' || password.length > 256) errors.set('password', 'Enter your password');
  if (errors.size) return signInPage(session, [], errors, username.slice(0, 128), 400);
  const outcome = await startSignIn(username, password);
  return afterSignInStep(request, session, outcome, () => signInPage(session, [], refusalErrors(outcome), username, 400));
}

/** The page for the step Cognito asked for; any other step's address goes back to the start. */
export async function showStep({ session, params }: VisitorRequest): Promise<Result> {
  const step = session?.pending?.step;
  if (!session || !step || STEP_PATH[step] !== `/portal/sign-in/${params.step}`) return redirect('/portal/sign-in');
  return stepPage(session, step);
}

export async function submitStep(request: VisitorRequest): Promise<Result> {
  const posted = postedFrom(request);
  if (!posted) return timedOut();
  const { session, form } = posted;
  const pending = session.pending;
  if (!pending || STEP_PATH[pending.step] !== `/portal/sign-in/${request.params.step}`) return redirect('/portal/sign-in');
  if (pending.step === 'new-password') {
    const password = form.get('password') ?? '';
    const errors = new Map<string, string>();
    if (password.length < 12 || password.length > 256) errors.set('password', REFUSAL_WORDS['weak-password']![1]);
    else if (password !== form.get('confirm')) errors.set('confirm', 'Enter the same password twice');
    if (errors.size) return stepPage(session, pending.step, errors, 400);
    const outcome = await setNewPassword(pending.cognitoSession, pending.username, password);
    return afterSignInStep(request, session, outcome, () => stepPage(session, pending.step, refusalErrors(outcome), 400));
  }
  const code = (form.get('code') ?? '').replace(/\s+/g, '');
  if (!/^[0-9]{6}$/.test(code)) return stepPage(session, pending.step, new Map([['code', 'Enter the 6-digit code from your authenticator app']]), 400);
  const outcome = pending.step === 'mfa'
    ? await answerMfa(pending.cognitoSession, pending.username, code)
    : await finishMfaSetup(pending.cognitoSession, pending.username, code);
  return afterSignInStep(request, session, outcome, () => stepPage(session, pending.step, refusalErrors(outcome), 400));
}

/**
 * Signed out whatever the form's state: the cookie, the server-side session and the Cognito tokens all go.
 * No form token is asked for: signing out only takes access away, so a forged or stale form may do it too,
 * and a page saying "signed out" must never leave the session open behind it.
 */
export async function signOut({ event, session }: VisitorRequest): Promise<Result> {
  if (session) {
    await deletePortalSession(session.id);
    // The access token too: Cognito's revocation does not reach a JWT checked offline (revoked-tokens.ts).
    const claims = session.signedIn?.accessToken ? claimsOf(session.signedIn.accessToken) : {};
    const signInId = signInIdOf(claims);
    if (signInId !== undefined && typeof claims.exp === 'number') await revokeSignIn(signInId, new Date(claims.exp * 1000));
    if (session.signedIn?.refreshToken) await endCognitoSession(session.signedIn.refreshToken);
    if (session.signedIn) metrics.addMetric('PortalSignOut', MetricUnit.Count, 1);
  }
  const signedOut = messagePage('You have signed out', ['Close this window if you are using a shared computer.'], 200,
    { linkHref: '/portal/sign-in', linkText: 'Sign in again' });
  return { ...signedOut, cookies: [endedSessionCookie(event)] };
}
