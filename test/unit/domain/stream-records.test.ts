import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NEW_REFERRAL_FILTER, newReferralsIn, type StreamRecord } from '../../../functions/domain/stream-records.js';
import { matchesPattern } from '../../../local/stream-poller.js';

const record = (eventName: string, pk: string, sk: string, sequenceNumber: string): StreamRecord => ({
  eventName, dynamodb: { Keys: { pk: { S: pk }, sk: { S: sk } }, SequenceNumber: sequenceNumber },
});

describe('the referrals a stream batch newly stored', () => {
  it('takes the first write of each referral item, in stream order, with its sequence number', () => {
    expect(newReferralsIn([
      record('INSERT', 'REFERRAL#SR-7KQ2-9XMD', 'REFERRAL', '100'),
      record('INSERT', 'REFERRAL#SR-7KQ2-9XMD', 'EVENT#2026-12-02T10:00:00.000Z#ab12', '101'),
      record('INSERT', 'VICTIM#v1:abc', 'REFERRAL#2026-12-02T10:00:00.000Z#SR-7KQ2-9XMD', '102'),
      record('MODIFY', 'REFERRAL#SR-7KQ2-9XMD', 'REFERRAL', '103'),
      record('INSERT', 'REFERRAL#SR-ABCD-EFGH', 'REFERRAL', '104'),
      record('REMOVE', 'REFERRAL#SR-ABCD-EFGH', 'REFERRAL', '105'),
    ])).toEqual([{ reference: 'SR-7KQ2-9XMD', sequenceNumber: '100' }, { reference: 'SR-ABCD-EFGH', sequenceNumber: '104' }]);
  });

  it('starts nothing for an imported referral, whose history is written with it', () => {
    const imported = { ...record('INSERT', 'REFERRAL#SR-7KQ2-9XMD', 'REFERRAL', '7'), dynamodb: { Keys: { pk: { S: 'REFERRAL#SR-7KQ2-9XMD' }, sk: { S: 'REFERRAL' } }, NewImage: { importedBy: { S: 'npm run seed' } }, SequenceNumber: '7' } };
    expect(newReferralsIn([imported])).toEqual([]);
    expect(matchesPattern(NEW_REFERRAL_FILTER as unknown as Record<string, unknown>, imported)).toBe(false);
    expect(matchesPattern(NEW_REFERRAL_FILTER as unknown as Record<string, unknown>, record('INSERT', 'REFERRAL#SR-7KQ2-9XMD', 'REFERRAL', '8'))).toBe(true);
  });

  it('ignores a referral key that is not a reference, and a record without keys', () => {
    expect(newReferralsIn([record('INSERT', 'REFERRAL#../../etc', 'REFERRAL', '1'), { eventName: 'INSERT' }])).toEqual([]);
  });

  it('never starts anything the event source filter would not let through, and never misses what it lets through', () => {
    const keys = fc.record({
      eventName: fc.constantFrom('INSERT', 'MODIFY', 'REMOVE'),
      pk: fc.constantFrom('REFERRAL#SR-7KQ2-9XMD', 'VICTIM#abc', 'FORMSESSION#x', 'REFERRAL#SR-2345-6789'),
      sk: fc.constantFrom('REFERRAL', 'ASSIGNMENT#mdvs', 'EVENT#x', 'IDEMPOTENCY'),
    });
    fc.assert(fc.property(fc.array(keys, { maxLength: 30 }), (drawn) => {
      const records = drawn.map((k, i) => record(k.eventName, k.pk, k.sk, String(i)));
      const passed = records.filter((r) => matchesPattern(NEW_REFERRAL_FILTER as unknown as Record<string, unknown>, r));
      // Everything the handler acts on passed the filter; everything that passed with a referral key is acted on.
      const started = newReferralsIn(records).map((r) => r.sequenceNumber);
      expect(started.every((n) => passed.some((r) => r.dynamodb?.SequenceNumber === n))).toBe(true);
      expect(newReferralsIn(passed)).toEqual(newReferralsIn(records));
    }));
  });
});

describe('the local event filter', () => {
  it('matches lists of values, nested keys, prefixes, existence and anything-but', () => {
    const value = { eventName: 'INSERT', dynamodb: { Keys: { sk: { S: 'REFERRAL' } } } };
    expect(matchesPattern({ eventName: ['INSERT'] }, value)).toBe(true);
    expect(matchesPattern({ eventName: ['MODIFY', 'REMOVE'] }, value)).toBe(false);
    expect(matchesPattern({ dynamodb: { Keys: { sk: { S: [{ prefix: 'REF' }] } } } }, value)).toBe(true);
    expect(matchesPattern({ dynamodb: { NewImage: { status: { S: [{ exists: true }] } } } }, value)).toBe(false);
    expect(matchesPattern({ dynamodb: { NewImage: { status: { S: [{ exists: false }] } } } }, value)).toBe(true);
    expect(matchesPattern({ eventName: [{ 'anything-but': ['REMOVE'] }] }, value)).toBe(true);
    expect(matchesPattern({ eventName: [{ 'anything-but': ['INSERT'] }] }, value)).toBe(false);
  });
});
