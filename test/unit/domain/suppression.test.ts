import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CONFIDENTIAL, publishableReport, SMALL, suppress, tableOf, type CountTable, type Suppression, type Visibility,
} from '../../../functions/domain/suppression.js';
import {
  COUNT_FIGURES, REFERRAL_LEVEL, rollUp, throughputReport, type AggregateRow,
} from '../../../functions/domain/throughput.js';

/* ---------------------------------------------------------------------------------------------------
 * An audit written apart from the code under test: a plain search for a second filling of the hidden
 * figures. What a reader knows: every published figure, every row and column adds up (totals included),
 * a `<5` figure is 1–4, a `[c]` figure is not 1–4 and so (zeros are never hidden) at least 5.
 * ------------------------------------------------------------------------------------------------- */

type Grid = number[][];

function gridOf(table: CountTable): Grid {
  return [...table.cells.map((row, i) => [...row, table.rowTotals[i]!]), [...table.columnTotals, table.grandTotal]];
}

function visibilityGrid(s: Suppression): Visibility[][] {
  return [...s.cells.map((row, i) => [...row, s.rowTotals[i]!]), [...s.columnTotals, s.grandTotal]];
}

function allowed(value: number, visibility: Visibility): boolean {
  if (visibility === 'primary') return value >= 1 && value <= 4;
  if (visibility === 'secondary') return value >= 5;
  return false;
}

/**
 * Whether some other whole-number filling of the hidden figures, each moved by at most `reach`, keeps
 * every row and column adding up, and changes figure (ti, tj). Returns the filling, for checking.
 */
function secondFilling(grid: Grid, hidden: Visibility[][], ti: number, tj: number, reach = 1): Grid | undefined {
  const rows = grid.length;
  const columns = grid[0]!.length;
  const positions: [number, number][] = [];
  for (let i = 0; i < rows; i++) for (let j = 0; j < columns; j++) if (hidden[i]![j] !== 'published') positions.push([i, j]);
  // The target first, so every filling tried changes it.
  positions.sort(([a, b], [c, d]) => Number(c === ti && d === tj) - Number(a === ti && b === tj) || a - c || b - d);
  const candidate = grid.map((row) => [...row]);
  const steps = Array.from({ length: 2 * reach + 1 }, (_, k) => k - reach);
  const lineOk = (cells: number[]) => cells.slice(0, -1).reduce((a, b) => a + b, 0) === cells.at(-1);
  const remainingInRow = (index: number, i: number) => positions.slice(index + 1).some(([r]) => r === i);
  const remainingInColumn = (index: number, j: number) => positions.slice(index + 1).some(([, c]) => c === j);

  const place = (index: number): boolean => {
    if (index === positions.length) {
      return candidate.every(lineOk) && candidate[0]!.every((_, j) => lineOk(candidate.map((row) => row[j]!)));
    }
    const [i, j] = positions[index]!;
    for (const step of steps) {
      if (index === 0 && step === 0) continue;
      const value = grid[i]![j]! + step;
      if (!allowed(value, hidden[i]![j]!)) continue;
      candidate[i]![j] = value;
      // A line is checked as soon as its last hidden figure is placed.
      if (!remainingInRow(index, i) && !lineOk(candidate[i]!)) continue;
      if (!remainingInColumn(index, j) && !lineOk(candidate.map((row) => row[j]!))) continue;
      if (place(index + 1)) return true;
    }
    candidate[i]![j] = grid[i]![j]!;
    return false;
  };
  return positions.length > 0 && place(0) ? candidate : undefined;
}

/** Every hidden figure some reader could work out. */
function workedOut(table: CountTable, suppression: Suppression, reach = 1): [number, number][] {
  const grid = gridOf(table);
  const hidden = visibilityGrid(suppression);
  const found: [number, number][] = [];
  hidden.forEach((row, i) => row.forEach((v, j) => {
    if (v !== 'published' && !secondFilling(grid, hidden, i, j, reach)) found.push([i, j]);
  }));
  return found;
}

/** Hiding every non-zero figure: what no suppression can do better than. */
function hideEverything(table: CountTable): Suppression {
  const mark = (v: number): Visibility => (v >= 1 && v <= 4 ? 'primary' : v > 0 ? 'secondary' : 'published');
  return {
    cells: table.cells.map((row) => row.map(mark)),
    rowTotals: table.rowTotals.map(mark),
    columnTotals: table.columnTotals.map(mark),
    grandTotal: mark(table.grandTotal),
  };
}

function primaryOnly(table: CountTable): Suppression {
  const mark = (v: number): Visibility => (v >= 1 && v <= 4 ? 'primary' : 'published');
  return { cells: table.cells.map((row) => row.map(mark)), rowTotals: table.rowTotals.map(mark), columnTotals: table.columnTotals.map(mark), grandTotal: mark(table.grandTotal) };
}

