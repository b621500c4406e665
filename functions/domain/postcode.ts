/**
 * UK postcodes, and the patterns config uses to say which postcodes an area or a team covers.
 *
 * A pattern is a postcode area ("L"), a district ("L1", "EC1A") or a range of districts within one
 * area ("L1-L38"). Areas and ranges compare district numbers, never text prefixes, so "L1" is not
 * "L10" and "L" is not "LA1" or "LL11".
 */

// Letter positions follow the Royal Mail rules: the first letter is never Q, V or X; the second never
// I, J or Z; the inward unit letters avoid C, I, K, M, O and V so they cannot be misread.
const OUTWARD = String.raw`(?:[A-PR-UWYZ][0-9][0-9]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9]?|[A-PR-UWYZ][0-9][A-HJKPSTUW]|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])`;
const INWARD = String.raw`[0-9][ABD-HJLNP-UW-Z]{2}`;
const FULL_POSTCODE = new RegExp(`^(${OUTWARD})(${INWARD})$`);
const OUTWARD_ONLY = new RegExp(`^${OUTWARD}$`);
// Girobank's postcode breaks every rule above but is still delivered to.
const GIROBANK = 'GIR0AA';

// Long enough for any postcode typed with generous spacing; anything longer is not a postcode.
const MAX_INPUT_LENGTH = 16;

export function normalisePostcode(input: string): string | undefined {
  if (typeof input !== 'string' || input.length > MAX_INPUT_LENGTH) return undefined;
  const compact = input.replace(/[ \t]+/g, '').toUpperCase();
  if (compact === GIROBANK) return 'GIR 0AA';
  const match = FULL_POSTCODE.exec(compact);
  if (!match) return undefined;
  return `${match[1]} ${match[2]}`;
}

export function outwardCode(postcode: string): string | undefined {
  const normalised = normalisePostcode(postcode);
  return normalised === undefined ? undefined : normalised.slice(0, normalised.indexOf(' '));
}

/** An outward code split into its area letters, district number and, for central London, sub-district letter. */
interface District {
  readonly letters: string;
  readonly number: number;
  readonly subDistrict: string;
}

function parseDistrict(outward: string): District | undefined {
  const match = /^([A-Z]{1,2})([0-9]{1,2})([A-Z]?)$/.exec(outward);
  if (!match) return undefined;
  return { letters: match[1] ?? '', number: Number(match[2]), subDistrict: match[3] ?? '' };
}

/**
 * A pattern reduced to the district numbers it covers in one postcode area. A sub-district pattern
 * ("EC1A") covers only that sub-district; a plain district ("EC1") covers all of its sub-districts.
 */
export interface PostcodePattern {
  readonly letters: string;
  readonly from: number;
  readonly to: number;
  readonly subDistrict: string;
}

const HIGHEST_DISTRICT = 99;

export function parsePostcodePattern(pattern: string): PostcodePattern | undefined {
  if (typeof pattern !== 'string') return undefined;
  if (/^[A-Z]{1,2}$/.test(pattern)) {
    return { letters: pattern, from: 0, to: HIGHEST_DISTRICT, subDistrict: '' };
  }
  const range = /^([A-Z]{1,2})([0-9]{1,2})-([A-Z]{1,2})([0-9]{1,2})$/.exec(pattern);
  if (range) {
    const [, letters = '', from, endLetters, to] = range;
    const lo = Number(from);
    const hi = Number(to);
    if (letters !== endLetters || lo >= hi) return undefined;
    return { letters, from: lo, to: hi, subDistrict: '' };
  }
  if (!OUTWARD_ONLY.test(pattern)) return undefined;
  const district = parseDistrict(pattern);
  if (!district) return undefined;
  return { letters: district.letters, from: district.number, to: district.number, subDistrict: district.subDistrict };
}

function patternCovers(pattern: PostcodePattern, district: District): boolean {
  return pattern.letters === district.letters
    && district.number >= pattern.from
    && district.number <= pattern.to
    && (pattern.subDistrict === '' || pattern.subDistrict === district.subDistrict);
}

/** Whether two patterns share at least one district: the test for two areas claiming the same postcodes. */
export function patternsOverlap(a: PostcodePattern, b: PostcodePattern): boolean {
  return a.letters === b.letters
    && a.from <= b.to
    && b.from <= a.to
    && (a.subDistrict === '' || b.subDistrict === '' || a.subDistrict === b.subDistrict);
}

/** Whether every district of `inner` is covered by at least one of `outer`. */
export function patternWithin(inner: PostcodePattern, outer: readonly PostcodePattern[]): boolean {
  for (let n = inner.from; n <= inner.to; n += 1) {
    const district: District = { letters: inner.letters, number: n, subDistrict: inner.subDistrict };
    const covered = outer.some((candidate) =>
      patternCovers(candidate, district) && (inner.subDistrict !== '' || candidate.subDistrict === ''));
    if (!covered) return false;
  }
  return true;
}

/**
 * Accepts a full postcode in any spacing or case, or a bare outward code ("L1"). Patterns that are not
 * well formed match nothing: config validation reports them, routing must not guess.
 */
export function postcodeMatches(postcode: string, patterns: readonly string[]): boolean {
  const outward = outwardCode(postcode) ?? bareOutward(postcode);
  if (outward === undefined) return false;
  const district = parseDistrict(outward);
  if (!district) return false;
  return patterns.some((raw) => {
    const pattern = parsePostcodePattern(raw);
    return pattern !== undefined && patternCovers(pattern, district);
  });
}

function bareOutward(input: string): string | undefined {
  if (typeof input !== 'string' || input.length > MAX_INPUT_LENGTH) return undefined;
  const compact = input.trim().toUpperCase();
  return OUTWARD_ONLY.test(compact) ? compact : undefined;
}
