import middy from '@middy/core';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerResult, APIGatewaySimpleAuthorizerWithContextResult } from 'aws-lambda';
import { JwtRsaVerifier } from 'aws-jwt-verify';
import {
  FetchError, JwkValidationError, JwksValidationError, JwtExpiredError, JwtInvalidClaimError, JwtInvalidIssuerError,
  JwtInvalidSignatureAlgorithmError, JwtInvalidSignatureError, JwtNotBeforeError, JwtParseError, JwtWithoutValidKidError,
  KidNotFoundInJwksError, NonRetryableFetchError, WaitPeriodNotYetEndedJwkError,
} from 'aws-jwt-verify/error';
import type { Fetcher } from 'aws-jwt-verify/https';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { requiredEnv } from './adapters/environment.js';
import { SESSION_COOKIE, type CallerContext } from './http/caller.js';
import { taskDefaults } from './http/http-defaults.js';
import { logger, metrics } from './observability.js';

const clientId = requiredEnv('USER_POOL_CLIENT_ID');

class RefusedToken extends Error {
  constructor(readonly reason: RefusalReason) {
    super(reason);
  }
}

// aws-jwt-verify's own fetcher speaks https only, and the local Cognito emulator serves its keys over
// http. The URI comes from our configuration (JWKS_URI), never from a token, so honouring its scheme
// gives a caller no say in where keys come from.
const jwksFetcher: Fetcher = {
  fetch: async (uri) => {
    const response = await fetch(uri, { signal: AbortSignal.timeout(3000) });
    if (!response.ok) throw new NonRetryableFetchError(uri, `Status code is ${response.status}, expected 200`);
    return response.arrayBuffer();
  },
};

const verifier = JwtRsaVerifier.create({
  issuer: requiredEnv('JWT_ISSUER'),
  jwksUri: requiredEnv('JWKS_URI'),
  // Cognito access tokens carry no `aud`; the app client is in `client_id`, checked below.
  audience: null,
  customJwtCheck: ({ payload }) => {
    // An id token is signed by the same keys: it must not open the API.
    if (payload.token_use !== 'access') throw new RefusedToken('token-use');
    if (payload.client_id !== clientId) throw new RefusedToken('client');
    if (typeof payload.sub !== 'string' || payload.sub === '' || typeof payload.username !== 'string') {
      throw new RefusedToken('claims');
    }
  },
}, { jwksCache: new SimpleJwksCache({ fetcher: jwksFetcher }) });

type RefusalReason =
  | 'missing' | 'malformed' | 'expired' | 'signature' | 'unknown-key' | 'issuer' | 'token-use' | 'client' | 'claims'
  | 'keys-unavailable' | 'unexpected';

/** A bearer token from the Authorization header (API clients), else the session cookie (the portal). */
function tokenFrom(event: APIGatewayRequestAuthorizerEventV2): string | RefusalReason {
  const header = event.headers?.authorization;
  if (header !== undefined) return /^Bearer +([A-Za-z0-9._~+/=-]+)$/.exec(header.trim())?.[1] ?? 'malformed';
  for (const cookie of event.cookies ?? []) {
    const separator = cookie.indexOf('=');
    if (separator > 0 && cookie.slice(0, separator).trim() === SESSION_COOKIE) {
      return cookie.slice(separator + 1).trim() || 'missing';
    }
  }
  return 'missing';
}

function reasonFor(error: unknown): RefusalReason {
  if (error instanceof RefusedToken) return error.reason;
  if (error instanceof JwtExpiredError || error instanceof JwtNotBeforeError) return 'expired';
  if (error instanceof JwtInvalidIssuerError) return 'issuer';
  if (error instanceof JwtInvalidSignatureError || error instanceof JwtInvalidSignatureAlgorithmError) return 'signature';
  if (error instanceof KidNotFoundInJwksError || error instanceof JwtWithoutValidKidError) return 'unknown-key';
  if (error instanceof WaitPeriodNotYetEndedJwkError) return 'unknown-key';
  if (error instanceof JwtInvalidClaimError) return 'claims';
  if (error instanceof JwtParseError) return 'malformed';
  if (error instanceof FetchError || error instanceof JwksValidationError || error instanceof JwkValidationError) return 'keys-unavailable';
  return 'unexpected';
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
  try {
    if (token === 'missing' || token === 'malformed') throw new RefusedToken(token);
    const payload = await verifier.verify(token);
    const groups = payload['cognito:groups'];
    return {
      isAuthorized: true,
      context: {
        userId: String(payload.sub),
        username: String(payload.username),
        groups: Array.isArray(groups) ? groups.filter((g): g is string => typeof g === 'string').join(',') : '',
      },
    };
  } catch (error) {
    const reason = reasonFor(error);
    if (reason === 'keys-unavailable' || reason === 'unexpected') {
      logger.error('Request refused: could not check its token', { reason, errorName: (error as Error)?.name });
    } else {
      logger.warn('Request refused', { reason });
    }
    metrics.addMetric('RequestRefused', MetricUnit.Count, 1);
    return { isAuthorized: false };
  }
};

export const handler = middy(authorizeRequest).use(taskDefaults());
