import {
  COUNT_FIGURES, MEASURE_FIGURES, type CountFigure, type MeasureFigure, type ReportOf, type ThroughputFigures, type ThroughputReport,
} from './throughput.js';

/*
 * Small-number suppression for published figures (SPEC §7). A count of 1–4 could point at a person, so
 * it shows as `<5` (primary suppression). Hiding it alone is not enough when the row or column total is
 * published: subtraction gives it back. So more figures are hidden (secondary suppression) until no
 * hidden figure can be worked out from what is published.
 *
 * The table is seen with its totals as one (rows+1) × (columns+1) grid: the last column holds row
 * totals, the last row column totals, the corner the grand total. Every line of the grid (a row or a
 * column, total included) is an equation, so hidden figures in it can only move together: a hidden
 * figure is safe exactly when some other filling of the hidden figures satisfies every equation and
 * everything a reader knows about hidden figures. Any such change is a sum of changes around simple
 * cycles of hidden figures (a cycle alternates a row and a column step), each by one, so finding one
 * cycle that can move by one proves a figure safe, and finding none proves it can be worked out.
 *
 * What a reader knows, and what the check assumes: a `<5` figure is 1–4; a `[c]` figure is not 1–4 (or
 * it would say `<5`), so it is taken as at least 5 — zeros are never hidden, because `[c]` on a zero
 * could only be a zero or jump to 5, which protects nothing.
 */

/** A count table with its totals. The totals must be the sums: a published total is an equation. */
export interface CountTable {
  readonly cells: readonly (readonly number[])[];
  readonly rowTotals: readonly number[];
  readonly columnTotals: readonly number[];
  readonly grandTotal: number;
}

/** `primary`: 1–4, shown `<5`. `secondary`: hidden so that a primary cannot be worked out, shown `[c]`. */
export type Visibility = 'published' | 'primary' | 'secondary';

export interface Suppression {
  readonly cells: readonly (readonly Visibility[])[];
  readonly rowTotals: readonly Visibility[];
  readonly columnTotals: readonly Visibility[];
  readonly grandTotal: Visibility;
}

export const SMALL = '<5';
export const CONFIDENTIAL = '[c]';

export function tableOf(cells: readonly (readonly number[])[]): CountTable {
  const columns = cells[0]?.length ?? 0;
  const rowTotals = cells.map((row) => row.reduce((a, b) => a + b, 0));
  const columnTotals = Array.from({ length: columns }, (_, j) => cells.reduce((sum, row) => sum + (row[j] ?? 0), 0));
  return { cells, rowTotals, columnTotals, grandTotal: rowTotals.reduce((a, b) => a + b, 0) };
}

/** The table as one grid, totals in the last row and column. */
function gridOf(table: CountTable): number[][] {
  const columns = table.columnTotals.length;
  if (table.cells.length !== table.rowTotals.length || table.cells.some((row) => row.length !== columns)) {
    throw new RangeError('every row needs one cell per column and a total');
  }
  const grid = [...table.cells.map((row, i) => [...row, table.rowTotals[i] ?? 0]), [...table.columnTotals, table.grandTotal]];
  for (const value of grid.flat()) {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`counts must be whole numbers of 0 or more, not ${value}`);
  }
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const consistent = grid.every((row) => sum(row.slice(0, -1)) === row.at(-1))
    && grid[0]!.every((_, j) => sum(grid.slice(0, -1).map((row) => row[j]!)) === grid.at(-1)![j]);
  if (!consistent) throw new RangeError('the totals are not the sums of the cells');
  return grid;
}

const isSmall = (value: number) => value >= 1 && value <= 4;

/**
 * Which figures to hide. `mustHide(row, column)` asks for more (a row or column index equal to the
 * number of rows or columns means the total): for figures derived from this table together with
 * another, such as late acknowledgements. Zeros are never hidden.
 */
export function suppress(table: CountTable, options: { mustHide?: (row: number, column: number) => boolean } = {}): Suppression {
  const grid = gridOf(table);
  const rows = grid.length;
  const columns = grid[0]!.length;
  const state: Visibility[][] = grid.map((row, i) => row.map((value, j) => {
    if (isSmall(value)) return 'primary';
    return value > 0 && options.mustHide?.(i, j) ? 'secondary' : 'published';
  }));
  const circuits = new Circuits(grid, state);

  const givenUp = new Set<number>();
  for (let changed = true; changed;) {
    changed = false;
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < columns; j++) {
        if (state[i]![j] === 'published' || givenUp.has(i * columns + j) || circuits.isSafe(i, j)) continue;
        const toHide = circuits.cheapestCover(i, j);
        if (!toHide) {
          // Some figures cannot be kept safe by hiding anything, e.g. four 1s whose grand total is 4:
          // `<5` everywhere still says each is 1. Hiding more would only lose figures.
          givenUp.add(i * columns + j);
          continue;
        }
        for (const [r, c] of toHide) state[r]![c] = 'secondary';
        changed = true;
      }
    }
    // Even where nothing can make a figure safe, no line should leave it the only one hidden, to be read
    // off by subtraction: hide the line's smallest other non-zero figure (every line with one non-zero
    // figure has two: the figure and its total).
    for (const line of linesOf(rows, columns)) {
      const hidden = line.filter(([r, c]) => state[r]![c] !== 'published');
      if (hidden.length !== 1) continue;
      const candidates = line.filter(([r, c]) => state[r]![c] === 'published' && grid[r]![c]! > 0);
      const smallest = candidates.sort(([r1, c1], [r2, c2]) => grid[r1]![c1]! - grid[r2]![c2]!)[0];
      if (!smallest) continue;
      state[smallest[0]]![smallest[1]] = 'secondary';
      changed = true;
    }
  }

  return {
    cells: state.slice(0, -1).map((row) => row.slice(0, -1)),
    rowTotals: state.slice(0, -1).map((row) => row.at(-1)!),
    columnTotals: state.at(-1)!.slice(0, -1),
    grandTotal: state.at(-1)!.at(-1)!,
  };
}

