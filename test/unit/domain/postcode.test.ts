import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  normalisePostcode, outwardCode, parsePostcodePattern, patternsOverlap, patternWithin, postcodeMatches,
} from '../../../functions/domain/postcode.js';

describe('normalising a postcode', () => {
  it.each([
    ['L1 8JQ', 'L1 8JQ'],
    ['l18jq', 'L1 8JQ'],
    ['  ch41   4hy ', 'CH41 4HY'],
    ['PR8 1AA', 'PR8 1AA'],
    ['wa101ab', 'WA10 1AB'],
    ['EC1A 1BB', 'EC1A 1BB'],
    ['w1a 0ax', 'W1A 0AX'],
    ['SW1A2AA', 'SW1A 2AA'],
    ['gir 0aa', 'GIR 0AA'],
  ])('turns %j into %j', (input, expected) => {
    expect(normalisePostcode(input)).toBe(expected);
  });

  it.each([
    '', 'L1', 'L1 8J', '8JQ', 'L1 8JQX', 'QL1 8JQ', 'L1 8CQ', 'LJ1 8JQ', '12345', 'L1-8JQ', 'L1 8JQ; DROP', 'L'.repeat(500),
  ])('refuses %j', (input) => {
    expect(normalisePostcode(input)).toBeUndefined();
  });

  it('gives the same answer however the postcode was spaced or cased', () => {
    fc.assert(fc.property(fc.constantFrom('L8 7QZ', 'CH60 1AB', 'WA9 3XY', 'PR9 0AA'), fc.boolean(), (postcode, lower) => {
      const typed = (lower ? postcode.toLowerCase() : postcode).replace(' ', '');
      expect(normalisePostcode(typed)).toBe(postcode);
    }));
  });

  it('never throws, whatever text it is given', () => {
    fc.assert(fc.property(fc.string(), (input) => {
      const result = normalisePostcode(input);
      expect(result === undefined || /^[A-Z0-9]{2,4} [0-9][A-Z]{2}$/.test(result)).toBe(true);
    }));
  });
});

describe('the outward code of a postcode', () => {
  it('is the part before the space', () => {
    expect(outwardCode('l1 8jq')).toBe('L1');
    expect(outwardCode('CH414HY')).toBe('CH41');
    expect(outwardCode('EC1A 1BB')).toBe('EC1A');
  });

  it('is undefined for something that is not a postcode', () => {
    expect(outwardCode('not a postcode')).toBeUndefined();
  });
});

describe('matching a postcode against area, district and range patterns', () => {
  it('matches a district only to itself, so L1 is not L10', () => {
    expect(postcodeMatches('L1 8JQ', ['L1'])).toBe(true);
    expect(postcodeMatches('L10 1AB', ['L1'])).toBe(false);
    expect(postcodeMatches('L11 1AB', ['L1'])).toBe(false);
  });

  it('matches a postcode area to every district in it but not to areas sharing a first letter', () => {
    expect(postcodeMatches('L1 8JQ', ['L'])).toBe(true);
    expect(postcodeMatches('L38 1AB', ['L'])).toBe(true);
    expect(postcodeMatches('LA1 1AB', ['L'])).toBe(false);
    expect(postcodeMatches('LL11 1AB', ['L'])).toBe(false);
  });

  it('matches a range inclusively at both ends and nothing outside it', () => {
    expect(postcodeMatches('L1 1AA', ['L1-L38'])).toBe(true);
    expect(postcodeMatches('L38 1AA', ['L1-L38'])).toBe(true);
    expect(postcodeMatches('L20 1AA', ['L1-L38'])).toBe(true);
    expect(postcodeMatches('L39 1AA', ['L1-L38'])).toBe(false);
    expect(postcodeMatches('L40 1AA', ['L1-L38'])).toBe(false);
    expect(postcodeMatches('LA2 1AA', ['L1-L38'])).toBe(false);
  });

  it('matches a plain district to its central London sub-districts, and a sub-district only to itself', () => {
    expect(postcodeMatches('EC1A 1BB', ['EC1'])).toBe(true);
    expect(postcodeMatches('EC1A 1BB', ['EC1A'])).toBe(true);
    expect(postcodeMatches('EC1M 1BB', ['EC1A'])).toBe(false);
  });

  it('accepts a bare outward code as well as a full postcode', () => {
    expect(postcodeMatches('wa10', ['WA9-WA12'])).toBe(true);
    expect(postcodeMatches('WA13', ['WA9-WA12'])).toBe(false);
  });

  it('matches nothing when a pattern is malformed or the postcode is not one', () => {
    expect(postcodeMatches('L1 8JQ', ['l1', 'L1-M3', 'L38-L1', ''])).toBe(false);
    expect(postcodeMatches('nonsense', ['L'])).toBe(false);
  });

  it('agrees with the range for every district number', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 99 }), (n) => {
      expect(postcodeMatches(`L${n} 1AA`, ['L1-L38'])).toBe(n <= 38);
    }));
  });
});

describe('comparing patterns', () => {
  const p = (raw: string) => {
    const pattern = parsePostcodePattern(raw);
    if (!pattern) throw new Error(`bad pattern ${raw}`);
    return pattern;
  };

  it('sees overlapping ranges, identical districts and an area containing a district', () => {
    expect(patternsOverlap(p('L1-L38'), p('L30-L40'))).toBe(true);
    expect(patternsOverlap(p('WA9'), p('WA9'))).toBe(true);
    expect(patternsOverlap(p('L'), p('L39'))).toBe(true);
    expect(patternsOverlap(p('L1-L38'), p('L39-L40'))).toBe(false);
    expect(patternsOverlap(p('L'), p('LA1'))).toBe(false);
  });

  it('knows when a team pattern lies inside the area patterns', () => {
    expect(patternWithin(p('L5-L10'), [p('L1-L38')])).toBe(true);
    expect(patternWithin(p('L30-L40'), [p('L1-L38')])).toBe(false);
    expect(patternWithin(p('L1-L20'), [p('L1-L10'), p('L11-L20')])).toBe(true);
    expect(patternWithin(p('EC1'), [p('EC1A')])).toBe(false);
  });
});
