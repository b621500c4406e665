import type { Band } from './config.js';
import type { ReferralSource } from './referral.js';

/** SPEC §2: a referral's journey. FAILED records a workflow that could not finish, so a person looks at it. */
export const REFERRAL_STATUSES = [
  'RECEIVED', 'SCREENED', 'ROUTED', 'AWAITING_ACK', 'ACKNOWLEDGED', 'PARTIALLY_ACKNOWLEDGED',
  'ESCALATED', 'BREACHED', 'OUT_OF_AREA', 'CLOSED', 'FAILED',
] as const;
export type ReferralStatus = typeof REFERRAL_STATUSES[number];

/**
 * ASSIGNED is the moment between routing and the team's email leaving: it becomes NOTIFIED once sent.
 * REASSIGNED: a coordinator took the referral off this team and gave it to another.
 */
export const ASSIGNMENT_STATUSES = [
  'ASSIGNED', 'NOTIFIED', 'ACKNOWLEDGED', 'DECLINED', 'REMINDED', 'ESCALATED', 'BREACHED', 'REASSIGNED',
] as const;

/** What the workflow still waits on the team for: a referral settles once none of its assignments is in one. */
export const AWAITED_STATUSES: readonly AssignmentStatus[] = ['ASSIGNED', 'NOTIFIED', 'REMINDED', 'ESCALATED'];
/** Still waiting on the team: what an inbox counts as open and can be overdue. */
export const OPEN_ASSIGNMENT_STATUSES: readonly AssignmentStatus[] = ['NOTIFIED', 'REMINDED', 'ESCALATED'];
/** What a team may still acknowledge: told, reminded, escalated, or breached and late (SPEC §2: late still counts). */
export const ACKNOWLEDGEABLE_STATUSES: readonly AssignmentStatus[] = ['NOTIFIED', 'REMINDED', 'ESCALATED', 'BREACHED'];
/** What a team may still decline: before the ladder has escalated it to anyone else. */
export const DECLINABLE_STATUSES: readonly AssignmentStatus[] = ['NOTIFIED', 'REMINDED'];
/** A coordinator may move a referral off a team that has not taken it on. */
export const REASSIGNABLE_STATUSES: readonly AssignmentStatus[] = ['ASSIGNED', 'NOTIFIED', 'REMINDED', 'ESCALATED', 'BREACHED'];
export type AssignmentStatus = typeof ASSIGNMENT_STATUSES[number];

/**
 * SPEC §2 step 6: how a team that took a referral on ends its part. The ids are the API contract.
 * Shared by the contact-and-outcome actions and the commissioners' outcome counts.
 */
export const OUTCOMES = ['support-accepted', 'support-declined', 'unable-to-contact', 'referred-elsewhere', 'not-appropriate'] as const;
export type Outcome = typeof OUTCOMES[number];

/** How a team tried to reach the person (SPEC §2 step 6): the ways the referral's safe-contact answers offer, and in person. */
export const CONTACT_ATTEMPT_METHODS = ['phone', 'text', 'email', 'letter', 'through-referrer', 'in-person'] as const;
export type ContactAttemptMethod = typeof CONTACT_ATTEMPT_METHODS[number];

/** Where a referral may move from, for each status the workflow records. Anything else is refused. */
const ALLOWED_FROM: Partial<Record<ReferralStatus, readonly ReferralStatus[]>> = {
  SCREENED: ['RECEIVED'],
  ROUTED: ['SCREENED'],
  OUT_OF_AREA: ['SCREENED'],
  // Back from a settled status when a coordinator re-assigns the referral to another team, or out of the
  // out-of-area queue when the coordinator gives it to a team (a typo, a border: SPEC §4).
  AWAITING_ACK: ['ROUTED', 'ACKNOWLEDGED', 'PARTIALLY_ACKNOWLEDGED', 'ESCALATED', 'BREACHED', 'OUT_OF_AREA'],
  ACKNOWLEDGED: ['AWAITING_ACK', 'ROUTED'],
  PARTIALLY_ACKNOWLEDGED: ['AWAITING_ACK', 'ROUTED'],
  BREACHED: ['AWAITING_ACK', 'ROUTED'],
  ESCALATED: ['AWAITING_ACK', 'ROUTED'],
  FAILED: ['RECEIVED', 'SCREENED', 'ROUTED', 'AWAITING_ACK'],
  // Every team finished (functions/domain/referral-closure.ts), from wherever the workflow has got to; or an
  // out-of-area referral the coordinator signposted elsewhere (SPEC §4).
  CLOSED: ['ROUTED', 'AWAITING_ACK', 'ACKNOWLEDGED', 'PARTIALLY_ACKNOWLEDGED', 'ESCALATED', 'BREACHED', 'OUT_OF_AREA'],
};

/** How a referral was closed, kept on it: who closed it, when and why (SPEC §4: signposted elsewhere). */
export interface ReferralClosure {
  readonly kind: 'signposted-elsewhere';
  readonly reason: string;
  readonly at: string;
  readonly by: string;
}

export function canMoveReferral(from: ReferralStatus, to: ReferralStatus): boolean {
  return ALLOWED_FROM[to]?.includes(from) ?? false;
}

export function previousStatusesFor(to: ReferralStatus): readonly ReferralStatus[] {
  return ALLOWED_FROM[to] ?? [];
}

/** An append-only record of one change: who, when, what, previous → next. Never holds victim details. */
export interface ReferralEvent {
  readonly reference: string;
  readonly at: string;
  readonly actor: string;
  readonly type: string;
  readonly from?: string;
  readonly to?: string;
  readonly teamId?: string;
  readonly detail?: Record<string, string | number | boolean | string[]>;
}

export interface AssignmentRecord {
  readonly reference: string;
  readonly teamId: string;
  readonly areaId: string;
  readonly band: Band;
  readonly reason: string;
  /** Who referred (self, police, agency): copied here so reports can break open work down by it. */
  readonly source?: ReferralSource;
  /**
   * The referral said the person was in danger when referred: copied here so every list can flag it
   * without reading the referral. Absent on assignments made before it was copied.
   */
  readonly immediateDanger?: boolean;
  readonly status: AssignmentStatus;
  readonly assignedAt: string;
  /** Absolute, fixed when the team is assigned (SPEC §5). */
  readonly deadlineAt?: string;
  readonly graceEndsAt?: string;
  readonly notifiedAt?: string;
  readonly remindedAt?: string;
  readonly acknowledgedAt?: string;
  readonly acknowledgedBy?: string;
  readonly late?: boolean;
  readonly declinedAt?: string;
  readonly declinedBy?: string;
  readonly declineReason?: string;
  readonly breachedAt?: string;
  /** Where this assignment came from when another team declined. */
  readonly reroutedFrom?: string;
  /** Set when a coordinator gave the referral to this team, from `reassignedFrom` if it was taken off one. */
  readonly reassignedBy?: string;
  readonly reassignedFrom?: string;
  readonly reassignReason?: string;
  /** Set on the assignment a coordinator took the referral off. */
  readonly reassignedAt?: string;
  readonly reassignedTo?: string;
  /** SES refused the team's address, or mail to it bounced or was complained of: a person must step in. */
  readonly emailUndeliverable?: { readonly at: string; readonly why: string };
  /** SPEC §2 step 6: when the team first reached the person (set once, by the first attempt that did). */
  readonly firstContactAt?: string;
  /** How the team ended its part, once; the reason is free text about a person and is erased with them. */
  readonly outcome?: Outcome;
  readonly outcomeReason?: string;
  readonly outcomeAt?: string;
  readonly outcomeBy?: string;
}