describe('the audit', () => {
  it('catches a table where only the small numbers were hidden', () => {
    const table = tableOf([[3, 10], [7, 12]]);
    expect(workedOut(table, primaryOnly(table))).toEqual([[0, 0]]);
  });

  it('catches a figure that is the only link between two safe groups, though every line hides two or more', () => {
    // Two 2×2 blocks of hidden figures, each safe on its own, joined by one hidden figure at (0, 2):
    // every line hides 0 or at least 2, yet the joining figure is the sum of a block's lines.
    const table = tableOf([
      [6, 7, 8, 20],
      [9, 10, 30, 40],
      [50, 60, 11, 12],
      [70, 80, 13, 14],
    ]);
    const h: Visibility = 'secondary';
    const p: Visibility = 'published';
    const suppression: Suppression = {
      cells: [[h, h, h, p], [h, h, p, p], [p, p, h, h], [p, p, h, h]],
      rowTotals: [p, p, p, p], columnTotals: [p, p, p, p], grandTotal: p,
    };
    expect(workedOut(table, suppression)).toEqual([[0, 2]]);
  });

  it('accepts a safe pattern, and its second filling really adds up', () => {
    const table = tableOf([[3, 10], [7, 12]]);
    const suppression: Suppression = {
      cells: [['primary', 'secondary'], ['secondary', 'secondary']],
      rowTotals: ['published', 'published'], columnTotals: ['published', 'published'], grandTotal: 'published',
    };
    expect(workedOut(table, suppression)).toEqual([]);
    const other = secondFilling(gridOf(table), visibilityGrid(suppression), 0, 0)!;
    expect(other[0]![0]).not.toBe(3);
    expect([other[0]![0], other[0]![1], other[1]![0], other[1]![1]].every((v, k) => allowed(v!, k === 0 ? 'primary' : 'secondary'))).toBe(true);
    expect(other.map((row) => row[0]! + row[1]! - row[2]!)).toEqual([0, 0, 0]);
    expect([0, 1, 2].map((j) => other[0]![j]! + other[1]![j]! - other[2]![j]!)).toEqual([0, 0, 0]);
  });

  it('finds the same figures safe whether hidden figures may move by one or by two', () => {
    fc.assert(fc.property(smallTables(3, 3, 9), (cells) => {
      const table = tableOf(cells);
      const s = suppress(table);
      expect(workedOut(table, s, 2)).toEqual(workedOut(table, s, 1));
      expect(workedOut(table, primaryOnly(table), 2)).toEqual(workedOut(table, primaryOnly(table), 1));
    }), { numRuns: 150 });
  });
});

/** Tables with plenty of small numbers and zeros, as a team-by-week table of a small area has. */
function smallTables(maxRows: number, maxColumns: number, maxValue = 40): fc.Arbitrary<number[][]> {
  const value = fc.oneof(
    { weight: 2, arbitrary: fc.constant(0) },
    { weight: 3, arbitrary: fc.integer({ min: 1, max: 4 }) },
    { weight: 3, arbitrary: fc.integer({ min: 5, max: maxValue }) },
  );
  return fc.integer({ min: 1, max: maxRows }).chain((rows) => fc.integer({ min: 1, max: maxColumns })
    .chain((columns) => fc.array(fc.array(value, { minLength: columns, maxLength: columns }), { minLength: rows, maxLength: rows })));
}

