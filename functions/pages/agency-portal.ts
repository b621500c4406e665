import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { getPortalSession } from '../adapters/portal-session-store.js';
import { httpDefaults } from '../http/http-defaults.js';
import { redirect } from '../http/pages.js';
import { notFound, refusalPage } from '../portal/pages.js';
import { routeTable } from '../portal/router.js';
import * as contact from '../portal/routes/contact.js';
import * as coordinator from '../portal/routes/coordinator.js';
import * as inbox from '../portal/routes/inbox.js';
import * as professionalReferral from '../portal/routes/professional-referral.js';
import * as reassign from '../portal/routes/reassign.js';
import * as referral from '../portal/routes/referral.js';
import * as reports from '../portal/routes/reports.js';
import * as signpost from '../portal/routes/signpost.js';
import * as signIn from '../portal/routes/sign-in.js';
import { portalSessionId } from '../portal/session-cookie.js';
import type { StaffRequest } from '../portal/staff-request.js';
import { signInFirst, staffOf } from '../portal/staff-session.js';

/** Pages for someone not (yet) signed in. */
const visitorRoutes = routeTable<signIn.VisitorRequest>({
  'GET /portal/sign-in': signIn.show,
  'POST /portal/sign-in': signIn.submit,
  'GET /portal/sign-in/{step+}': signIn.showStep,
  'POST /portal/sign-in/{step+}': signIn.submitStep,
  'POST /portal/sign-out': signIn.signOut,
});

/** Pages for signed-in staff; anything else is not found. */
const staffRoutes = routeTable<StaffRequest>({
  'GET /portal': inbox.home,
  'GET /portal/inbox': inbox.show,
  'GET /portal/coordinator': coordinator.show,
  'GET /portal/reports': reports.show,
  'GET /portal/reports/download.csv': reports.download,
  'GET /portal/referrals/new': professionalReferral.show,
  'POST /portal/referrals/new': professionalReferral.submit,
  'GET /portal/referrals/{reference}': referral.show,
  'POST /portal/referrals/{reference}': referral.refuseForm,
  'GET /portal/referrals/{reference}/teams/{teamId}/acknowledge': referral.confirmAcknowledgement,
  'POST /portal/referrals/{reference}/teams/{teamId}/acknowledge': referral.acknowledge,
  'GET /portal/referrals/{reference}/teams/{teamId}/decline': referral.confirmDecline,
  'POST /portal/referrals/{reference}/teams/{teamId}/decline': referral.decline,
  'GET /portal/referrals/{reference}/teams/{teamId}/contact-attempts': contact.showAttempt,
  'POST /portal/referrals/{reference}/teams/{teamId}/contact-attempts': contact.recordAttempt,
  'GET /portal/referrals/{reference}/teams/{teamId}/outcome': contact.showOutcome,
  'POST /portal/referrals/{reference}/teams/{teamId}/outcome': contact.submitOutcome,
  'GET /portal/referrals/{reference}/reassign': reassign.show,
  'POST /portal/referrals/{reference}/reassign': reassign.submit,
  'GET /portal/referrals/{reference}/signpost': signpost.show,
  'POST /portal/referrals/{reference}/signpost': signpost.submit,
});

/**
 * The partner agency portal (SPEC §1, §8): server-rendered pages for caseworkers and coordinators.
 * The portal checks its own sessions rather than sitting behind the API's authorizer, because a person
 * who is not signed in must be sent to sign in and brought back, not shown a bare 401.
 */
const agencyPortal = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const now = new Date();
  const method = event.requestContext.http.method.toUpperCase();
  const path = event.rawPath.replace(/\/+$/, '') || '/portal';
  // The reports' first address, still in bookmarks: moved on before any session is read.
  if (path === '/reports') return redirect('/portal/reports');
  const id = portalSessionId(event);
  const session = id ? await getPortalSession(id, now) : undefined;

  const visitorPage = visitorRoutes(method, path);
  if (visitorPage) return visitorPage.route({ event, now, params: visitorPage.params, session });

  const staff = await staffOf(session, now);
  if (!staff) return signInFirst(event, method, path, session, now);
  const staffPage = staffRoutes(method, path);
  if (!staffPage) return notFound(staff.view);
  try {
    return await staffPage.route({ ...staff, event, params: staffPage.params });
  } catch (error) {
    const refused = refusalPage(error, staff.view);
    if (refused) return refused;
    throw error;
  }
};

export const handler = middy(agencyPortal).use(httpDefaults());
