import { contactAttemptBody, outcomeBody, type ContactAttemptInput, type OutcomeInput } from '../domain/contact-and-outcome.js';
import type { FieldError } from '../domain/referral.js';

/**
 * The portal's contact-attempt and outcome forms, turned into the API's bodies and checked by the same
 * schemas, so a caseworker and a partner system are held to one rule. No AWS here: tested without a cloud.
 */

const LONDON = 'Europe/London';

/** The fields of a moment as a clock in London shows it. */
export function londonFields(at: Date): { day: string; month: string; year: string; time: string } {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-GB', {
    timeZone: LONDON, day: 'numeric', month: 'numeric', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(at).map((p) => [p.type, p.value]));
  return { day: parts.day ?? '', month: parts.month ?? '', year: parts.year ?? '', time: `${parts.hour}:${parts.minute}` };
}

/** The instant a London wall clock showed: the offset is the one in force then (GMT or BST). */
export function fromLondon(year: number, month: number, day: number, hour: number, minute: number): Date {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  const offsetAt = (instant: number) => {
    const f = londonFields(new Date(instant));
    const [h, m] = f.time.split(':').map(Number);
    return Date.UTC(Number(f.year), Number(f.month) - 1, Number(f.day), h, m) - instant;
  };
  const first = wall - offsetAt(wall);
  return new Date(wall - offsetAt(first));
}

/** Where each of the API body's fields is on the attempt form, for the error summary's links. */
const ATTEMPT_FIELD_IDS: Record<string, string> = { at: 'at-day', method: 'method', reached: 'reached', note: 'note' };
export const attemptFieldId = (path: string) => ATTEMPT_FIELD_IDS[path] ?? 'at-day';

export interface AttemptFormValues {
  readonly day: string; readonly month: string; readonly year: string; readonly time: string;
  readonly method: string; readonly reached: string; readonly note: string;
}

export function attemptFormValues(form: URLSearchParams): AttemptFormValues {
  const field = (name: string, max = 20) => (form.get(name) ?? '').slice(0, max);
  return {
    day: field('at-day'), month: field('at-month'), year: field('at-year'), time: field('at-time'),
    method: field('method', 40), reached: field('reached', 5), note: field('note', 2000),
  };
}

/** The attempt form as the API's body, or what is wrong with it keyed by the field's id. */
export function parseAttemptForm(values: AttemptFormValues): { ok: true; body: ContactAttemptInput } | { ok: false; errors: Map<string, string> } {
  const errors = new Map<string, string>();
  const [day, month, year] = [values.day, values.month, values.year].map((v) => (/^\d{1,4}$/.test(v.trim()) ? Number(v.trim()) : NaN));
  const time = /^(\d{1,2})[:.](\d{2})$/.exec(values.time.trim());
  let at: string | undefined;
  if (![day, month, year].every(Number.isInteger)) {
    errors.set('at-day', 'Enter the date of the attempt, like 14 3 2026');
  } else if (!time || Number(time[1]) > 23 || Number(time[2]) > 59) {
    errors.set('at-time', 'Enter the time of the attempt on the 24-hour clock, like 14:30');
  } else {
    const when = fromLondon(year!, month!, day!, Number(time[1]), Number(time[2]));
    const back = londonFields(when);
    if (Number(back.day) !== day || Number(back.month) !== month || Number(back.year) !== year || year! < 2000) {
      errors.set('at-day', 'The date of the attempt must be a real date');
    } else {
      at = when.toISOString();
    }
  }
  const body: Record<string, unknown> = {
    at: at ?? '',
    ...(values.method ? { method: values.method } : {}),
    ...(values.reached === 'yes' || values.reached === 'no' ? { reached: values.reached === 'yes' } : {}),
    ...(values.note.trim() ? { note: values.note } : {}),
  };
  const checked = contactAttemptBody.safeParse(body);
  if (!checked.success) {
    for (const issue of checked.error.issues) {
      const id = attemptFieldId(String(issue.path[0] ?? ''));
      if (id === 'at-day' && !at) continue;
      if (!errors.has(id)) errors.set(id, issue.message);
    }
  }
  if (errors.size || !checked.success) return { ok: false, errors: orderedLike(errors, ['at-day', 'at-time', 'method', 'reached', 'note']) };
  return { ok: true, body: checked.data };
}

export interface OutcomeFormValues { readonly outcome: string; readonly reason: string }

export function outcomeFormValues(form: URLSearchParams): OutcomeFormValues {
  return { outcome: (form.get('outcome') ?? '').slice(0, 40), reason: (form.get('reason') ?? '').slice(0, 2000) };
}

export function parseOutcomeForm(values: OutcomeFormValues): { ok: true; body: OutcomeInput } | { ok: false; errors: Map<string, string> } {
  const checked = outcomeBody.safeParse({ ...(values.outcome ? { outcome: values.outcome } : {}), reason: values.reason });
  if (checked.success) return { ok: true, body: checked.data };
  const errors = new Map<string, string>();
  for (const issue of checked.error.issues) {
    const id = String(issue.path[0] ?? 'outcome');
    if (!errors.has(id)) errors.set(id, id === 'outcome' ? 'Choose the outcome' : issue.message);
  }
  return { ok: false, errors: orderedLike(errors, ['outcome', 'reason']) };
}

/** A refusal from the action (a time out of bounds) on the field it is about. */
export const refusalOnAttemptForm = (errors: readonly FieldError[]) => new Map(errors.map((e) => [attemptFieldId(e.path), e.message]));

function orderedLike(errors: Map<string, string>, order: string[]): Map<string, string> {
  return new Map([...errors].sort(([a], [b]) => order.indexOf(a) - order.indexOf(b)));
}