function linesOf(rows: number, columns: number): [number, number][][] {
  const lines: [number, number][][] = [];
  for (let i = 0; i < rows; i++) lines.push(Array.from({ length: columns }, (_, j) => [i, j] as [number, number]));
  for (let j = 0; j < columns; j++) lines.push(Array.from({ length: rows }, (_, i) => [i, j] as [number, number]));
  return lines;
}

/**
 * The grid as a graph: a node per row and per column, and a figure as the edge between its row and its
 * column. Walking row → column raises a figure's share of its line by one, column → row lowers it. A
 * total sits on the other side of its line's equation, so its own value moves the opposite way; the
 * grand total is on the other side twice, so it moves with the cells.
 */
class Circuits {
  private readonly rows: number;
  private readonly columns: number;

  constructor(private readonly grid: number[][], private readonly state: Visibility[][]) {
    this.rows = grid.length;
    this.columns = grid[0]!.length;
  }

  /** Whether figure (i, j) may move by `step` (in line-share terms) and stay within what a reader knows of it. */
  private canMove(i: number, j: number, step: 1 | -1, state: Visibility): boolean {
    const isTotal = (i === this.rows - 1) !== (j === this.columns - 1);
    const next = this.grid[i]![j]! + (isTotal ? -step : step);
    if (state === 'primary') return next >= 1 && next <= 4;
    if (state === 'secondary') return this.grid[i]![j]! >= 5 && next >= 5;
    return false;
  }

  isSafe(i: number, j: number): boolean {
    return this.search(i, j, false) !== undefined;
  }

  /** The published figures whose hiding makes (i, j) safe at the least cost, or undefined if nothing can. */
  cheapestCover(i: number, j: number): [number, number][] | undefined {
    return this.search(i, j, true);
  }

  /**
   * Looks for a cycle through figure (i, j) along which every figure can move by one: the figure's own
   * step, then a path back that never uses it. With `mayHide`, published figures may be on the path at
   * the cost of hiding them (their value: hide small figures first; each one also costs a little, so
   * fewer figures win a tie). Dijkstra over row and column nodes; rows are 0..rows-1, columns follow.
   */
  private search(i: number, j: number, mayHide: boolean): [number, number][] | undefined {
    const self = this.state[i]![j]!;
    let best: { cost: number; hide: [number, number][] } | undefined;
    for (const step of [1, -1] as const) {
      if (!this.canMove(i, j, step, self)) continue;
      // Stepping row → column (+1) on (i, j) needs a way back from the column to the row, and vice versa.
      const start = step === 1 ? this.rows + j : i;
      const goal = step === 1 ? i : this.rows + j;
      const found = this.shortestPath(start, goal, [i, j], mayHide);
      if (found && (!best || found.cost < best.cost)) best = found;
    }
    return best?.hide;
  }

  private shortestPath(start: number, goal: number, skip: [number, number], mayHide: boolean): { cost: number; hide: [number, number][] } | undefined {
    const nodes = this.rows + this.columns;
    const cost = new Array<number>(nodes).fill(Infinity);
    const via = new Array<{ from: number; figure: [number, number] } | undefined>(nodes);
    const done = new Array<boolean>(nodes).fill(false);
    cost[start] = 0;
    for (;;) {
      let node = -1;
      for (let n = 0; n < nodes; n++) if (!done[n] && cost[n]! < Infinity && (node < 0 || cost[n]! < cost[node]!)) node = n;
      if (node < 0) return undefined;
      if (node === goal) break;
      done[node] = true;
      const isRow = node < this.rows;
      for (let other = 0; other < (isRow ? this.columns : this.rows); other++) {
        const [r, c] = isRow ? [node, other] : [other, node - this.rows];
        if (r === skip[0] && c === skip[1]) continue;
        const step = isRow ? 1 : -1;
        const state = this.state[r]![c]!;
        let edge: number;
        if (state !== 'published') {
          if (!this.canMove(r, c, step, state)) continue;
          edge = 0;
        } else {
          if (!mayHide || !this.canMove(r, c, step, 'secondary')) continue;
          edge = this.grid[r]![c]! * 1024 + 1;
        }
        const next = isRow ? this.rows + c : r;
        if (cost[node]! + edge < cost[next]!) {
          cost[next] = cost[node]! + edge;
          via[next] = { from: node, figure: [r, c] };
        }
      }
    }
    const hide: [number, number][] = [];
    for (let node = goal; node !== start;) {
      const step = via[node]!;
      if (this.state[step.figure[0]]![step.figure[1]] === 'published') hide.push(step.figure);
      node = step.from;
    }
    return { cost: cost[goal]!, hide };
  }
}

