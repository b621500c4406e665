import { describe, expect, it } from 'vitest';
import {
  attemptTimeProblem, CLOCK_SKEW_MS, contactAttemptBody, contactStage, outcomeBody,
} from '../../../functions/domain/contact-and-outcome.js';

const errorsOf = (result: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) =>
  (result.error?.issues ?? []).map((i) => ({ path: i.path.join('.'), message: i.message }));

describe('a contact attempt as the API accepts it', () => {
  it('accepts when, how, reached or not, and an optional note', () => {
    expect(contactAttemptBody.parse({ at: '2026-11-18T09:30:00Z', method: 'phone', reached: false })).toEqual({ at: '2026-11-18T09:30:00Z', method: 'phone', reached: false });
    expect(contactAttemptBody.parse({ at: '2026-11-18T09:30:00+00:00', method: 'in-person', reached: true, note: '  Spoke at the door.\nSafe to call back.  ' }).note)
      .toBe('Spoke at the door.\nSafe to call back.');
  });

  it('says which field is wrong, for each field', () => {
    expect(errorsOf(contactAttemptBody.safeParse({}))).toEqual([
      { path: 'at', message: 'Enter when you tried to make contact' },
      { path: 'method', message: 'Choose how you tried to make contact' },
      { path: 'reached', message: 'Say whether you reached the person' },
    ]);
    const wrong = errorsOf(contactAttemptBody.safeParse({ at: 'yesterday', method: 'pigeon', reached: 'yes', note: 'x'.repeat(501) }));
    expect(wrong.map((e) => e.path)).toEqual(['at', 'method', 'reached', 'note']);
    expect(wrong[3]?.message).toBe('Note must be 500 characters or fewer');
  });

  it('refuses fields it does not know and control characters in the note', () => {
    expect(errorsOf(contactAttemptBody.safeParse({ at: '2026-11-18T09:30:00Z', method: 'phone', reached: true, victimName: 'x' })).map((e) => e.path)).toEqual(['']);
    expect(errorsOf(contactAttemptBody.safeParse({ at: '2026-11-18T09:30:00Z', method: 'phone', reached: true, note: 'a\u0007b' })).map((e) => e.path)).toEqual(['note']);
  });
});

describe('an outcome as the API accepts it', () => {
  it('takes one of the five outcomes and a short reason', () => {
    expect(outcomeBody.parse({ outcome: 'support-accepted', reason: 'Agreed a safety plan.' })).toEqual({ outcome: 'support-accepted', reason: 'Agreed a safety plan.' });
  });

  it('asks for the outcome and the reason', () => {
    expect(errorsOf(outcomeBody.safeParse({ outcome: 'closed', reason: ' ' }))).toEqual([
      { path: 'outcome', message: 'Choose the outcome: one of support-accepted, support-declined, unable-to-contact, referred-elsewhere, not-appropriate' },
      { path: 'reason', message: 'Say briefly why this is the outcome' },
    ]);
    expect(errorsOf(outcomeBody.safeParse({ outcome: 'support-accepted', reason: 'x'.repeat(501) })).map((e) => e.path)).toEqual(['reason']);
  });
});

describe('when an attempt may have happened', () => {
  const now = new Date('2026-11-18T10:00:00Z');
  const assignedAt = '2026-11-17T09:00:00Z';

  it('is any time from when the team was given the referral until now, allowing for a clock a little ahead', () => {
    expect(attemptTimeProblem(assignedAt, { now, assignedAt })).toBeUndefined();
    // A form's "now" is the minute: the minute the team was given it counts as after.
    expect(attemptTimeProblem('2026-11-17T09:00:00Z', { now, assignedAt: '2026-11-17T09:00:42.123Z' })).toBeUndefined();
    expect(attemptTimeProblem(new Date(now.getTime() + CLOCK_SKEW_MS).toISOString(), { now, assignedAt })).toBeUndefined();
  });

  it('is never in the future, nor before the team had the referral', () => {
    expect(attemptTimeProblem(new Date(now.getTime() + CLOCK_SKEW_MS + 1000).toISOString(), { now, assignedAt })?.path).toBe('at');
    expect(attemptTimeProblem('2026-11-17T08:59:59Z', { now, assignedAt })?.message).toMatch(/after your team was given the referral/);
  });
});

describe('what a team may record', () => {
  it('records contact and an outcome only once it acknowledged, and nothing after its outcome', () => {
    expect(contactStage({ status: 'NOTIFIED' })).toBe('not-acknowledged');
    expect(contactStage({ status: 'DECLINED' })).toBe('not-acknowledged');
    expect(contactStage({ status: 'ACKNOWLEDGED' })).toBe('open');
    expect(contactStage({ status: 'ACKNOWLEDGED', outcome: 'support-accepted' })).toBe('finished');
  });
});
