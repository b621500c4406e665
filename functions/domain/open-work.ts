import type { Band } from './config.js';
import type { ReferralSource } from './referral.js';
import { publishedValue, suppress, tableOf, type PublishedCount, type Visibility } from './suppression.js';
import type { Dimension } from './throughput.js';
import { deadlinePassed } from './assignment-progress.js';

/*
 * Open now and overdue now (SPEC §7): assignments still waiting on their team at the moment the report
 * is made, whatever day they arrived. They come from the open-work index, so counting them costs what
 * is open, not all history.
 */

/** The parts of an open assignment a count needs: no reference, no person. */
export interface OpenAssignment {
  readonly teamId: string;
  readonly areaId: string;
  readonly band: Band;
  /** Missing on assignments stored before it was copied onto them: counted under UNKNOWN_SOURCE. */
  readonly source?: ReferralSource;
  readonly deadlineAt?: string;
}

/** The source of an assignment that does not record one. Upper case, so it is never a real source. */
export const UNKNOWN_SOURCE = 'UNKNOWN';

export interface OpenCount<C> {
  /** One per value, in the order given, then any value met that was not given. */
  readonly values: readonly { readonly value: string; readonly count: C }[];
  readonly total: C;
}

export interface OpenWork<C> {
  readonly openNow: OpenCount<C>;
  /** Open with its deadline passed (strictly before `now`): reminded, escalated or breached and still not taken on. */
  readonly overdueNow: OpenCount<C>;
}

function valueOf(assignment: OpenAssignment, by: Dimension): string {
  if (by === 'team') return assignment.teamId;
  if (by === 'area') return assignment.areaId;
  if (by === 'band') return assignment.band;
  return assignment.source ?? UNKNOWN_SOURCE;
}

/** Open and overdue assignments per value of `by`, in the order of `values` (usually the report's values). */
export function openWork(assignments: Iterable<OpenAssignment>, options: { by: Dimension; now: Date; values: readonly string[] }): OpenWork<number> {
  const open = new Map<string, number>(options.values.map((v) => [v, 0]));
  const overdue = new Map<string, number>(options.values.map((v) => [v, 0]));
  for (const assignment of assignments) {
    const value = valueOf(assignment, options.by);
    open.set(value, (open.get(value) ?? 0) + 1);
    // Everything from the open-work index can still be taken on: overdue is the shared deadline boundary.
    const late = deadlinePassed(assignment.deadlineAt, options.now);
    overdue.set(value, (overdue.get(value) ?? 0) + (late ? 1 : 0));
  }
  const countOf = (counts: Map<string, number>): OpenCount<number> => ({
    values: [...counts].map(([value, count]) => ({ value, count })),
    total: [...counts.values()].reduce((a, b) => a + b, 0),
  });
  return { openNow: countOf(open), overdueNow: countOf(overdue) };
}

const HIDING: Record<Visibility, number> = { published: 0, secondary: 1, primary: 2 };
const moreHidden = (a: Visibility, b: Visibility) => (HIDING[a] >= HIDING[b] ? a : b);

/**
 * A count as published: 1–4 as `<5`, and more hidden (`[c]`) where the total would give a hidden one
 * back. The values are a one-column table whose rows' totals are the values themselves; a figure shown
 * twice is hidden if either place needs it hidden, and hiding more never gives anything away.
 */
function publishableCount(count: OpenCount<number>): OpenCount<PublishedCount> {
  if (count.values.length === 0) return { values: [], total: publishedValue(count.total, count.total >= 1 && count.total <= 4 ? 'primary' : 'published') };
  const s = suppress(tableOf(count.values.map(({ count: c }) => [c])));
  return {
    values: count.values.map(({ value, count: c }, i) => ({ value, count: publishedValue(c, moreHidden(s.cells[i]![0]!, s.rowTotals[i]!)) })),
    total: publishedValue(count.total, moreHidden(s.columnTotals[0]!, s.grandTotal)),
  };
}

export function publishableOpenWork(work: OpenWork<number>): OpenWork<PublishedCount> {
  return { openNow: publishableCount(work.openNow), overdueNow: publishableCount(work.overdueNow) };
}
