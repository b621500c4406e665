import { savePortalSession, type PortalSession } from '../adapters/portal-session-store.js';
import type { Caller } from '../http/caller.js';
import { formBody, sameToken } from '../http/pages.js';
import { logger } from '../platform/observability.js';
import { messagePage, type PageView } from './pages.js';
import type { PortalRequest, Result } from './router.js';

/** A signed-in member of staff on one of the portal's pages. */
export interface StaffRequest extends PortalRequest {
  readonly caller: Caller;
  readonly session: PortalSession;
  readonly view: PageView;
}

/** The posted form, if it carries this session's form token; a form from anywhere else changes nothing. */
export function postedForm(request: StaffRequest): URLSearchParams | undefined {
  const form = formBody(request.event);
  return form && sameToken(request.session.csrf, form.get('csrf')) ? form : undefined;
}

/** The answer to a form without a valid token. */
export function formRefused(request: StaffRequest, form: string): Result {
  logger.warn('Portal form refused: no valid form token', { path: form });
  return messagePage('This form has expired', ['Nothing was changed. Go back to the referral and try again.'], 403,
    { ...request.view, linkHref: `/portal/referrals/${request.params.reference}`, linkText: 'Back to the referral' });
}

/** One message for the next page the person sees. */
export const flash = (request: StaffRequest, message: string) => savePortalSession({ ...request.session, flash: message }, request.now);
