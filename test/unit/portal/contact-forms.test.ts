import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromLondon, londonFields, parseAttemptForm, parseOutcomeForm } from '../../../functions/portal/contact-forms.js';

const form = (values: Partial<Record<'day' | 'month' | 'year' | 'time' | 'method' | 'reached' | 'note', string>>) => ({
  day: '', month: '', year: '', time: '', method: '', reached: '', note: '', ...values,
});

describe('the attempt form’s date and time, read as London’s clock', () => {
  it('is GMT in winter and BST in summer', () => {
    expect(fromLondon(2026, 11, 18, 9, 45).toISOString()).toBe('2026-11-18T09:45:00.000Z');
    expect(fromLondon(2026, 7, 1, 9, 45).toISOString()).toBe('2026-07-01T08:45:00.000Z');
  });

  it('shows back the minute it was given, at any time of any day', () => {
    fc.assert(fc.property(fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2035-12-31T23:59:00Z'), noInvalidDate: true }), (when) => {
      const minute = new Date(Math.floor(when.getTime() / 60_000) * 60_000);
      const f = londonFields(minute);
      const [h, m] = f.time.split(':').map(Number);
      const back = fromLondon(Number(f.year), Number(f.month), Number(f.day), h!, m!);
      // The hour the clocks go back shows twice: either reading is that wall-clock time.
      expect(londonFields(back)).toEqual(f);
    }));
  });
});

describe('reading the attempt form', () => {
  it('makes the API body of a complete form', () => {
    expect(parseAttemptForm(form({ day: '18', month: '11', year: '2026', time: '14.05', method: 'text', reached: 'yes', note: ' ' }))).toEqual({
      ok: true, body: { at: '2026-11-18T14:05:00.000Z', method: 'text', reached: true },
    });
  });

  it('names each field that is wrong, in the order of the form', () => {
    const result = parseAttemptForm(form({ day: '18', month: '11', year: '2026', time: '25:00', method: 'pigeon', note: 'x'.repeat(501) }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect([...result.errors.keys()]).toEqual(['at-time', 'method', 'reached', 'note']);
  });
});

describe('reading the outcome form', () => {
  it('asks for an outcome and a reason', () => {
    const result = parseOutcomeForm({ outcome: '', reason: '' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect([...result.errors]).toEqual([['outcome', 'Choose the outcome'], ['reason', 'Say briefly why this is the outcome']]);
    expect(parseOutcomeForm({ outcome: 'support-accepted', reason: 'Weekly calls.' })).toEqual({ ok: true, body: { outcome: 'support-accepted', reason: 'Weekly calls.' } });
  });
});
