import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BANDS } from '../../../functions/domain/config.js';
import { openWork, publishableOpenWork, UNKNOWN_SOURCE, type OpenAssignment } from '../../../functions/domain/open-work.js';
import { SOURCES } from '../../../functions/domain/referral.js';
import { CONFIDENTIAL, SMALL } from '../../../functions/domain/suppression.js';
import { throughputReport } from '../../../functions/domain/throughput.js';

const now = new Date('2026-06-02T12:00:00Z');
const assignment = (teamId: string, deadlineAt: string | undefined, extra: Partial<OpenAssignment> = {}): OpenAssignment =>
  ({ teamId, areaId: 'merseyside', band: 'HIGH', source: 'police', ...(deadlineAt ? { deadlineAt } : {}), ...extra });

describe('open and overdue work', () => {
  it('counts each open assignment once, and as overdue once its deadline has passed (the inboxes\u2019 boundary)', () => {
    const work = openWork([
      assignment('mdvs', '2026-06-02T11:59:59Z'),
      assignment('mdvs', '2026-06-02T12:00:00Z'),
      assignment('mdvs', '2026-06-02T12:00:01Z'),
      assignment('victim-care', undefined),
    ], { by: 'team', now, values: ['housing-support', 'mdvs', 'victim-care'] });
    expect(work).toEqual({
      openNow: { values: [{ value: 'housing-support', count: 0 }, { value: 'mdvs', count: 3 }, { value: 'victim-care', count: 1 }], total: 4 },
      // At its deadline's own instant an assignment can still be acknowledged in time: overdue only after it.
      overdueNow: { values: [{ value: 'housing-support', count: 0 }, { value: 'mdvs', count: 1 }, { value: 'victim-care', count: 0 }], total: 1 },
    });
  });

  it('puts an assignment that does not record its source under UNKNOWN, after the sources it was given', () => {
    const work = openWork([assignment('mdvs', undefined, { source: undefined }), assignment('mdvs', undefined, { source: 'self' })],
      { by: 'source', now, values: SOURCES });
    expect(work.openNow.values).toEqual([
      { value: 'self', count: 1 }, { value: 'police', count: 0 }, { value: 'agency', count: 0 }, { value: UNKNOWN_SOURCE, count: 1 },
    ]);
  });

  it('publishes no count of 1 to 4, and never leaves one hidden count to be worked out from the total', () => {
    fc.assert(fc.property(fc.array(fc.nat({ max: 12 }), { minLength: 1, maxLength: 5 }), (counts) => {
      const values = counts.map((_, i) => `team-${i}`);
      const assignments = counts.flatMap((count, i) => Array.from({ length: count }, () => assignment(`team-${i}`, undefined)));
      const { openNow } = publishableOpenWork(openWork(assignments, { by: 'team', now, values }));
      const shown = [...openNow.values.map((v) => v.count), openNow.total];
      for (const [i, count] of shown.entries()) {
        const exact = i < counts.length ? counts[i]! : counts.reduce((a, b) => a + b, 0);
        if (exact >= 1 && exact <= 4) expect(count).toBe(SMALL);
        else expect([exact, CONFIDENTIAL]).toContain(count);
      }
      const hiddenValues = openNow.values.filter((v) => typeof v.count === 'string');
      if (hiddenValues.length === 1) expect(typeof openNow.total).toBe('string');
    }));
  });

  it('shows every band with nothing open as 0, not as missing', () => {
    const work = publishableOpenWork(openWork([], { by: 'band', now, values: BANDS }));
    expect(work.openNow).toEqual({ values: BANDS.map((value) => ({ value, count: 0 })), total: 0 });
  });
});

describe('a report’s values', () => {
  it('include the teams or areas asked for even without figures, and nothing extra for bands', () => {
    expect(throughputReport([], { from: '2019-03-01', to: '2019-03-31', groupBy: 'month', by: 'team', includeValues: ['mdvs', 'victim-care'] }).values)
      .toEqual(['mdvs', 'victim-care']);
    expect(throughputReport([], { from: '2019-03-01', to: '2019-03-31', groupBy: 'month', by: 'band', includeValues: ['mdvs'] }).values)
      .toEqual([...BANDS]);
  });
});
