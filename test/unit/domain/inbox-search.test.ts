import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchesInboxSearch, NO_SEARCH, parseInboxSearch } from '../../../functions/domain/inbox-search.js';

const assignment = { reference: 'SR-7KQ2-9XMD', band: 'HIGH' as const, assignedAt: '2026-11-17T23:30:00.000Z' };

describe('reading an inbox search from the query', () => {
  it('searches for nothing when nothing is asked', () => {
    expect(parseInboxSearch({})).toEqual({ search: NO_SEARCH, errors: [] });
    expect(parseInboxSearch({ reference: '  ', band: '', receivedFrom: '', receivedTo: '' })).toEqual({ search: NO_SEARCH, errors: [] });
  });

  it('reads a reference in any case, bands and a range of days', () => {
    expect(parseInboxSearch({ reference: ' sr-7kq2 ', band: 'high,Medium', receivedFrom: '2026-11-01', receivedTo: '2026-11-30' })).toEqual({
      search: { reference: 'SR-7KQ2', bands: ['HIGH', 'MEDIUM'], receivedFrom: '2026-11-01', receivedTo: '2026-11-30' }, errors: [],
    });
  });

  it('says what is wrong with each field, and searches for none of it', () => {
    const { search, errors } = parseInboxSearch({ reference: 'Jane Smith', band: 'URGENT', receivedFrom: '2026-02-30', receivedTo: '18/11/2026' });
    expect(errors.map((e) => e.path)).toEqual(['reference', 'band', 'receivedFrom', 'receivedTo']);
    expect(search).toEqual(NO_SEARCH);
  });

  it('refuses a range that ends before it starts', () => {
    expect(parseInboxSearch({ receivedFrom: '2026-11-30', receivedTo: '2026-11-01' }).errors)
      .toEqual([{ path: 'receivedTo', message: 'Received to must be the same as or after received from' }]);
  });

  it('never fails on any query: it answers a search or field errors', () => {
    fc.assert(fc.property(fc.dictionary(fc.constantFrom('reference', 'band', 'receivedFrom', 'receivedTo', 'other'), fc.string()), (query) => {
      const { search, errors } = parseInboxSearch(query);
      for (const e of errors) expect(['reference', 'band', 'receivedFrom', 'receivedTo']).toContain(e.path);
      if (search.reference) expect(search.reference).toMatch(/^[A-Z0-9-]+$/);
    }));
  });
});

describe('which assignments an inbox search keeps', () => {
  it('matches any part of the reference', () => {
    expect(matchesInboxSearch(assignment, { bands: [], reference: '9XMD' })).toBe(true);
    expect(matchesInboxSearch(assignment, { bands: [], reference: 'SR-AAAA' })).toBe(false);
  });

  it('matches the bands asked for', () => {
    expect(matchesInboxSearch(assignment, { bands: ['HIGH', 'MEDIUM'] })).toBe(true);
    expect(matchesInboxSearch(assignment, { bands: ['STANDARD'] })).toBe(false);
  });

  it('counts the day received in London, both ends included', () => {
    // 23:30 UTC on 17 November is 23:30 in London (GMT): the 17th.
    expect(matchesInboxSearch(assignment, { bands: [], receivedFrom: '2026-11-17', receivedTo: '2026-11-17' })).toBe(true);
    expect(matchesInboxSearch(assignment, { bands: [], receivedFrom: '2026-11-18' })).toBe(false);
    // In summer London is an hour ahead: 23:30 UTC on 17 June is already the 18th.
    const summer = { ...assignment, assignedAt: '2026-06-17T23:30:00.000Z' };
    expect(matchesInboxSearch(summer, { bands: [], receivedFrom: '2026-06-18', receivedTo: '2026-06-18' })).toBe(true);
    expect(matchesInboxSearch(summer, { bands: [], receivedTo: '2026-06-17' })).toBe(false);
  });

  it('keeps everything when nothing is asked', () => {
    fc.assert(fc.property(fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }), (at) => {
      expect(matchesInboxSearch({ ...assignment, assignedAt: at.toISOString() }, NO_SEARCH)).toBe(true);
    }));
  });
});
