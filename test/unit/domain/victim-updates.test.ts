import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redactSubmission } from '../../../functions/domain/erasure.js';
import { parseReferral } from '../../../functions/domain/referral.js';
import type { StreamRecord } from '../../../functions/domain/stream-records.js';
import { updateAddress, VICTIM_UPDATE_FILTERS, victimUpdateEmail, victimUpdatesIn } from '../../../functions/domain/victim-updates.js';
import { matchesPattern } from '../../../local/stream-poller.js';

const NOW = new Date('2026-11-18T10:00:00Z');
const fixture = JSON.parse(readFileSync(path.join(import.meta.dirname, '../../fixtures/referral.json'), 'utf8')) as Record<string, Record<string, unknown>>;
const submission = (change: (body: Record<string, Record<string, unknown>>) => void = () => undefined) => {
  const body = structuredClone(fixture);
  change(body);
  const parsed = parseReferral(body, NOW);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.referral;
};

/** A stream record as DynamoDB writes it, for the few attributes the rule reads. */
const arbitraryRecord = fc.record({
  eventName: fc.constantFrom('INSERT', 'MODIFY', 'REMOVE'),
  sk: fc.constantFrom('REFERRAL', 'ASSIGNMENT#mdvs', 'EVENT#1', 'NOTICE#x'),
  imported: fc.boolean(),
  wantsUpdates: fc.constantFrom(true, false, undefined),
  oldStatus: fc.constantFrom('NOTIFIED', 'REMINDED', 'ACKNOWLEDGED', undefined),
  newStatus: fc.constantFrom('NOTIFIED', 'ACKNOWLEDGED', 'DECLINED'),
}).map(({ eventName, sk, imported, wantsUpdates, oldStatus, newStatus }): StreamRecord & { wantsUpdates: boolean | undefined } => ({
  eventName,
  wantsUpdates,
  dynamodb: {
    Keys: { pk: { S: 'REFERRAL#SR-ABCD-2345' }, sk: { S: sk } },
    NewImage: {
      status: { S: newStatus },
      ...(imported ? { importedBy: { S: 'seed' } } : {}),
      ...(wantsUpdates === undefined ? {} : { submission: { M: { updates: { M: { byEmail: { BOOL: wantsUpdates } } } } } as never }),
    },
    ...(oldStatus ? { OldImage: { status: { S: oldStatus } } } : {}),
    SequenceNumber: '1',
  } as StreamRecord['dynamodb'],
}));

describe('victim updates (SPEC §6)', () => {
  it('are due for a referral stored by intake and for an assignment newly acknowledged, nothing else', () => {
    fc.assert(fc.property(arbitraryRecord, (record) => {
      const found = victimUpdatesIn([record]).map((u) => u.update);
      const sk = record.dynamodb?.Keys?.sk?.S;
      const expected = record.eventName === 'INSERT' && sk === 'REFERRAL' && !record.dynamodb?.NewImage?.importedBy ? ['received']
        : record.eventName === 'MODIFY' && sk?.startsWith('ASSIGNMENT#') && record.dynamodb?.NewImage?.status?.S === 'ACKNOWLEDGED'
          && ![undefined, 'ACKNOWLEDGED'].includes((record.dynamodb as { OldImage?: { status?: { S?: string } } }).OldImage?.status?.S) ? ['picked-up'] : [];
      expect(found).toEqual(expected);
    }), { numRuns: 2_000 });
  });

  it('reach the consumer through the mapping\u2019s filters exactly when the rule acts and the victim asked (received) or anyone acknowledged', () => {
    fc.assert(fc.property(arbitraryRecord, (record) => {
      const passes = VICTIM_UPDATE_FILTERS.some((filter) => matchesPattern(filter as Record<string, unknown>, record));
      const due = victimUpdatesIn([record])[0]?.update;
      expect(passes).toBe(due === 'picked-up' || (due === 'received' && record.wantsUpdates === true));
    }), { numRuns: 2_000 });
  });

  it('go only to an email address chosen as safe, when updates were asked for, and never after erasure', () => {
    const asked = submission((b) => { b.updates = { byEmail: true }; });
    expect(updateAddress(asked)).toBe(asked.victim.email);
    expect(updateAddress(submission())).toBeUndefined();
    expect(updateAddress(submission((b) => { b.updates = { byEmail: false }; }))).toBeUndefined();
    expect(updateAddress(redactSubmission(asked))).toBeUndefined();
  });

  it('say nothing but the reference: no stalking, no link, nothing the victim told us', () => {
    for (const update of ['received', 'picked-up'] as const) {
      const email = victimUpdateEmail(update, 'SR-ABCD-2345', 'v@example.org');
      expect(email.subject).toBe('Your reference SR-ABCD-2345');
      expect(`${email.subject} ${email.text} ${email.html}`).not.toMatch(/stalk|harass|police|https?:|href/i);
      expect(email.text).toContain('SR-ABCD-2345');
    }
  });
});