describe('suppress', () => {
  it('publishes a table with no small numbers as it is', () => {
    const s = suppress(tableOf([[0, 12], [7, 30]]));
    expect(visibilityGrid(s).flat().every((v) => v === 'published')).toBe(true);
  });

  it('hides a small number with the cheapest three figures that close a cycle around it', () => {
    const table = tableOf([[3, 20, 30], [40, 50, 60]]);
    const s = suppress(table);
    expect(s.cells).toEqual([['primary', 'secondary', 'published'], ['secondary', 'secondary', 'published']]);
    expect([...s.rowTotals, ...s.columnTotals, s.grandTotal].every((v) => v === 'published')).toBe(true);
    expect(workedOut(table, s)).toEqual([]);
  });

  it('hides a small total and protects it through the other totals', () => {
    // Column 0 adds up to 3: the total is small as well as its cells.
    const table = tableOf([[1, 20], [2, 30]]);
    const s = suppress(table);
    expect(s.columnTotals[0]).toBe('primary');
    expect(workedOut(table, s)).toEqual([]);
  });

  it('hides everything it can when nothing can save a figure: four 1s whose grand total is 4', () => {
    // Shown `<5` everywhere, each 1 is still certain: four figures of at least 1 add up to at most 4.
    const table = tableOf([[1, 1], [1, 1]]);
    const s = suppress(table);
    expect(visibilityGrid(s).flat().every((v) => v === 'primary')).toBe(true);
    expect(workedOut(table, hideEverything(table))).toHaveLength(9);
  });

  it('hides a figure it is asked to, and keeps that one safe too', () => {
    const table = tableOf([[30, 20], [40, 50]]);
    const s = suppress(table, { mustHide: (i, j) => i === 0 && j === 0 });
    expect(s.cells[0]![0]).toBe('secondary');
    expect(workedOut(table, s)).toEqual([]);
  });

  it('refuses totals that do not add up, and counts that are not counts', () => {
    expect(() => suppress({ cells: [[1, 2]], rowTotals: [4], columnTotals: [1, 2], grandTotal: 3 })).toThrow(RangeError);
    expect(() => suppress(tableOf([[1, -2]]))).toThrow(RangeError);
    expect(() => suppress(tableOf([[1.5, 2]]))).toThrow(RangeError);
  });

  it('publishes no figure of 1 to 4, hides no zero, and never leaves one hidden figure alone in a line', () => {
    fc.assert(fc.property(smallTables(6, 8, 200), (cells) => {
      const table = tableOf(cells);
      const grid = gridOf(table);
      const hidden = visibilityGrid(suppress(table));
      grid.forEach((row, i) => row.forEach((value, j) => {
        const v = hidden[i]![j]!;
        if (v === 'published') expect(value < 1 || value > 4).toBe(true);
        if (value === 0) expect(v).toBe('published');
        if (v === 'primary') expect(value >= 1 && value <= 4).toBe(true);
      }));
      const lines = [...hidden, ...hidden[0]!.map((_, j) => hidden.map((row) => row[j]!))];
      for (const line of lines) expect(line.filter((v) => v !== 'published').length).not.toBe(1);
    }), { numRuns: 3_000 });
  });

  it('leaves no hidden figure that a reader could work out, unless hiding everything could not save it either', () => {
    let withSecondary = 0;
    let withUnsavable = 0;
    fc.assert(fc.property(smallTables(4, 5), (cells) => {
      const table = tableOf(cells);
      const s = suppress(table);
      if (visibilityGrid(s).flat().includes('secondary')) withSecondary++;
      const exposed = workedOut(table, s);
      if (exposed.length === 0) return;
      withUnsavable++;
      const unsavable = workedOut(table, hideEverything(table));
      expect(exposed.filter(([i, j]) => !unsavable.some(([r, c]) => r === i && c === j))).toEqual([]);
    }), { numRuns: 1_500 });
    // The property says something only if secondary suppression was needed often, and the escape clause rarely.
    expect(withSecondary).toBeGreaterThan(500);
    expect(withUnsavable).toBeLessThan(withSecondary / 5);
  });
});

