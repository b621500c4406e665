import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { deleteFormSession, markFormSessionSent } from '../adapters/form-session-store.js';
import { acceptReferral } from '../adapters/referral-intake.js';
import { serviceConfig } from '../adapters/service-config.js';
import { parseReferral } from '../domain/referral.js';
import { findArea } from '../domain/routing.js';
import { logger, metrics } from '../platform/observability.js';
import { checkAnswersPage } from './check-answers.js';
import { answersDeleted, confirmation } from './endings.js';
import { referralBody } from './questions.js';
import type { SessionPost } from './request.js';

/** How long a form session stays the idempotency key of its referral: well past the session itself. */
const SENT_SESSION_SECONDS = 24 * 60 * 60;

/**
 * Sends the session's referral and answers with its confirmation, which ends the session in this browser
 * (its cookie expires): the reference is shown once, and nothing of the form can be seen again here.
 */
export const sendReferral: SessionPost = async ({ now, endSession }, session, form) => {
  if ((form.get('website') ?? '') !== '') {
    // A person cannot see the trap field; whatever filled it in is not someone asking for help.
    metrics.addMetric('FormTrapSprung', MetricUnit.Count, 1);
    await deleteFormSession(session.id);
    return answersDeleted();
  }
  // Sent already (a tap after the confirmation, a retry of a lost answer): the same reference, nothing new.
  if (session.reference) return confirmation({ reference: session.reference, outOfArea: session.outOfArea === true }, true, endSession);
  const result = parseReferral(referralBody(session.answers), now);
  if (!result.ok) return checkAnswersPage(session, result.errors);
  // The session is the referral's idempotency key: sends racing each other (a double tap) store one referral.
  const outcome = await acceptReferral({
    submission: result.referral, now,
    idempotency: { key: `form-session:${session.id}`, requestDigest: 'online-form', expiresAt: Math.floor(now.getTime() / 1000) + SENT_SESSION_SECONDS },
  });
  // The same rule routing applies to the stored referral, so the page and the workflow agree.
  const sent = { reference: outcome.reference, outOfArea: !findArea(result.referral.victim.postcode, serviceConfig) };
  // The answers go as soon as the referral is safely stored: only what a repeated send is answered with stays.
  await markFormSessionSent(session, sent, now);
  if (outcome.kind !== 'created') {
    logger.info('Repeat send from the online form answered with its referral', { reference: outcome.reference });
    return confirmation(sent, true, endSession);
  }
  metrics.addMetric('ReferralReceived', MetricUnit.Count, 1);
  logger.info('Referral received from the online form', { reference: outcome.reference, source: 'self' });
  return confirmation(sent, false, endSession);
};
