import { createHmac } from 'node:crypto';

// What Cognito and authenticator apps use (RFC 6238 with its defaults): HMAC-SHA-1, 30 s steps, 6 digits.
// cognito-local checks codes the same way (its services/totp.js), accepting the step before and after.
const STEP_SECONDS = 30;
const DIGITS = 6;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** The bytes of a base32 secret (RFC 4648; padding, spaces and case ignored), as Cognito hands them out. */
export function base32Bytes(secret: string): Buffer {
  const clean = secret.replace(/[\s=]/g, '').toUpperCase();
  const bytes: number[] = [];
  let bits = 0;
  let value = 0;
  for (const char of clean) {
    const index = BASE32.indexOf(char);
    if (index < 0) throw new Error('A TOTP secret is base32: A-Z and 2-7 only');
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

/** The HOTP value (RFC 4226) of a key at a counter, with `digits` digits. */
export function hotp(key: Buffer, counter: number, digits = DIGITS): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const hmac = createHmac('sha1', key).update(message).digest();
  const offset = hmac[hmac.length - 1]! & 0x0f;
  const binary = hmac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** The code an authenticator app shows for a base32 secret at `at` (now, unless given). */
export function totpCode(secret: string, at: Date = new Date()): string {
  return hotp(base32Bytes(secret), Math.floor(at.getTime() / 1000 / STEP_SECONDS));
}

/** Seconds until the code shown at `at` changes. */
export function secondsLeftInStep(at: Date = new Date()): number {
  return STEP_SECONDS - (Math.floor(at.getTime() / 1000) % STEP_SECONDS);
}
