import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DecryptCommand, GenerateDataKeyCommand } from '@aws-sdk/client-kms';
import { kms } from './aws-clients.js';
import { requiredEnv } from './environment.js';

/** Staff sign-in tokens as a portal session holds them while in use. */
export interface StaffTokens {
  readonly accessToken: string;
  readonly refreshToken?: string;
}

/** The tokens as stored: AES-256-GCM under a data key of their own, which KMS wraps (envelope encryption). */
export interface SealedTokens {
  readonly wrappedKey: string;
  readonly iv: string;
  readonly tag: string;
  readonly sealed: string;
}

const PURPOSE = 'portal-session-tokens';

/**
 * Seals a session's tokens: KMS makes a fresh data key (SESSION_TOKEN_KEY_ID) and returns it wrapped; the
 * plaintext key encrypts the tokens here and is dropped. `boundTo` (the session's stored key) is bound to
 * both the ciphertext and the wrapped key, so sealed tokens copied onto another session do not open.
 */
export async function sealTokens(tokens: StaffTokens, boundTo: string): Promise<SealedTokens> {
  const { Plaintext, CiphertextBlob } = await kms.send(new GenerateDataKeyCommand({
    KeyId: requiredEnv('SESSION_TOKEN_KEY_ID'), KeySpec: 'AES_256', EncryptionContext: { purpose: PURPOSE, session: boundTo },
  }));
  if (!Plaintext || !CiphertextBlob) throw new Error('KMS returned no data key');
  const dataKey = Buffer.from(Plaintext);
  try {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', dataKey, iv);
    cipher.setAAD(Buffer.from(`${PURPOSE}|${boundTo}`));
    const sealed = Buffer.concat([cipher.update(JSON.stringify(tokens), 'utf8'), cipher.final()]);
    return {
      wrappedKey: Buffer.from(CiphertextBlob).toString('base64'), iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'), sealed: sealed.toString('base64'),
    };
  } finally {
    dataKey.fill(0);
  }
}

/** Opens sealed tokens: KMS unwraps the data key (only for the same session), which decrypts them here. */
export async function openTokens(sealed: SealedTokens, boundTo: string): Promise<StaffTokens> {
  const { Plaintext } = await kms.send(new DecryptCommand({
    KeyId: requiredEnv('SESSION_TOKEN_KEY_ID'), CiphertextBlob: Buffer.from(sealed.wrappedKey, 'base64'),
    EncryptionContext: { purpose: PURPOSE, session: boundTo },
  }));
  if (!Plaintext) throw new Error('KMS returned no data key');
  const dataKey = Buffer.from(Plaintext);
  try {
    const decipher = createDecipheriv('aes-256-gcm', dataKey, Buffer.from(sealed.iv, 'base64'));
    decipher.setAAD(Buffer.from(`${PURPOSE}|${boundTo}`));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    const opened = Buffer.concat([decipher.update(Buffer.from(sealed.sealed, 'base64')), decipher.final()]);
    return JSON.parse(opened.toString('utf8')) as StaffTokens;
  } finally {
    dataKey.fill(0);
  }
}
