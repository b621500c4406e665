import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { bearerToken, verifyAccessTokenThenSignIn, type RefusalReason } from '../adapters/access-tokens.js';
import { tokenRefusal } from './bearer-refusals.js';
import type { CallerContext } from './caller.js';

/** Each request's revocation read while it runs alongside the handler's own reads (see `signedIn`). */
const signInChecks = new WeakMap<APIGatewayProxyEventV2, Promise<void>>();

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
 *
 * `revocation: 'read-alongside'` lets the handler start its reads while the revocation read (one more
 * round trip) is still running: the handler must `await signedIn(event)` before it changes anything.
 * Whatever the handler does, the answer still waits for that read, so a revoked token is never answered
 * with anything but its 401.
 */
export function staffToken(options: { revocation?: 'before-handler' | 'read-alongside' } = {}): middy.MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> {
  return {
    before: async (request) => {
      const token = bearerToken(request.event.headers?.authorization);
      const verdict = token === 'missing' || token === 'malformed' ? { ok: false as const, reason: token as RefusalReason } : await verifyAccessTokenThenSignIn(token);
      if (!verdict.ok) throw tokenRefusal(verdict.reason, 'error' in verdict ? verdict.error : undefined);
      const check = verdict.signedIn.then((signedIn) => {
        if (!signedIn.ok) throw tokenRefusal(signedIn.reason, signedIn.error);
      });
      if (options.revocation === 'read-alongside') {
        // Marked handled here: the handler or `after`/`onError` below awaits it and answers its refusal.
        check.catch(() => undefined);
        signInChecks.set(request.event, check);
      } else {
        await check;
      }
      const { userId, username, groups } = verdict.caller;
      const lambda: CallerContext = { userId, username, groups: groups.join(',') };
      (request.event.requestContext as unknown as { authorizer: unknown }).authorizer = { lambda };
    },
    after: async (request) => {
      await signInChecks.get(request.event);
    },
    onError: async (request) => {
      // A revoked token is answered as revoked, whatever the handler ran into meanwhile.
      const check = signInChecks.get(request.event);
      if (check) await check.catch((refusal: unknown) => { request.error = refusal as Error; });
    },
  };
}

/**
 * Settles once the caller's token is known not to be revoked; rejects with the token's refusal
 * otherwise. At once for a route whose revocation read ran before the handler.
 */
export function signedIn(event: APIGatewayProxyEventV2): Promise<void> {
  return signInChecks.get(event) ?? Promise.resolve();
}
