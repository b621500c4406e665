import { JwtRsaVerifier } from 'aws-jwt-verify';
import {
  FetchError, JwkValidationError, JwksValidationError, JwtExpiredError, JwtInvalidClaimError, JwtInvalidIssuerError,
  JwtInvalidSignatureAlgorithmError, JwtInvalidSignatureError, JwtNotBeforeError, JwtParseError, JwtWithoutValidKidError,
  KidNotFoundInJwksError, NonRetryableFetchError, WaitPeriodNotYetEndedJwkError,
} from 'aws-jwt-verify/error';
import type { Fetcher } from 'aws-jwt-verify/https';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import type { Caller } from '../http/caller.js';
import { partnerClientsFrom, SUBMIT_SCOPE } from '../domain/partner-clients.js';
import { requiredEnv } from './environment.js';
import { isRevoked, signInIdOf } from './revoked-tokens.js';

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

// One cache for both verifiers: staff and partner tokens are signed by the same pool's keys.
const jwksCache = new SimpleJwksCache({ fetcher: jwksFetcher });

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
}, { jwksCache });

// Read when first needed: only the submit function is given the partners' client ids.
let partners: Map<string, string> | undefined;
const partnerClients = () => (partners ??= partnerClientsFrom(process.env.PARTNER_CLIENTS));

/**
 * A partner system's token from the client-credentials grant: an access token of one of the partners'
 * app clients carrying the submit scope. It has no user (`sub` is the client id) and no groups.
 */
const partnerVerifier = JwtRsaVerifier.create({
  issuer: requiredEnv('JWT_ISSUER'),
  jwksUri: requiredEnv('JWKS_URI'),
  audience: null,
  customJwtCheck: ({ payload }) => {
    if (payload.token_use !== 'access') throw new RefusedToken('token-use');
    if (typeof payload.client_id !== 'string' || !partnerClients().has(payload.client_id)) throw new RefusedToken('client');
    const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
    if (!scopes.includes(SUBMIT_SCOPE)) throw new RefusedToken('scope');
  },
}, { jwksCache });

export type RefusalReason =
  | 'missing' | 'malformed' | 'expired' | 'signature' | 'unknown-key' | 'issuer' | 'token-use' | 'client' | 'claims' | 'scope'
  | 'revoked' | 'keys-unavailable' | 'unexpected';

export function reasonFor(error: unknown): RefusalReason {
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

type Refusal = { ok: false; reason: RefusalReason; error?: unknown };

/**
 * The signed-in person a Cognito access token from our app client vouches for, or why it does not.
 * Shared by the API's request authorizer and the portal, which checks its session's token itself.
 */
export async function verifyAccessToken(token: string): Promise<{ ok: true; caller: Caller } | Refusal> {
  const verdict = await verifyAccessTokenThenSignIn(token);
  if (!verdict.ok) return verdict;
  const signedIn = await verdict.signedIn;
  return signedIn.ok ? { ok: true, caller: verdict.caller } : signedIn;
}

/**
 * As verifyAccessToken, but answers once the signature and claims hold, with the revocation read still
 * running in `signedIn`: a caller can read what it needs meanwhile, and must wait for `signedIn` to
 * say ok before it changes anything or answers.
 */
export async function verifyAccessTokenThenSignIn(token: string): Promise<{ ok: true; caller: Caller; signedIn: Promise<{ ok: true } | Refusal> } | Refusal> {
  let payload: Awaited<ReturnType<typeof verifier.verify>>;
  try {
    payload = await verifier.verify(token);
  } catch (error) {
    return { ok: false, reason: reasonFor(error), error };
  }
  // Read only after the signature holds, so nobody can make us read the table with a token we did not issue.
  const signInId = signInIdOf(payload);
  const signedIn = signInId === undefined ? Promise.resolve({ ok: true as const }) : isRevoked(signInId).then(
    (revoked): { ok: true } | Refusal => (revoked ? { ok: false, reason: 'revoked' } : { ok: true }),
    (error: unknown): Refusal => ({ ok: false, reason: reasonFor(error), error }),
  );
  const groups = payload['cognito:groups'];
  return {
    ok: true,
    caller: {
      userId: String(payload.sub),
      username: String(payload.username),
      groups: Array.isArray(groups) ? groups.filter((g): g is string => typeof g === 'string') : [],
    },
    signedIn,
  };
}

/** The partner organisation whose system holds this token. */
export interface PartnerCaller {
  readonly clientId: string;
  readonly organisation: string;
}

/** The partner a machine token from the client-credentials grant vouches for, or why it does not. */
export async function verifyPartnerToken(token: string): Promise<{ ok: true; partner: PartnerCaller } | Refusal> {
  try {
    const payload = await partnerVerifier.verify(token);
    const clientId = String(payload.client_id);
    return { ok: true, partner: { clientId, organisation: partnerClients().get(clientId)! } };
  } catch (error) {
    return { ok: false, reason: reasonFor(error), error };
  }
}

/** A bearer token from an Authorization header: the token, or why there is none to check. */
export function bearerToken(header: string | undefined): string | 'missing' | 'malformed' {
  if (header === undefined) return 'missing';
  return /^Bearer +([A-Za-z0-9._~+/=-]+)$/.exec(header.trim())?.[1] ?? 'malformed';
}

