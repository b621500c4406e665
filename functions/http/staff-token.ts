import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { bearerToken, verifyAccessToken, type RefusalReason } from '../adapters/access-tokens.js';
import { tokenRefusal } from './bearer-refusals.js';
import type { CallerContext } from './caller.js';

/**
 * Verifies the staff access token of an agency or report route in the route's own function, before
 * the handler runs, and hands the caller to `callerFrom` as an authorizer would have.
 *
 * Why here and not in API Gateway: SPEC §8 asks for 401 for every bad token and 503 when the pool's keys
 * cannot be fetched. An HTTP API Lambda authorizer with simple responses can only refuse with 403
 * (`isAuthorized: false`) or fail with 500; the HTTP API's native JWT authorizer answers 401 by itself but
 * accepts an id token (its `aud` is our client id) and so cannot check `token_use`, and what it answers
 * while the keys are unreachable is AWS's choice, not ours. Verifying in the function gives every refusal
 * the answer the contract names, and saves the authorizer's extra invocation on every request.
 */
export function staffToken(): middy.MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> {
  return {
    before: async (request) => {
      const token = bearerToken(request.event.headers?.authorization);
      const verdict = token === 'missing' || token === 'malformed' ? { ok: false as const, reason: token as RefusalReason } : await verifyAccessToken(token);
      if (!verdict.ok) throw tokenRefusal(verdict.reason, 'error' in verdict ? verdict.error : undefined);
      const { userId, username, groups } = verdict.caller;
      const lambda: CallerContext = { userId, username, groups: groups.join(',') };
      (request.event.requestContext as unknown as { authorizer: unknown }).authorizer = { lambda };
    },
  };
}
