import { TZDate } from '@date-fns/tz';
import { bankHolidaysByYear, firstListedYear, lastListedYear } from './england-and-wales-bank-holidays.js';

/**
 * When a team is expected to be at its desk. Weekends are never working days; opening and closing are
 * whole hours of local time in `timeZone`.
 */
export interface WorkingCalendar {
  readonly name: string;
  readonly timeZone: string;
  readonly openHour: number;
  readonly closeHour: number;
  /** `localDate` is YYYY-MM-DD as the calendar of `timeZone` reads it. */
  isHoliday(localDate: string): boolean;
}

// SPEC §4: bank holidays come from a maintained library (date-holidays), so a one-off (a coronation, a
// state funeral) or a moved holiday arrives with a dependency update rather than someone remembering to
// type it in. Its dates are generated into england-and-wales-bank-holidays.ts (`npm run bank-holidays`;
// a unit test fails when they drift from the library) because the library itself, every country's rules
// and time zones, would cost each function's cold start more than the rest of the function (issue 17).
const holidaySetsByYear = new Map<number, ReadonlySet<string>>();

function englandAndWalesBankHolidays(year: number): ReadonlySet<string> {
  let dates = holidaySetsByYear.get(year);
  if (!dates) {
    const listed = bankHolidaysByYear[year];
    // Past the list a "working day" could be a bank holiday nobody was told about: refuse loudly instead.
    if (!listed) throw new RangeError(`England and Wales bank holidays are listed for ${firstListedYear}–${lastListedYear} only, not ${year}: run \`npm run bank-holidays\` with a wider span`);
    dates = new Set(listed);
    holidaySetsByYear.set(year, dates);
  }
  return dates;
}

/** Wales shares England's bank holidays; Scotland and Northern Ireland do not, so this is not "UK". */
export const englandAndWales: WorkingCalendar = {
  name: 'England and Wales',
  timeZone: 'Europe/London',
  openHour: 9,
  closeHour: 17,
  isHoliday: (localDate) => englandAndWalesBankHolidays(Number(localDate.slice(0, 4))).has(localDate),
};

const localDatePattern = /^(\d{4})-(\d{2})-(\d{2})$/;

function dateParts(localDate: string): { year: number; month: number; day: number } {
  const match = localDatePattern.exec(localDate);
  if (!match) throw new RangeError(`"${localDate}" is not a YYYY-MM-DD date`);
  return { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
}

function formatDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** The calendar date at `at` in `timeZone`, as YYYY-MM-DD. */
export function localDateOf(at: Date, timeZone: string): string {
  const local = new TZDate(at.getTime(), timeZone);
  return formatDate(local.getFullYear(), local.getMonth() + 1, local.getDate());
}

/** The calendar date after `localDate`, counted on UTC dates so a 23- or 25-hour day cannot skip or repeat one. */
export function dayAfter(localDate: string): string {
  const { year, month, day } = dateParts(localDate);
  const next = new Date(Date.UTC(year, month - 1, day + 1));
  return formatDate(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate());
}

/**
 * The instants a working day opens and closes, or undefined on a weekend or holiday. Computed from local
 * wall time each day, so a window is right on either side of a clock change.
 */
export function workingHoursOn(calendar: WorkingCalendar, localDate: string): { opensAt: Date; closesAt: Date } | undefined {
  const { year, month, day } = dateParts(localDate);
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  if (weekday === 0 || weekday === 6 || calendar.isHoliday(localDate)) return undefined;
  const at = (hour: number) => new Date(new TZDate(year, month - 1, day, hour, 0, 0, 0, calendar.timeZone).getTime());
  return { opensAt: at(calendar.openHour), closesAt: at(calendar.closeHour) };
}
