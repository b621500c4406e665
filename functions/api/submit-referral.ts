import middy from '@middy/core';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { acceptReferral } from '../adapters/referral-intake.js';
import { requestDigest } from '../adapters/referral-store.js';
import { parseReferral } from '../domain/referral.js';
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

const submitReferral = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const body = readBody(event);
  const idempotencyKey = readIdempotencyKey(event);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw fieldErrors(400, [{ path: '', message: 'The referral is not valid JSON.' }]);
  }
  const now = new Date();
  const result = parseReferral(parsed, now);
  if (!result.ok) {
    metrics.addMetric('ReferralRejected', MetricUnit.Count, 1);
    throw fieldErrors(400, result.errors);
  }

  const idempotency = idempotencyKey
    ? { key: idempotencyKey, requestDigest: requestDigest(body), expiresAt: Math.floor(now.getTime() / 1000) + IDEMPOTENCY_TTL_SECONDS }
    : undefined;
  const outcome = await acceptReferral({ submission: result.referral, now, ...(idempotency ? { idempotency } : {}) });
  if (outcome.kind === 'idempotent-repeat' && !outcome.sameRequest) {
    throw fieldErrors(422, [{ path: 'headers.idempotency-key', message: 'This Idempotency-Key was already used for a different referral.' }]);
  }
  if (outcome.kind === 'created') {
    metrics.addMetric('ReferralReceived', MetricUnit.Count, 1);
    logger.info('Referral received', { reference: outcome.reference, source: result.referral.source });
  } else {
    logger.info('Repeat submission answered with the first referral', { reference: outcome.reference });
  }
  return json(201, { reference: outcome.reference, status: outcome.status });
};

export const handler = middy(submitReferral).use(httpDefaults());
