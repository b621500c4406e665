import { randomInt } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isReference, newReference, normaliseReference, REFERENCE_ALPHABET } from '../../../functions/domain/reference.js';

describe('referral references', () => {
  it('look like SR-XXXX-XXXX', () => {
    expect(newReference(randomInt)).toMatch(/^SR-[2-9A-Z]{4}-[2-9A-Z]{4}$/);
  });

  it('never contain characters that are easily misread', () => {
    expect(REFERENCE_ALPHABET).not.toMatch(/[01ILOU]/);
    expect(REFERENCE_ALPHABET.length).toBeGreaterThanOrEqual(28);
    expect(new Set(REFERENCE_ALPHABET).size).toBe(REFERENCE_ALPHABET.length);
  });

  it('do not repeat over many draws from a secure random source', () => {
    const seen = new Set(Array.from({ length: 20_000 }, () => newReference(randomInt)));
    expect(seen.size).toBe(20_000);
  });

  it('are always recognised as references, whatever numbers the random source gives', () => {
    fc.assert(fc.property(fc.array(fc.nat({ max: REFERENCE_ALPHABET.length - 1 }), { minLength: 8, maxLength: 8 }), (draws) => {
      const queue = [...draws];
      const reference = newReference(() => queue.shift() ?? 0);
      expect(isReference(reference)).toBe(true);
    }));
  });

  it('refuse a random source that answers outside the alphabet', () => {
    expect(() => newReference(() => REFERENCE_ALPHABET.length)).toThrow(RangeError);
    expect(() => newReference(() => -1)).toThrow(RangeError);
    expect(() => newReference(() => 0.5)).toThrow(RangeError);
  });

  it.each(['SR-7KQ2-9XMD', 'SR-2222-ZZZZ'])('accept %s', (reference) => {
    expect(isReference(reference)).toBe(true);
  });

  it.each(['', 'sr-7kq2-9xmd', 'SR-7KQ2-9XM', 'SR-7KQ29XMD', 'SR-0O1I-LLUU', 'XX-7KQ2-9XMD', ' SR-7KQ2-9XMD', 'SR-7KQ2-9XMD\n'])(
    'reject %j',
    (candidate) => {
      expect(isReference(candidate)).toBe(false);
    },
  );

  it('can be typed in lower case with spaces around and still be found', () => {
    expect(normaliseReference('  sr-7kq2-9xmd ')).toBe('SR-7KQ2-9XMD');
    expect(normaliseReference('SR-0000-0000')).toBeUndefined();
  });
});
