import { graceEndFor, type EscalationPolicy } from './deadlines.js';
import { ACKNOWLEDGEABLE_STATUSES, DECLINABLE_STATUSES, type AssignmentStatus } from './referral-record.js';

/** The two moments of an assignment's ladder (SPEC §5): its deadline, then the end of its grace period. */
export interface Ladder {
  readonly deadlineAt: Date;
  readonly graceEndsAt: Date;
}

/** The grace period is measured from the original window, so it is the same whenever the reminder goes. */
export function ladderFor(assignedAt: Date, deadlineAt: Date, escalation: EscalationPolicy): Ladder {
  return { deadlineAt, graceEndsAt: graceEndFor(assignedAt, deadlineAt, escalation) };
}

/** What the ladder does to an assignment its team has not answered. */
export type LadderMove =
  | { readonly kind: 'REMINDED'; readonly at: Date; readonly graceEndsAt: Date }
  | { readonly kind: 'BREACHED'; readonly at: Date };

/**
 * What the ladder has done to a notified assignment by `now`, when its team answers at `answeredAt` (or
 * has not): at the deadline the team is reminded, at the end of the grace period the assignment is
 * breached. An answer at a move's own instant lands first, as an acknowledgement at the deadline is in time.
 */
export function ladderMovesBy(ladder: Ladder, now: Date, answeredAt?: Date): LadderMove[] {
  const moves: LadderMove[] = [];
  const unansweredAt = (at: Date) => at.getTime() <= now.getTime() && (answeredAt === undefined || answeredAt.getTime() > at.getTime());
  if (!unansweredAt(ladder.deadlineAt)) return moves;
  moves.push({ kind: 'REMINDED', at: ladder.deadlineAt, graceEndsAt: ladder.graceEndsAt });
  if (unansweredAt(ladder.graceEndsAt)) moves.push({ kind: 'BREACHED', at: ladder.graceEndsAt });
  return moves;
}

/** The status an assignment waits in at each stage: the one its stage's move is made from. */
export const WAITING_IN = { DEADLINE: 'NOTIFIED', GRACE: 'REMINDED' } as const satisfies Record<string, AssignmentStatus>;

interface Change {
  readonly from: readonly AssignmentStatus[];
  readonly to: AssignmentStatus;
  readonly set: Record<string, string | boolean>;
}

/** The reminder as it is recorded: only on an assignment still waiting for its deadline. */
export const reminderAt = (at: Date, graceEndsAt: Date): Change => ({
  from: [WAITING_IN.DEADLINE], to: 'REMINDED', set: { remindedAt: at.toISOString(), graceEndsAt: graceEndsAt.toISOString() },
});

/** The breach as it is recorded: only on an assignment still in its grace period. */
export const breachAt = (at: Date): Change => ({ from: [WAITING_IN.GRACE], to: 'BREACHED', set: { breachedAt: at.toISOString() } });

/** A team's acknowledgement as it is recorded, by whoever answered for it, from any status it may be given in. */
export const acknowledgementAt = (at: Date, by: string, late: boolean): Change => ({
  from: ACKNOWLEDGEABLE_STATUSES, to: 'ACKNOWLEDGED', set: { acknowledgedAt: at.toISOString(), acknowledgedBy: by, late },
});

/** A team's decline as it is recorded, with its reason, from any status it may be given in. */
export const declineAt = (at: Date, by: string, reason: string): Change => ({
  from: DECLINABLE_STATUSES, to: 'DECLINED', set: { declinedAt: at.toISOString(), declinedBy: by, declineReason: reason },
});
