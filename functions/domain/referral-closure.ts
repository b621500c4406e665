import { AWAITED_STATUSES, type AssignmentRecord, type AssignmentStatus } from './referral-record.js';

/**
 * Assignments that ended without an outcome of their own (SPEC §2 step 7): declined and handed on,
 * taken off the team by a coordinator, or breached with nobody there taking it on.
 */
const FINISHED_WITHOUT_OUTCOME: readonly AssignmentStatus[] = ['DECLINED', 'REASSIGNED', 'BREACHED'];

type Closing = Pick<AssignmentRecord, 'status' | 'outcome'>;

/** Whether this assignment's team has nothing left to do on the referral. */
export function isFinished(assignment: Closing): boolean {
  if (assignment.outcome !== undefined) return true;
  return FINISHED_WITHOUT_OUTCOME.includes(assignment.status);
}

/**
 * A referral closes when some team recorded an outcome, every other assignment is finished, and no
 * team is still being waited on. Without any outcome it stays open: a referral every team declined or
 * breached is a coordinator's to take on (SPEC §1), not one to close quietly.
 */
export function shouldClose(assignments: readonly Closing[]): boolean {
  if (!assignments.some((a) => a.outcome !== undefined)) return false;
  if (assignments.some((a) => AWAITED_STATUSES.includes(a.status))) return false;
  return assignments.every(isFinished);
}