describe('a report ready to publish', () => {
  const day = (d: number) => `2026-06-${String(d).padStart(2, '0')}`;
  const row = (d: number, teamId: string, counters: AggregateRow['counters'], histogram: AggregateRow['histogram'] = {}): AggregateRow =>
    ({ day: day(d), areaId: 'merseyside', teamId, band: 'HIGH', source: 'police', counters, histogram });
  const rows: AggregateRow[] = [
    row(1, REFERRAL_LEVEL, { received: 40 }),
    row(2, 'mdvs', { assigned: 30, acknowledged: 28, acknowledgedWithinDeadline: 25, declined: 2 }, { 6: 28 }),
    row(3, 'victim-care', { assigned: 12, acknowledged: 3, acknowledgedWithinDeadline: 3, breached: 9 }, { 10: 3 }),
    row(9, REFERRAL_LEVEL, { received: 35 }),
    row(10, 'mdvs', { assigned: 25, acknowledged: 25, acknowledgedWithinDeadline: 25 }, { 12: 25 }),
    row(11, 'victim-care', { assigned: 10, acknowledged: 10, acknowledgedWithinDeadline: 6, breached: 0 }, { 20: 10 }),
  ];
  const report = throughputReport(rollUp(rows), { from: '2026-06-01', to: '2026-06-14', groupBy: 'week', by: 'team' });
  const published = publishableReport(report);
  const line = (period: string, value: string) => published.lines.find((l) => l.period === period && l.value === value)!;

  it('shows 1 to 4 as <5 and the figures that would give them away as [c]', () => {
    expect(line('2026-W23', 'victim-care').acknowledged).toBe(SMALL);
    expect(line('2026-W23', 'mdvs').declined).toBe(SMALL);
    const shown = [...published.lines, ...published.periodTotals, ...published.valueTotals, published.total];
    expect(shown.some((f) => COUNT_FIGURES.some((c) => f[c] === CONFIDENTIAL))).toBe(true);
    for (const figures of shown) {
      for (const c of COUNT_FIGURES) {
        const value = figures[c];
        expect(typeof value === 'number' ? value < 1 || value > 4 : [SMALL, CONFIDENTIAL].includes(value)).toBe(true);
      }
    }
  });

  it('hides the share in time and the times to acknowledge where the acknowledgements are hidden', () => {
    const victimCare = line('2026-W23', 'victim-care');
    expect(victimCare.withinDeadlinePercent).toBe(CONFIDENTIAL);
    expect(victimCare.medianMinutesToAcknowledge).toBe(CONFIDENTIAL);
    expect(victimCare.p90MinutesToAcknowledge).toBe(CONFIDENTIAL);
  });

  it('hides the within-deadline figure when the late ones (acknowledged less within deadline) are 1 to 4', () => {
    // mdvs in week 23: 28 acknowledged, 25 in time: 3 late.
    const mdvs = line('2026-W23', 'mdvs');
    expect(mdvs.acknowledgedWithinDeadline).not.toEqual(25);
    expect(mdvs.withinDeadlinePercent).toBe(CONFIDENTIAL);
  });

  it('publishes a count with nothing small in its table in full', () => {
    expect(published.lines.map((l) => l.received)).toEqual(report.lines.map((l) => l.received));
    expect(published.total.received).toBe(75);
  });

  it('shows the share in time and the times to acknowledge wherever the counts they come from are shown', () => {
    const pairs = [
      ...published.lines.map((l, k) => [l, report.lines[k]!] as const),
      ...published.periodTotals.map((t, k) => [t, report.periodTotals[k]!] as const),
      [published.total, report.total] as const,
    ];
    let shown = 0;
    for (const [p, exact] of pairs) {
      if (typeof p.acknowledged !== 'number') continue;
      expect(p.medianMinutesToAcknowledge).toBe(exact.medianMinutesToAcknowledge);
      expect(p.p90MinutesToAcknowledge).toBe(exact.p90MinutesToAcknowledge);
      if (typeof p.acknowledgedWithinDeadline === 'number') {
        expect(p.withinDeadlinePercent).toBe(exact.withinDeadlinePercent);
        shown++;
      }
    }
    expect(shown).toBeGreaterThan(0);
  });

  it('hides the times to first contact with the first contacts they are made of, and shows them with them', () => {
    const withContacts = publishableReport(throughputReport(rollUp([
      ...rows,
      { ...row(4, 'mdvs', { contacted: 20, outcomeSupportAccepted: 18, outcomeReferredElsewhere: 2 }), firstContactHistogram: { 30: 20 } },
      { ...row(5, 'victim-care', { contacted: 3, outcomeUnableToContact: 3 }), firstContactHistogram: { 300: 3 } },
    ]), { from: '2026-06-01', to: '2026-06-14', groupBy: 'week', by: 'team' }));
    const at = (value: string) => withContacts.lines.find((l) => l.period === '2026-W23' && l.value === value)!;
    expect([at('victim-care').contacted, at('victim-care').medianMinutesToFirstContact, at('victim-care').p90MinutesToFirstContact]).toEqual([SMALL, CONFIDENTIAL, CONFIDENTIAL]);
    // mdvs's 20 would be the week's published total less victim care's 3: hidden, and its times with it.
    expect([at('mdvs').contacted, at('mdvs').medianMinutesToFirstContact]).toEqual([CONFIDENTIAL, CONFIDENTIAL]);
    expect([at('mdvs').outcomeSupportAccepted, at('mdvs').outcomeReferredElsewhere, at('victim-care').outcomeUnableToContact]).toEqual([18, SMALL, SMALL]);
    // Wherever the first contacts are shown, their times are shown exactly.
    const shown = [withContacts.total, ...withContacts.periodTotals, ...withContacts.valueTotals, ...withContacts.lines]
      .filter((f) => typeof f.contacted === 'number' && f.contacted > 0);
    expect(shown.length).toBeGreaterThan(0);
    for (const f of shown) expect(typeof f.medianMinutesToFirstContact).toBe('number');
    expect(withContacts.total).toMatchObject({ contacted: 23, medianMinutesToFirstContact: 153 });
  });

  it('keeps every line and total of the report, in the same order', () => {
    expect(published.lines.map((l) => [l.period, l.value])).toEqual(report.lines.map((l) => [l.period, l.value]));
    expect(published.periods).toEqual(report.periods);
    expect(published.values).toEqual(report.values);
  });
});
