import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { base32Bytes, hotp, secondsLeftInStep, totpCode } from '../../local/totp.js';

// RFC 6238 appendix B and RFC 4226 appendix D: the ASCII key "12345678901234567890", SHA-1.
const RFC_KEY = '12345678901234567890';
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const RFC_6238_SHA1: [number, string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

describe('TOTP codes for the local demo users', () => {
  it('reads a base32 secret as the bytes it stands for', () => {
    expect(base32Bytes(RFC_SECRET).toString('ascii')).toBe(RFC_KEY);
    expect(base32Bytes('gezd gnbv gy3t qojq gezd gnbv gy3t qojq====').toString('ascii')).toBe(RFC_KEY);
    expect(() => base32Bytes('not-base32!')).toThrow(/base32/);
  });

  it('gives the RFC 4226 HOTP values', () => {
    const key = Buffer.from(RFC_KEY, 'ascii');
    expect(Array.from({ length: 10 }, (_, counter) => hotp(key, counter))).toEqual([
      '755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489',
    ]);
  });

  it.each(RFC_6238_SHA1)('gives the RFC 6238 code at %i seconds', (seconds, eightDigits) => {
    expect(hotp(Buffer.from(RFC_KEY, 'ascii'), Math.floor(seconds / 30), 8)).toBe(eightDigits);
    // Six digits are the last six of eight: the value is taken modulo 10^digits.
    expect(totpCode(RFC_SECRET, new Date(seconds * 1000))).toBe(eightDigits.slice(2));
  });

  it('keeps the same code for 30 seconds, changing on the step boundary', () => {
    const start = new Date(1_700_000_010_000); // 1_700_000_010 is a multiple of 30
    expect(totpCode(RFC_SECRET, new Date(start.getTime() + 29_999))).toBe(totpCode(RFC_SECRET, start));
    expect(totpCode(RFC_SECRET, new Date(start.getTime() + 30_000))).not.toBe(totpCode(RFC_SECRET, start));
    expect(secondsLeftInStep(start)).toBe(30);
    expect(secondsLeftInStep(new Date(start.getTime() + 29_000))).toBe(1);
  });

  it('agrees with the code the Cognito emulator expects', () => {
    const emulator = createRequire(import.meta.url)('cognito-local/lib/services/totp.js') as {
      generateSecret(): string; generate(secret: string): string; verify(secret: string, code: string): boolean;
    };
    for (let i = 0; i < 5; i += 1) {
      const secret = emulator.generateSecret();
      const code = totpCode(secret);
      // generate() reads the clock itself: retry once if a step boundary fell in between.
      expect([code, totpCode(secret)]).toContain(emulator.generate(secret));
      expect(emulator.verify(secret, code)).toBe(true);
    }
  });
});
