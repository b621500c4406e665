/**
 * Referral references, e.g. SR-7KQ2-9XMD: read aloud over the phone and typed from a letter.
 *
 * 30 symbols: digits 2-9 and letters without I, L, O and U. 0/O and 1/I/L are the pairs people misread;
 * U is left out (as in Crockford's base32) so references are less likely to spell words. 5/S, 2/Z and
 * 8/B stay: they are misread far less often, and each pair dropped would cost two symbols.
 * Eight symbols give 30^8 (about 6.6 × 10^11) references, so guessing one is hopeless at our rate limits.
 */
export const REFERENCE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ';

const GROUP = `[${REFERENCE_ALPHABET}]{4}`;
/** A whole reference, as a pattern the API contract can publish. */
export const REFERENCE_PATTERN = `^SR-${GROUP}-${GROUP}$`;
const REFERENCE = new RegExp(REFERENCE_PATTERN);

/**
 * `randomInt` must be a uniform, cryptographically strong source such as `crypto.randomInt`:
 * a reference is only as unguessable as the numbers behind it.
 */
export function newReference(randomInt: (maxExclusive: number) => number): string {
  const symbol = () => {
    const index = randomInt(REFERENCE_ALPHABET.length);
    const char = Number.isInteger(index) ? REFERENCE_ALPHABET[index] : undefined;
    if (char === undefined) throw new RangeError(`randomInt returned ${index}, outside 0..${REFERENCE_ALPHABET.length - 1}`);
    return char;
  };
  const group = () => Array.from({ length: 4 }, symbol).join('');
  return `SR-${group()}-${group()}`;
}

export function isReference(s: string): boolean {
  return typeof s === 'string' && REFERENCE.test(s);
}

/** A reference as a person might type it (lower case, stray spaces), or undefined if it cannot be one. */
export function normaliseReference(s: string): string | undefined {
  if (typeof s !== 'string' || s.length > 20) return undefined;
  const candidate = s.trim().toUpperCase();
  return isReference(candidate) ? candidate : undefined;
}
