import middy from '@middy/core';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerResult, APIGatewaySimpleAuthorizerWithContextResult } from 'aws-lambda';
import { verifyAccessToken, type RefusalReason } from '../adapters/access-tokens.js';
import type { CallerContext } from '../http/caller.js';
import { taskDefaults } from '../platform/middleware.js';
import { logger, metrics } from '../platform/observability.js';

/**
 * A bearer token from the Authorization header. API clients only: the portal's pages keep their tokens
 * server-side behind an opaque session cookie and check them in the portal function itself.
 */
function tokenFrom(event: APIGatewayRequestAuthorizerEventV2): string | RefusalReason {
  const header = event.headers?.authorization;
  if (header === undefined) return 'missing';
  return /^Bearer +([A-Za-z0-9._~+/=-]+)$/.exec(header.trim())?.[1] ?? 'malformed';
}

/**
 * Lets a request through when it carries a valid access token from our user pool's app client, and
 * hands the caller's id, username and groups to the route. Anything else is refused; the log says why
 * in one word and never holds the token.
 */
const authorizeRequest = async (
  event: APIGatewayRequestAuthorizerEventV2,
): Promise<APIGatewaySimpleAuthorizerResult | APIGatewaySimpleAuthorizerWithContextResult<CallerContext>> => {
  const token = tokenFrom(event);
  const verdict = token === 'missing' || token === 'malformed' ? { ok: false as const, reason: token } : await verifyAccessToken(token);
  if (verdict.ok) {
    const { userId, username, groups } = verdict.caller;
    return { isAuthorized: true, context: { userId, username, groups: groups.join(',') } };
  }
  if (verdict.reason === 'keys-unavailable' || verdict.reason === 'unexpected') {
    logger.error('Request refused: could not check its token', { reason: verdict.reason, errorName: (verdict as { error?: Error }).error?.name });
  } else {
    logger.warn('Request refused', { reason: verdict.reason });
  }
  metrics.addMetric('RequestRefused', MetricUnit.Count, 1);
  return { isAuthorized: false };
};

export const handler = middy(authorizeRequest).use(taskDefaults());
