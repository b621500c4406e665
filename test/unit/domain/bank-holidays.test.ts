import { describe, expect, it } from 'vitest';
import { bankHolidaysByYear, firstListedYear, lastListedYear } from '../../../functions/domain/england-and-wales-bank-holidays.js';
import { englandAndWales } from '../../../functions/domain/working-calendar.js';
import { bankHolidaysFromLibrary, FIRST_YEAR, LAST_YEAR } from '../../../local/bank-holidays.js';

// The span must reach this far past today, so a run of the tests asks for a regeneration years before
// a deadline could be counted across an unlisted bank holiday.
const YEARS_OF_WARNING = 10;

describe('the England and Wales bank holidays the functions carry', () => {
  it('are, year by year, the ones the installed holiday library gives (else: npm run bank-holidays)', () => {
    for (let year = firstListedYear; year <= lastListedYear; year++) {
      expect(bankHolidaysByYear[year], `${year}: run npm run bank-holidays`).toEqual(bankHolidaysFromLibrary(year));
    }
  });

  it('span the years the generator was asked for', () => {
    expect([firstListedYear, lastListedYear]).toEqual([FIRST_YEAR, LAST_YEAR]);
    expect(Object.keys(bankHolidaysByYear).map(Number)).toEqual(Array.from({ length: LAST_YEAR - FIRST_YEAR + 1 }, (_, i) => FIRST_YEAR + i));
  });

  it(`reach at least ${YEARS_OF_WARNING} years past today`, () => {
    expect(lastListedYear).toBeGreaterThanOrEqual(new Date().getUTCFullYear() + YEARS_OF_WARNING);
  });

  it('include the one-offs and substitute days a hand-typed list forgets', () => {
    expect(englandAndWales.isHoliday('2023-05-08')).toBe(true); // the King's coronation
    expect(englandAndWales.isHoliday('2022-09-19')).toBe(true); // the Queen's state funeral
    expect(englandAndWales.isHoliday('2022-12-27')).toBe(true); // Christmas Day fell on a Sunday
    expect(englandAndWales.isHoliday('2023-05-09')).toBe(false);
  });

  it('refuse a year past the list rather than call a possible bank holiday a working day', () => {
    expect(() => englandAndWales.isHoliday(`${lastListedYear + 1}-01-01`)).toThrow(/npm run bank-holidays/);
    expect(() => englandAndWales.isHoliday(`${firstListedYear - 1}-12-25`)).toThrow(RangeError);
  });
});
