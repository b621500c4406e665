import { BANDS, type Band, type Team } from './config.js';
import { deadlineFor } from './deadlines.js';
import type { AssignmentRecord } from './referral-record.js';
import { englandAndWales, type WorkingCalendar } from './working-calendar.js';

/**
 * SPEC §4 "urgency travels": a referral that moves between teams keeps the urgency it had, and every list
 * of referrals puts the most pressing first. Pure, so the rules are tested without a cloud.
 */

export interface MovedDeadline {
  readonly deadlineAt: Date;
  /** The team the referral left, when its deadline for the band was the sooner one and so was kept. */
  readonly carriedFrom?: string;
}

/**
 * The deadline of a referral given to `to` at `at`: the new team's deadline for the band, but never later
 * than the band's deadline at the team it left, counted from the moment it left (a decline, or the
 * coordinator's move; `leftAt`, which defaults to `at`). A HIGH referral declined by a 24-hour team does
 * not wait two working days at the next one. With no team left (a coordinator giving out a referral
 * nobody holds), only the new team's deadline applies.
 */
export function movedDeadline(move: {
  at: Date; band: Band; to: Pick<Team, 'deadlines'>; from?: Pick<Team, 'id' | 'deadlines'>; leftAt?: Date;
}, calendar: WorkingCalendar = englandAndWales): MovedDeadline {
  const { at, band, to, from, leftAt = at } = move;
  const theirs = deadlineFor(at, to.deadlines[band], calendar);
  if (!from) return { deadlineAt: theirs };
  const left = deadlineFor(leftAt, from.deadlines[band], calendar);
  return left.getTime() < theirs.getTime() ? { deadlineAt: left, carriedFrom: from.id } : { deadlineAt: theirs };
}

// HIGH first: BANDS runs from the lowest band up.
const bandUrgency = (band: Band) => BANDS.length - 1 - BANDS.indexOf(band);

type Listed = Pick<AssignmentRecord, 'reference' | 'band' | 'assignedAt' | 'deadlineAt'>;

/**
 * The one order of every list of referrals (SPEC §4): soonest deadline first, then the higher band, then
 * the one received first. An assignment with no deadline yet sorts as if due when it arrived. The
 * reference settles exact ties, so the order never depends on the order the store answered in.
 */
export function inboxOrder(a: Listed, b: Listed): number {
  const due = (x: Listed) => Date.parse(x.deadlineAt ?? x.assignedAt);
  return due(a) - due(b)
    || bandUrgency(a.band) - bandUrgency(b.band)
    || Date.parse(a.assignedAt) - Date.parse(b.assignedAt)
    || (a.reference < b.reference ? -1 : a.reference > b.reference ? 1 : 0);
}
