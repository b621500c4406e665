import { createHash } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { IDLE_SECONDS, SHIFT_SECONDS, SIGN_IN_SECONDS } from '../domain/staff-sessions.js';
import { documents } from './aws-clients.js';
import { requiredEnv } from './environment.js';
import { openTokens, sealTokens, type SealedTokens } from './sealed-tokens.js';

const tableName = requiredEnv('TABLE_NAME');

export type SignInStep = 'mfa' | 'mfa-setup' | 'new-password';

/**
 * A portal session. The browser holds only an opaque id; the tokens stay here, so a copied cookie
 * cannot be replayed against the API, and signing out ends it at once.
 */
export interface PortalSession {
  readonly id: string;
  /** Synchroniser token: every POST form carries it. */
  readonly csrf: string;
  /** Where to go once signed in: a portal path, checked before use. */
  readonly returnTo?: string;
  /** Mid sign-in: what Cognito asked for next, with its session. */
  readonly pending?: { readonly step: SignInStep; readonly username: string; readonly cognitoSession: string; readonly secret?: string };
  readonly signedIn?: { readonly accessToken: string; readonly refreshToken?: string; readonly since: number };
  /** One message for the next page (e.g. "Referral acknowledged"), then gone. */
  readonly flash?: string;
}

// Stored under a digest of the id: someone able to read the table still cannot use what they read.
const key = (id: string) => ({ pk: `PORTALSESSION#${createHash('sha256').update(id).digest('base64url')}`, sk: 'PORTALSESSION' });

/** Signed in, as stored: the tokens sealed (functions/adapters/sealed-tokens.ts), never in the clear. */
interface StoredSignIn { readonly since: number; readonly tokens: SealedTokens }

// A session is saved on every request (its idle expiry moves on) but its tokens change only at sign-in
// and refresh: what was opened on reading is sealed again only when it changed, one KMS call the fewer.
const sealedWhenRead = new WeakMap<NonNullable<PortalSession['signedIn']>, StoredSignIn>();

async function openSignIn(stored: unknown, boundTo: string): Promise<PortalSession['signedIn']> {
  const signIn = stored as Partial<StoredSignIn> | undefined;
  // A session stored before tokens were sealed has none here: its holder signs in again.
  if (typeof signIn?.since !== 'number' || !signIn.tokens) return undefined;
  let tokens;
  try {
    tokens = await openTokens(signIn.tokens, boundTo);
  } catch (error) {
    // Sealed for another session (copied across) or altered: no sign-in here. KMS unreachable is thrown on.
    if (['InvalidCiphertextException', 'IncorrectKeyException'].includes((error as Error).name) || (error as Error).message.includes('authenticate data')) return undefined;
    throw error;
  }
  const signedIn = { accessToken: tokens.accessToken, ...(tokens.refreshToken ? { refreshToken: tokens.refreshToken } : {}), since: signIn.since };
  sealedWhenRead.set(signedIn, signIn as StoredSignIn);
  return signedIn;
}

async function sealSignIn(signedIn: NonNullable<PortalSession['signedIn']>, boundTo: string): Promise<StoredSignIn> {
  const known = sealedWhenRead.get(signedIn);
  if (known && known.since === signedIn.since) return known;
  const { accessToken, refreshToken } = signedIn;
  const stored = { since: signedIn.since, tokens: await sealTokens({ accessToken, ...(refreshToken ? { refreshToken } : {}) }, boundTo) };
  sealedWhenRead.set(signedIn, stored);
  return stored;
}

/** The session, or undefined when it never existed or has expired (DynamoDB's TTL sweep can lag by days). */
export async function getPortalSession(id: string, now: Date): Promise<PortalSession | undefined> {
  const { Item } = await documents.send(new GetCommand({ TableName: tableName, Key: key(id), ConsistentRead: true }));
  if (!Item || typeof Item.expiresAt !== 'number' || Item.expiresAt * 1000 <= now.getTime()) return undefined;
  return {
    id,
    csrf: String(Item.csrf),
    returnTo: Item.returnTo as string | undefined,
    pending: Item.pending as PortalSession['pending'],
    signedIn: await openSignIn(Item.signedIn, key(id).pk),
    flash: Item.flash as string | undefined,
  };
}

/** Saves the session with its expiry moved on: idle time for a signed-in one, never past the end of the shift. */
export async function savePortalSession(session: PortalSession, now: Date): Promise<void> {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const expiresAt = session.signedIn
    ? Math.min(nowSeconds + IDLE_SECONDS, Math.floor(session.signedIn.since / 1000) + SHIFT_SECONDS)
    : nowSeconds + SIGN_IN_SECONDS;
  const { id: _id, signedIn, ...stored } = session;
  const pk = key(session.id).pk;
  await documents.send(new PutCommand({
    TableName: tableName,
    Item: { ...key(session.id), kind: 'portal-session', ...stored, ...(signedIn ? { signedIn: await sealSignIn(signedIn, pk) } : {}), expiresAt },
    // Attributes left undefined (no flash, no pending step) are simply not stored.
  }));
}

export async function deletePortalSession(id: string): Promise<void> {
  await documents.send(new DeleteCommand({ TableName: tableName, Key: key(id) }));
}
