import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { verifyAccessToken } from '../adapters/access-tokens.js';
import { refreshTokens } from '../adapters/cognito-sign-in.js';
import { deletePortalSession, savePortalSession, type PortalSession } from '../adapters/portal-session-store.js';
import { areasCommissioned, areasCoordinated, type Caller } from '../http/caller.js';
import { serviceConfig } from '../adapters/service-config.js';
import { hasTeam } from './landing.js';
import { mayRefer } from './professional-referral.js';
import { newSecret, redirect } from '../http/pages.js';
import { logger } from '../platform/observability.js';
import type { PageView } from './pages.js';
import type { Result } from './router.js';
import { portalSessionCookie } from './session-cookie.js';
import type { StaffRequest } from './staff-request.js';

/** Only our own pages are somewhere to come back to after signing in: never another site. */
export const RETURN_PATH = /^\/portal(?:\/[A-Za-z0-9-]+)*$/;

/** A session's signed-in caller, its access token refreshed if it has run out; otherwise undefined. */
async function signedInCaller(session: PortalSession | undefined): Promise<{ caller: Caller; session: PortalSession } | undefined> {
  if (!session?.signedIn) return undefined;
  let verdict = await verifyAccessToken(session.signedIn.accessToken);
  let current = session;
  if (!verdict.ok && verdict.reason === 'expired' && session.signedIn.refreshToken) {
    // A refresh that fails for any reason means signing in again, never an error page.
    const tokens = await refreshTokens(session.signedIn.refreshToken).catch((error: unknown) => {
      logger.warn('Could not refresh a portal session', { errorName: (error as Error)?.name });
      return undefined;
    });
    if (tokens) {
      current = { ...session, signedIn: { ...session.signedIn, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken ?? session.signedIn.refreshToken } };
      verdict = await verifyAccessToken(tokens.accessToken);
    }
  }
  if (!verdict.ok) {
    if (verdict.reason === 'keys-unavailable' || verdict.reason === 'unexpected') throw verdict.error ?? new Error(verdict.reason);
    logger.info('Portal session ended', { reason: verdict.reason });
    return undefined;
  }
  return { caller: verdict.caller, session: current };
}

function viewOf(caller: Caller, session: PortalSession): PageView {
  return {
    // The navigation offers each role only what it can use.
    user: {
      username: caller.username,
      inbox: hasTeam(caller),
      coordinator: areasCoordinated(caller).length > 0,
      reports: areasCommissioned(caller).length > 0 || areasCoordinated(caller).length > 0,
      refer: mayRefer(caller, serviceConfig),
    },
    csrf: session.csrf,
    ...(session.flash ? { flash: session.flash } : {}),
  };
}

/**
 * The signed-in member of staff behind a session, or undefined when there is none. Saving the session
 * moves its idle timeout on and drops a flash message once this page has shown it.
 */
export async function staffOf(session: PortalSession | undefined, now: Date): Promise<Omit<StaffRequest, 'event' | 'params'> | undefined> {
  const current = await signedInCaller(session);
  if (!current) return undefined;
  const staff = { now, caller: current.caller, session: { ...current.session, flash: undefined }, view: viewOf(current.caller, current.session) };
  await savePortalSession(staff.session, now);
  return staff;
}

/** To the sign-in page, and back to this page after it. Only GETs: a form posted after the session ended is not replayed. */
export async function signInFirst(event: APIGatewayProxyEventV2, method: string, path: string, session: PortalSession | undefined, now: Date): Promise<Result> {
  const returnTo = method === 'GET' && RETURN_PATH.test(path) ? path : undefined;
  const fresh: PortalSession = {
    id: session && !session.signedIn ? session.id : newSecret(),
    csrf: session?.csrf && !session.signedIn ? session.csrf : newSecret(),
    returnTo,
  };
  if (session?.signedIn) await deletePortalSession(session.id);
  await savePortalSession(fresh, now);
  return redirect('/portal/sign-in', fresh.id === session?.id ? [] : [portalSessionCookie(fresh.id, event)]);
}
