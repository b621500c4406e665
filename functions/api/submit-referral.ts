import middy from '@middy/core';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { bearerToken, verifyPartnerToken, type PartnerCaller } from '../adapters/access-tokens.js';
import { acceptReferral } from '../adapters/referral-intake.js';
import { requestDigest } from '../adapters/referral-store.js';
import { professionalClaim } from '../domain/partner-clients.js';
import { parseReferral, type ReferralSubmission } from '../domain/referral.js';
import { tokenRefusal } from '../http/bearer-refusals.js';
import { httpDefaults } from '../http/http-defaults.js';
import { rawBody } from '../http/raw-body.js';
import { fieldErrors, json } from '../http/responses.js';
import { logger, metrics } from '../platform/observability.js';

/** Far above any honest referral (the description is capped at 5,000 characters). */
export const MAX_BODY_BYTES = 64 * 1024;
const IDEMPOTENCY_KEY = /^[\x21-\x7E]{1,128}$/;
const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

function readBody(event: APIGatewayProxyEventV2): string {
  const contentType = event.headers?.['content-type'] ?? '';
  if (!/^application\/json\s*(;|$)/i.test(contentType)) {
    throw fieldErrors(415, [{ path: '', message: 'Send the referral as JSON (Content-Type: application/json).' }]);
  }
  const body = rawBody(event);
  if (Buffer.byteLength(body, 'utf8') > MAX_BODY_BYTES) {
    throw fieldErrors(413, [{ path: '', message: `The referral is too large: the limit is ${MAX_BODY_BYTES / 1024} KB.` }]);
  }
  return body;
}

function readIdempotencyKey(event: APIGatewayProxyEventV2): string | undefined {
  const key = event.headers?.['idempotency-key'];
  if (key === undefined) return undefined;
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw fieldErrors(400, [{ path: 'headers.idempotency-key', message: 'Idempotency-Key must be 1 to 128 visible ASCII characters.' }]);
  }
  return key;
}

/**
 * The partner system behind the request, or none for an anonymous one. A request that sends a token
 * expects it to count: a bad one is refused (401), even for a self-referral, rather than quietly treated
 * as anonymous.
 */
async function partnerOf(event: APIGatewayProxyEventV2): Promise<PartnerCaller | undefined> {
  const token = bearerToken(event.headers?.authorization);
  if (token === 'missing') return undefined;
  if (token === 'malformed') throw tokenRefusal('malformed');
  const verdict = await verifyPartnerToken(token);
  if (!verdict.ok) throw tokenRefusal(verdict.reason, verdict.error);
  return verdict.partner;
}

/**
 * A partner submits for its own organisation: the referrer's organisation is the one its credentials
 * were issued to. One that names another is refused rather than overwritten, so that a misconfigured
 * partner system finds out instead of filing referrals under a name it did not send.
 */
function asPartner(submission: ReferralSubmission, partner: PartnerCaller): ReferralSubmission {
  if (!submission.referrer) return submission;
  const named = submission.referrer.organisation.trim().toLowerCase();
  if (named !== partner.organisation.toLowerCase()) {
    throw fieldErrors(400, [{ path: 'referrer.organisation', message: `Your credentials are for ${partner.organisation}: give that as the organisation.` }]);
  }
  return { ...submission, referrer: { ...submission.referrer, organisation: partner.organisation } };
}

const submitReferral = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const body = readBody(event);
  const partner = await partnerOf(event);
  const idempotencyKey = readIdempotencyKey(event);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw fieldErrors(400, [{ path: '', message: 'The referral is not valid JSON.' }]);
  }
  // Anonymous submissions are self-referrals (SPEC §8): claiming more needs credentials, so the answer
  // is 401, asked before the body is checked so that an anonymous caller learns nothing more.
  const claim = partner ? undefined : professionalClaim(parsed);
  if (claim) throw fieldErrors(401, [claim], { 'www-authenticate': 'Bearer' });
  const now = new Date();
  const result = parseReferral(parsed, now);
  if (!result.ok) {
    metrics.addMetric('ReferralRejected', MetricUnit.Count, 1);
    throw fieldErrors(400, result.errors);
  }

  const idempotency = idempotencyKey
    ? { key: idempotencyKey, requestDigest: requestDigest(body), expiresAt: Math.floor(now.getTime() / 1000) + IDEMPOTENCY_TTL_SECONDS }
    : undefined;
  const submission = partner ? asPartner(result.referral, partner) : result.referral;
  const outcome = await acceptReferral({
    submission, now, ...(idempotency ? { idempotency } : {}), ...(partner ? { submittedBy: { actor: `client:${partner.clientId}`, partner } } : {}),
  });
  if (outcome.kind === 'idempotent-repeat' && !outcome.sameRequest) {
    throw fieldErrors(422, [{ path: 'headers.idempotency-key', message: 'This Idempotency-Key was already used for a different referral.' }]);
  }
  if (outcome.kind === 'created') {
    metrics.addMetric('ReferralReceived', MetricUnit.Count, 1);
    logger.info('Referral received', { reference: outcome.reference, source: result.referral.source, ...(partner ? { clientId: partner.clientId } : {}) });
  } else {
    logger.info('Repeat submission answered with the first referral', { reference: outcome.reference });
  }
  return json(201, { reference: outcome.reference, status: outcome.status });
};

export const handler = middy(submitReferral).use(httpDefaults());