/** How a suppressed figure reads. */
export function publishedValue(value: number, visibility: Visibility): number | typeof SMALL | typeof CONFIDENTIAL {
  if (visibility === 'primary') return SMALL;
  if (visibility === 'secondary') return CONFIDENTIAL;
  return value;
}

/* ---------------------------------------------------------------------------------------------------
 * A throughput report, ready to publish
 * ------------------------------------------------------------------------------------------------- */

export type PublishedCount = number | typeof SMALL | typeof CONFIDENTIAL;
export type PublishedMeasure = number | null | typeof CONFIDENTIAL;
export type PublishedFigures = { readonly [K in CountFigure]: PublishedCount } & { readonly [K in MeasureFigure]: PublishedMeasure };
export type PublishedReport = ReportOf<PublishedFigures>;

type Position = { kind: 'line'; index: number } | { kind: 'value'; index: number } | { kind: 'period'; index: number } | { kind: 'total' };

/**
 * Suppresses each count of a report as its own table: rows are the dimension's values, columns the
 * periods, with value totals, period totals and the overall total as its totals. Late acknowledgements
 * (acknowledged minus within deadline) are never published but follow from the two, so a late count of
 * 1–4 hides the within-deadline figure too. A percentage, median or 90th percentile is hidden with the
 * count it is made of (acknowledgements, first contacts): with 1–4 of them, it describes a handful of people.
 */
export function publishableReport(report: ThroughputReport): PublishedReport {
  const rowCount = report.values.length;
  const columnCount = report.periods.length;
  const figuresAt = (row: number, column: number): ThroughputFigures => {
    if (row === rowCount && column === columnCount) return report.total;
    if (row === rowCount) return report.periodTotals[column]!;
    if (column === columnCount) return report.valueTotals[row]!;
    return report.lines[column * rowCount + row]!;
  };
  const visibility = {} as Record<CountFigure, Suppression>;
  for (const figure of COUNT_FIGURES) {
    const cells = report.values.map((_, row) => report.periods.map((_p, column) => figuresAt(row, column)[figure]));
    const table: CountTable = {
      cells,
      rowTotals: report.valueTotals.map((t) => t[figure]),
      columnTotals: report.periodTotals.map((t) => t[figure]),
      grandTotal: report.total[figure],
    };
    const mustHide = figure === 'acknowledgedWithinDeadline'
      ? (row: number, column: number) => {
        const at = figuresAt(row, column);
        return isSmall(at.acknowledged - at.acknowledgedWithinDeadline);
      }
      : undefined;
    visibility[figure] = suppress(table, mustHide ? { mustHide } : {});
  }

  const visibilityOf = (figure: CountFigure, at: Position): Visibility => {
    const s = visibility[figure];
    if (at.kind === 'total') return s.grandTotal;
    if (at.kind === 'period') return s.columnTotals[at.index]!;
    if (at.kind === 'value') return s.rowTotals[at.index]!;
    return s.cells[at.index % rowCount]![Math.floor(at.index / rowCount)]!;
  };
  const publish = (figures: ThroughputFigures, at: Position): PublishedFigures => {
    const counts = Object.fromEntries(COUNT_FIGURES.map((f) => [f, publishedValue(figures[f], visibilityOf(f, at))])) as Record<CountFigure, PublishedCount>;
    const shown = (measure: MeasureFigure) => visibilityOf(MEASURE_FIGURES[measure], at) === 'published'
      && (measure !== 'withinDeadlinePercent' || visibilityOf('acknowledgedWithinDeadline', at) === 'published');
    const measures = Object.fromEntries((Object.keys(MEASURE_FIGURES) as MeasureFigure[])
      .map((m) => [m, shown(m) ? figures[m] : CONFIDENTIAL])) as Record<MeasureFigure, PublishedMeasure>;
    return { ...counts, ...measures };
  };
  return {
    ...report,
    lines: report.lines.map((line, index) => ({ period: line.period, value: line.value, ...publish(line, { kind: 'line', index }) })),
    periodTotals: report.periodTotals.map((t, index) => ({ period: t.period, ...publish(t, { kind: 'period', index }) })),
    valueTotals: report.valueTotals.map((t, index) => ({ value: t.value, ...publish(t, { kind: 'value', index }) })),
    total: publish(report.total, { kind: 'total' }),
  };
}
