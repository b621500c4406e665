import type { Deadline } from './config.js';
import { dayAfter, englandAndWales, localDateOf, workingHoursOn, type WorkingCalendar } from './working-calendar.js';

/** How long a team has after a missed deadline before the assignment is BREACHED (SPEC §5). */
export interface EscalationPolicy {
  readonly graceFraction: number;
  readonly minimumGraceSeconds: number;
}

const SECOND_MS = 1000;
const HOUR_MS = 3_600 * SECOND_MS;

// Every real calendar has a working day within a year; this only stops a misconfigured one
// (every day a holiday) from hanging the Lambda instead of failing it.
const MOST_DAYS_WITHOUT_WORK = 366;

/**
 * The moment an assignment made at `start` must be acknowledged by. Clock hours and seconds are real
 * elapsed time, so a clock change neither shortens nor lengthens them. Working days are counted as
 * working hours (a working day's worth per day) inside the calendar's opening hours, which is why
 * Monday 16:00 plus one working day is Tuesday 16:00 and not Tuesday 17:00.
 */
export function deadlineFor(start: Date, deadline: Deadline, calendar: WorkingCalendar = englandAndWales): Date {
  if ('seconds' in deadline) return new Date(start.getTime() + deadline.seconds * SECOND_MS);
  if ('clockHours' in deadline) return new Date(start.getTime() + deadline.clockHours * HOUR_MS);
  return afterWorkingDays(start, deadline.workingDays, calendar);
}

function afterWorkingDays(start: Date, workingDays: number, calendar: WorkingCalendar): Date {
  // The schema already insists on this, but NaN or Infinity here would loop forever rather than fail.
  if (!Number.isInteger(workingDays) || workingDays <= 0) {
    throw new RangeError(`workingDays must be a positive whole number, not ${workingDays}`);
  }
  let remaining = workingDays * (calendar.closeHour - calendar.openHour) * HOUR_MS;
  let date = localDateOf(start, calendar.timeZone);
  let daysWithoutWork = 0;
  for (;;) {
    const hours = workingHoursOn(calendar, date);
    if (hours) {
      daysWithoutWork = 0;
      // Before opening, the clock starts at opening; after closing, `available` is negative and the day is skipped.
      const countFrom = Math.max(start.getTime(), hours.opensAt.getTime());
      const available = hours.closesAt.getTime() - countFrom;
      // `>=`: a deadline may fall exactly at closing time, rather than spilling into 09:00 the next day.
      if (available >= remaining) return new Date(countFrom + remaining);
      if (available > 0) remaining -= available;
    } else if (++daysWithoutWork > MOST_DAYS_WITHOUT_WORK) {
      throw new Error(`${calendar.name} has no working day in the ${MOST_DAYS_WITHOUT_WORK} days before ${date}`);
    }
    date = dayAfter(date);
  }
}

/** Whether `at` is within opening hours on a working day. Closing time itself is not: the office has shut. */
export function isWorkingTime(at: Date, calendar: WorkingCalendar = englandAndWales): boolean {
  const hours = workingHoursOn(calendar, localDateOf(at, calendar.timeZone));
  return hours !== undefined && at.getTime() >= hours.opensAt.getTime() && at.getTime() < hours.closesAt.getTime();
}

/**
 * When the grace period after a missed deadline ends (SPEC §5): a share of the original window, in clock
 * time, but never less than the minimum, so a short HIGH deadline still leaves the duty manager time to act.
 */
export function graceEndFor(start: Date, deadlineAt: Date, policy: EscalationPolicy): Date {
  const window = Math.max(0, deadlineAt.getTime() - start.getTime());
  // Rounded up, because a Date holds whole milliseconds and the grace must not come out a fraction short.
  const grace = Math.max(Math.ceil(policy.graceFraction * window), Math.ceil(policy.minimumGraceSeconds * SECOND_MS));
  return new Date(deadlineAt.getTime() + grace);
}
