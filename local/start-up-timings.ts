/**
 * Where a start's time goes (issue 17: `npm start` in seconds). With `LOCAL_TIMINGS=1` each phase of
 * the start prints when it began and how long it took, both from the process's own start, so phases
 * that run side by side show as overlapping spans rather than a misleading sum.
 */
export class StartUpTimings {
  private readonly spans: { phase: string; from: number; took: number }[] = [];

  constructor(private readonly enabled = process.env.LOCAL_TIMINGS === '1') {}

  async time<T>(phase: string, work: () => Promise<T> | T): Promise<T> {
    const from = performance.now();
    try {
      return await work();
    } finally {
      this.spans.push({ phase, from, took: performance.now() - from });
    }
  }

  /** For a phase that is not one call: starts it now, and ends it when the returned function is called. */
  begin(phase: string): () => void {
    const from = performance.now();
    return () => { this.spans.push({ phase, from, took: performance.now() - from }); };
  }

  /** A phase that ended now and began when the process did (Node, tsx and the modules start.ts imports). */
  sinceProcessStart(phase: string): void {
    this.spans.push({ phase, from: 0, took: performance.now() });
  }

  /** One line a phase, in the order they began; nothing unless LOCAL_TIMINGS=1. */
  lines(): string[] {
    if (!this.enabled) return [];
    const seconds = (ms: number) => (ms / 1000).toFixed(2);
    return [...this.spans]
      .sort((a, b) => a.from - b.from)
      .map((s) => `timing: ${s.phase.padEnd(34)} ${seconds(s.took).padStart(6)} s   (${seconds(s.from)} → ${seconds(s.from + s.took)} s)`);
  }
}
