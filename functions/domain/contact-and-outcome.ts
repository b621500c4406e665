import * as z from 'zod';
import { freeText, type FieldError } from './referral.js';
import { CONTACT_ATTEMPT_METHODS, OUTCOMES, type AssignmentRecord, type ContactAttemptMethod, type Outcome } from './referral-record.js';

/**
 * SPEC §2 step 6: what a team that took a referral on records, its attempts to reach the person and
 * then its outcome. The bodies are the API contract; the portal's forms are turned into the same bodies.
 */

export const CONTACT_NOTE_MAX = 500;
export const OUTCOME_REASON_MAX = 500;
/** A caseworker's clock may run a little ahead of ours: an attempt "now" is never refused for that. */
export const CLOCK_SKEW_MS = 5 * 60_000;

const says = (missing: string, wrong: string) => ({ error: (issue: { input?: unknown }) => (issue.input === undefined ? missing : wrong) });

export const contactAttemptBody = z.strictObject({
  at: z.iso.datetime({ offset: true, ...says('Enter when you tried to make contact', 'Enter when you tried to make contact as a date and time, like 2026-03-14T09:30:00Z') }),
  method: z.enum(CONTACT_ATTEMPT_METHODS, says('Choose how you tried to make contact', `Choose how you tried to make contact: one of ${CONTACT_ATTEMPT_METHODS.join(', ')}`)),
  reached: z.boolean(says('Say whether you reached the person', 'Say whether you reached the person: true or false')),
  note: freeText({ label: 'Note', missing: 'Enter a note, or leave it out', max: CONTACT_NOTE_MAX, multiline: true }).optional(),
});
export type ContactAttemptInput = z.infer<typeof contactAttemptBody>;

export const outcomeBody = z.strictObject({
  outcome: z.enum(OUTCOMES, says('Choose the outcome', `Choose the outcome: one of ${OUTCOMES.join(', ')}`)),
  reason: freeText({ label: 'Reason', missing: 'Say briefly why this is the outcome', max: OUTCOME_REASON_MAX, min: 3, multiline: true }),
});
export type OutcomeInput = z.infer<typeof outcomeBody>;

/** An attempt as it is kept: its own item, never changed once written. The note stays out of logs and events. */
export interface ContactAttempt {
  readonly reference: string;
  readonly teamId: string;
  readonly at: string;
  readonly method: ContactAttemptMethod;
  readonly reached: boolean;
  readonly note?: string;
  readonly recordedAt: string;
  readonly recordedBy: string;
}

/**
 * When an attempt may have happened: not in the future (beyond a clock's skew), and not before the team
 * was given the referral, since it could not have tried to reach the person before then.
 */
export function attemptTimeProblem(at: string, bounds: { now: Date; assignedAt: string }): FieldError | undefined {
  const when = Date.parse(at);
  if (when > bounds.now.getTime() + CLOCK_SKEW_MS) return { path: 'at', message: 'The time of the attempt must not be in the future.' };
  // Forms give the minute, not the second: an attempt in the minute the team got the referral is after it.
  const assignedMinute = Math.floor(Date.parse(bounds.assignedAt) / 60_000) * 60_000;
  if (when < assignedMinute) return { path: 'at', message: 'The time of the attempt must be after your team was given the referral.' };
  return undefined;
}

/** Attempts and an outcome are recorded only for a team that took the referral on and has not finished. */
export type ContactStage = 'not-acknowledged' | 'open' | 'finished';
export function contactStage(assignment: Pick<AssignmentRecord, 'status' | 'outcome'>): ContactStage {
  if (assignment.status !== 'ACKNOWLEDGED') return 'not-acknowledged';
  return assignment.outcome === undefined ? 'open' : 'finished';
}

/** Plain words for the portal and the history. */
export const OUTCOME_WORDS: Record<Outcome, string> = {
  'support-accepted': 'Support accepted',
  'support-declined': 'Support declined by the person',
  'unable-to-contact': 'Unable to contact',
  'referred-elsewhere': 'Referred to another service',
  'not-appropriate': 'Not appropriate for this service',
};

export const CONTACT_METHOD_WORDS: Record<ContactAttemptMethod, string> = {
  phone: 'Phone call',
  text: 'Text message',
  email: 'Email',
  letter: 'Letter',
  'through-referrer': 'Through the referrer',
  'in-person': 'In person',
};
