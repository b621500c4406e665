import { ACKNOWLEDGEABLE_STATUSES, AWAITED_STATUSES, type AssignmentRecord, type ReferralStatus } from './referral-record.js';

/** Where an assignment stands in the acknowledgement ladder, as the workflow needs to know it. */
export type AssignmentStage =
  | { stage: 'DEADLINE'; secondsToWait: number }
  | { stage: 'GRACE'; secondsToWait: number }
  | { stage: 'DECLINED' }
  | { stage: 'SETTLED' };

/** Step Functions timeouts are whole seconds, at least one: a deadline already past fires at once. */
export function secondsUntil(when: string | undefined, now: Date): number {
  if (!when) return 1;
  return Math.max(1, Math.ceil((Date.parse(when) - now.getTime()) / 1000));
}

/**
 * Computed from the stored assignment alone, so a restarted workflow resumes each assignment at its
 * original deadline or grace end, whatever happened while it was down.
 */
export function stageOf(assignment: AssignmentRecord, now: Date): AssignmentStage {
  switch (assignment.status) {
    case 'ASSIGNED':
    case 'NOTIFIED':
      return { stage: 'DEADLINE', secondsToWait: secondsUntil(assignment.deadlineAt, now) };
    case 'REMINDED':
    case 'ESCALATED':
      return { stage: 'GRACE', secondsToWait: secondsUntil(assignment.graceEndsAt, now) };
    case 'DECLINED':
      return { stage: 'DECLINED' };
    default:
      return { stage: 'SETTLED' };
  }
}

/**
 * The referral's status once every assignment has settled (SPEC §2). Declined assignments were handed on,
 * so only the others count; if nobody is left, a person has to take it on: ESCALATED.
 */
export function settledStatus(assignments: readonly AssignmentRecord[]): ReferralStatus {
  const live = assignments.filter((a) => a.status !== 'DECLINED' && a.status !== 'REASSIGNED');
  // A coordinator's re-assignment runs in a workflow execution of its own: when the first execution
  // settles while that team is still being waited on, the referral is still awaiting acknowledgement.
  if (live.some((a) => a.reassignedBy !== undefined && AWAITED_STATUSES.includes(a.status))) {
    return 'AWAITING_ACK';
  }
  if (live.length === 0) return 'ESCALATED';
  const acknowledged = live.filter((a) => a.status === 'ACKNOWLEDGED').length;
  if (acknowledged === live.length) return 'ACKNOWLEDGED';
  if (acknowledged > 0) return 'PARTIALLY_ACKNOWLEDGED';
  return live.some((a) => a.status === 'BREACHED') ? 'BREACHED' : 'ESCALATED';
}

/**
 * The one boundary every view shares: a deadline has passed once the moment is strictly after it, so an
 * acknowledgement at the deadline's own instant is in time, and at that instant nothing is overdue.
 */
export function deadlinePassed(deadlineAt: string | undefined, at: Date): boolean {
  return deadlineAt !== undefined && at.getTime() > Date.parse(deadlineAt);
}

/** An acknowledgement after the deadline still counts, flagged late (SPEC §2). */
export function isLate(assignment: Pick<AssignmentRecord, 'deadlineAt'>, at: Date): boolean {
  return deadlinePassed(assignment.deadlineAt, at);
}

/**
 * Overdue now: the team can still take it on, and doing so now would be late. A breach is overdue until
 * someone takes it on. The API's inbox, the portal's inbox and the reports all ask this.
 */
export function isOverdue(assignment: Pick<AssignmentRecord, 'status' | 'deadlineAt'>, now: Date): boolean {
  if (!ACKNOWLEDGEABLE_STATUSES.includes(assignment.status)) return false;
  return assignment.status === 'BREACHED' || isLate(assignment, now);
}
