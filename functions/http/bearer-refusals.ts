import type { RefusalReason } from '../adapters/access-tokens.js';
import { logger } from '../platform/observability.js';
import { fieldErrors, type HttpError } from './responses.js';

/**
 * The answer to a token that was refused (SPEC §8): 401 for anything wrong with the token itself
 * (missing, malformed, unsigned or signed with another key, expired, revoked, not an access token,
 * another client's, without the scope), with the RFC 6750 challenge; 503 when the pool's keys could not be
 * fetched, because the token may be fine and the caller should try again, not sign in again. The log
 * says why in one word and never holds the token.
 */
export function tokenRefusal(reason: RefusalReason, error?: unknown): HttpError {
  if (reason === 'keys-unavailable' || reason === 'unexpected') {
    logger.error('Request refused: could not check its token', { reason, errorName: (error as Error | undefined)?.name });
    return fieldErrors(503, [{ path: 'headers.authorization', message: 'Your credentials could not be checked just now. Please try again in a minute.' }], { 'retry-after': '30' });
  }
  logger.warn('Request refused', { reason });
  const challenge = reason === 'missing' ? 'Bearer' : `Bearer error="invalid_token"`;
  const message = reason === 'missing' ? 'Sign in to continue: send an access token as Authorization: Bearer <token>.'
    : reason === 'expired' ? 'Your access token has expired: get a new one.'
      : reason === 'revoked' ? 'Your access token was revoked when you signed out: sign in again.'
      : reason === 'scope' ? 'Your access token does not allow this: it needs the referrals/submit scope.'
        : 'Your access token is not valid for this service.';
  return fieldErrors(401, [{ path: 'headers.authorization', message }], { 'www-authenticate': challenge });
}
