import { createHash } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { documents } from './aws-clients.js';
import { requiredEnv } from './environment.js';

/*
 * Staff access tokens ended before their time (SPEC §8: a revoked token gets 401). Cognito revokes a
 * refresh token and the access tokens issued from it, but an access token is a JWT checked offline, so it
 * would keep working until it expires (an hour). Sign-out therefore writes the token's sign-in here — its
 * `origin_jti`, shared by every access token refreshed from the same sign-in, or its own `jti` where the
 * pool gives no origin — until the token would have expired (the table's TTL then removes it), and every
 * check of a staff token looks it up. The id is stored as a digest: an item here never holds a token.
 */

// Read when first needed: a function that never checks a staff token need not know the table.
const tableName = () => requiredEnv('TABLE_NAME');
const keyOf = (signInId: string) => ({ pk: `REVOKEDTOKEN#${createHash('sha256').update(signInId).digest('hex')}`, sk: 'REVOKED' });

/** What identifies the sign-in an access token belongs to, from its verified (or, at sign-out, our own stored) claims. */
export function signInIdOf(claims: { origin_jti?: unknown; jti?: unknown }): string | undefined {
  if (typeof claims.origin_jti === 'string' && claims.origin_jti !== '') return claims.origin_jti;
  if (typeof claims.jti === 'string' && claims.jti !== '') return claims.jti;
  return undefined;
}

/** The claims of a token this service holds itself (the portal's own session), read without checking its signature. */
export function claimsOf(token: string): { origin_jti?: unknown; jti?: unknown; exp?: unknown } {
  try {
    const payload = token.split('.')[1] ?? '';
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return typeof claims === 'object' && claims !== null ? claims as Record<string, unknown> : {};
  } catch {
    return {};
  }
}

/** Ends every access token of this sign-in until the last of them would have expired anyway. */
export async function revokeSignIn(signInId: string, until: Date): Promise<void> {
  await documents.send(new PutCommand({
    TableName: tableName(),
    Item: { ...keyOf(signInId), kind: 'revoked-token', expiresAt: Math.ceil(until.getTime() / 1000) },
  }));
}

export async function isRevoked(signInId: string): Promise<boolean> {
  const { Item } = await documents.send(new GetCommand({ TableName: tableName(), Key: keyOf(signInId), ConsistentRead: true }));
  return Item !== undefined;
}
