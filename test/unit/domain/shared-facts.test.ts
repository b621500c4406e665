import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deadlinePassed, isLate, isOverdue } from '../../../functions/domain/assignment-progress.js';
import { openWork } from '../../../functions/domain/open-work.js';
import { RISK_FACTOR_IDS, RISK_FACTOR_LABELS } from '../../../functions/domain/referral.js';
import { ACKNOWLEDGEABLE_STATUSES, ASSIGNMENT_STATUSES, DECLINABLE_STATUSES } from '../../../functions/domain/referral-record.js';
import { DEFAULT_RETENTION_DAYS, retentionDays } from '../../../functions/domain/retention.js';
import { rawBody } from '../../../functions/http/raw-body.js';

const DEADLINE = '2026-11-18T16:00:00.000Z';
const at = (offsetMs: number) => new Date(Date.parse(DEADLINE) + offsetMs);

describe('facts every view shares, each with one definition', () => {
  it('draw the deadline at one instant: in time at it, late and overdue one millisecond after', () => {
    expect(deadlinePassed(DEADLINE, at(0))).toBe(false);
    expect(deadlinePassed(DEADLINE, at(1))).toBe(true);
    expect(isLate({ deadlineAt: DEADLINE }, at(0))).toBe(false);
    expect(isOverdue({ status: 'NOTIFIED', deadlineAt: DEADLINE }, at(0))).toBe(false);
    expect(isOverdue({ status: 'NOTIFIED', deadlineAt: DEADLINE }, at(1))).toBe(true);
    // The reports' open-work count uses the same boundary as the inboxes.
    const count = (now: Date) => openWork([{ teamId: 'mdvs', areaId: 'merseyside', band: 'HIGH', deadlineAt: DEADLINE }], { by: 'team', now, values: ['mdvs'] }).overdueNow.total;
    expect(count(at(0))).toBe(0);
    expect(count(at(1))).toBe(1);
  });

  it('call overdue exactly what a team can still acknowledge and would now be late with, a breach always', () => {
    fc.assert(fc.property(fc.constantFrom(...ASSIGNMENT_STATUSES), fc.integer({ min: -1e9, max: 1e9 }), (status, offset) => {
      const expected = ACKNOWLEDGEABLE_STATUSES.includes(status) && (status === 'BREACHED' || offset > 0);
      expect(isOverdue({ status, deadlineAt: DEADLINE }, at(offset))).toBe(expected);
    }));
  });

  it('let a team acknowledge until someone else has it, and decline only before the ladder escalates it', () => {
    expect(ACKNOWLEDGEABLE_STATUSES).toEqual(['NOTIFIED', 'REMINDED', 'ESCALATED', 'BREACHED']);
    expect(DECLINABLE_STATUSES).toEqual(['NOTIFIED', 'REMINDED']);
  });

  it('name every risk factor once, in the contract\u2019s order, as caseworkers and victims read it back', () => {
    expect(Object.keys(RISK_FACTOR_LABELS)).toEqual([...RISK_FACTOR_IDS]);
    expect(RISK_FACTOR_LABELS).toEqual({
      veryFrightened: 'Very frightened',
      threatsToKill: 'Threats to kill',
      threatsOfViolence: 'Threats of violence',
      violenceUsed: 'Violence used',
      pastViolence: 'Violent in the past',
      propertyDamage: 'Damaged property',
      turnsUp: 'Turns up at home, work or elsewhere',
      // Was "Contact many times a day" on the portal: the question asks about a few times a week or more.
      frequentContact: 'Contact a few times a week or more',
      contactsOthers: 'Contacts family, friends or colleagues',
      enlistsOthers: 'Gets others to help',
      substanceMisuse: 'Drug or alcohol misuse',
      escalating: 'Getting worse',
      weaponsAccess: 'Access to weapons',
      selfHarmThreats: 'Threatens self-harm or suicide',
    });
  });

  it('keep records six years unless told otherwise, a day to a century, whoever asks (the stack or a function)', () => {
    expect(DEFAULT_RETENTION_DAYS).toBe(2192);
    expect(retentionDays(undefined)).toBe(2192);
    expect(retentionDays('')).toBe(2192);
    expect(retentionDays('30')).toBe(30);
    expect(retentionDays(36_500)).toBe(36_500);
    for (const bad of ['0', '36501', '1.5', 'six years', -1]) expect(() => retentionDays(bad)).toThrow(/whole number of days, 1 to 36500/);
    expect(() => retentionDays(0, 'retentionDays')).toThrow(/^retentionDays /);
  });

  it('read a request body the same way for JSON, forms and referrals, base64 or not', () => {
    const event = (body: string | undefined, isBase64Encoded: boolean) => ({ body, isBase64Encoded }) as Parameters<typeof rawBody>[0];
    expect(rawBody(event('{"a":"£"}', false))).toBe('{"a":"£"}');
    expect(rawBody(event(Buffer.from('{"a":"£"}').toString('base64'), true))).toBe('{"a":"£"}');
    expect(rawBody(event(undefined, false))).toBe('');
  });
});
