import { BANDS, type Band } from './config.js';
import type { FieldError } from './referral.js';
import type { AssignmentRecord } from './referral-record.js';
import { localDateOf } from './working-calendar.js';

/**
 * What a team narrows its inbox to (SPEC §4, §8): a reference or part of one, bands, and the London days
 * the referral reached the team. Read from a URL's query, so it holds nothing about the person: a
 * reference is the only thing anyone types here.
 */
export interface InboxSearch {
  /** Upper case, as references are written; matches any part of a reference. */
  readonly reference?: string;
  /** None means every band. */
  readonly bands: readonly Band[];
  /** London calendar days (YYYY-MM-DD), both ends included. */
  readonly receivedFrom?: string;
  readonly receivedTo?: string;
}

export const NO_SEARCH: InboxSearch = { bands: [] };

// A reference is SR- and two groups of four: letters, digits and hyphens only, so nothing else is ever searched for.
const REFERENCE_PART = /^[A-Z0-9-]{1,20}$/;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

function isRealDay(value: string): boolean {
  const parts = DAY.exec(value);
  if (!parts) return false;
  const [year, month, day] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** The search a query asks for, or what is wrong with it field by field; blank fields search for nothing. */
export function parseInboxSearch(query: Readonly<Record<string, string | undefined>>): { search: InboxSearch; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const reference = (query.reference ?? '').trim().toUpperCase();
  if (reference && !REFERENCE_PART.test(reference)) {
    errors.push({ path: 'reference', message: 'Enter a reference, or part of one, like SR-7KQ2-9XMD: letters, numbers and hyphens only' });
  }
  const bands = (query.band ?? '').split(',').map((b) => b.trim().toUpperCase()).filter(Boolean);
  if (bands.some((b) => !(BANDS as readonly string[]).includes(b))) {
    errors.push({ path: 'band', message: 'Choose a band: High, Medium or Standard' });
  }
  const day = (field: 'receivedFrom' | 'receivedTo', words: string) => {
    const value = (query[field] ?? '').trim();
    if (value && !isRealDay(value)) errors.push({ path: field, message: `${words} must be a real date, like 2026-11-18` });
    return value && isRealDay(value) ? value : undefined;
  };
  const receivedFrom = day('receivedFrom', 'Received from');
  const receivedTo = day('receivedTo', 'Received to');
  if (receivedFrom && receivedTo && receivedFrom > receivedTo) {
    errors.push({ path: 'receivedTo', message: 'Received to must be the same as or after received from' });
  }
  return {
    search: {
      ...(reference && REFERENCE_PART.test(reference) ? { reference } : {}),
      bands: [...new Set(bands.filter((b): b is Band => (BANDS as readonly string[]).includes(b)))],
      ...(receivedFrom ? { receivedFrom } : {}),
      ...(receivedTo ? { receivedTo } : {}),
    },
    errors,
  };
}

/** Whether an assignment is one the search asks for; the day received is the London day it reached the team. */
export function matchesInboxSearch(a: Pick<AssignmentRecord, 'reference' | 'band' | 'assignedAt'>, search: InboxSearch): boolean {
  if (search.reference && !a.reference.toUpperCase().includes(search.reference)) return false;
  if (search.bands.length > 0 && !search.bands.includes(a.band)) return false;
  if (search.receivedFrom || search.receivedTo) {
    const received = localDateOf(new Date(a.assignedAt), 'Europe/London');
    if (search.receivedFrom && received < search.receivedFrom) return false;
    if (search.receivedTo && received > search.receivedTo) return false;
  }
  return true;
}
