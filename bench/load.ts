import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { summarize, type LatencySummary } from './stats.js';

/** What one operation answered: `ok` is the answer the phase expects (201 for a submission). */
export interface Outcome {
  readonly ok: boolean;
  readonly status: number;
}

export interface LoadOptions {
  readonly concurrency: number;
  /** Stop issuing after this many operations… */
  readonly count: number;
  /** …or once this much time has passed since the phase started, whichever comes first. */
  readonly timeCapMs: number;
  /** A pause after each operation (not timed), to measure one at a time on an otherwise idle system. */
  readonly pauseMs?: number;
}

export interface PhaseResult {
  readonly concurrency: number;
  readonly requested: number;
  /** Operations that got an answer (any status). */
  readonly completed: number;
  /** Answers other than the expected one (for submissions: not 201). */
  readonly unexpected: number;
  /** Operations that threw: connection errors, timeouts, SDK errors. */
  readonly failed: number;
  readonly statuses: Record<string, number>;
  readonly stoppedBy: 'count' | 'time cap';
  readonly durationS: number;
  readonly throughputPerS: number;
  /** Latency of every operation that got an answer, in ms. */
  readonly latencyMs: LatencySummary;
  readonly firstError?: string;
}

/**
 * A closed loop: `concurrency` workers, each issuing its next operation as soon as the last one answers,
 * until `count` have been issued or the time cap is reached. Latency is measured per operation with
 * performance.now() around the whole call (including reading the answer); throughput is answered
 * operations over the phase's wall-clock time.
 */
export async function runClosedLoop<P>(options: LoadOptions, prepare: () => P, operation: (payload: P) => Promise<Outcome>): Promise<PhaseResult> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let issued = 0;
  let unexpected = 0;
  let failed = 0;
  let firstError: string | undefined;
  let stoppedBy: PhaseResult['stoppedBy'] = 'count';
  const started = performance.now();
  const deadline = started + options.timeCapMs;

  const worker = async () => {
    while (issued < options.count) {
      if (performance.now() >= deadline) {
        stoppedBy = 'time cap';
        return;
      }
      issued++;
      // Building the payload (a fresh referral, a fresh item) is not part of the latency.
      const payload = prepare();
      const t0 = performance.now();
      try {
        const outcome = await operation(payload);
        latencies.push(performance.now() - t0);
        statuses[outcome.status] = (statuses[outcome.status] ?? 0) + 1;
        if (!outcome.ok) unexpected++;
      } catch (error) {
        failed++;
        firstError ??= error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      }
      if (options.pauseMs) await sleep(options.pauseMs);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const durationS = (performance.now() - started) / 1000;
  if (latencies.length === 0) throw new Error(`no operation completed${firstError ? ` (first error: ${firstError})` : ''}`);
  return {
    concurrency: options.concurrency,
    requested: options.count,
    completed: latencies.length,
    unexpected,
    failed,
    statuses,
    stoppedBy,
    durationS: Math.round(durationS * 1000) / 1000,
    throughputPerS: Math.round((latencies.length / durationS) * 10) / 10,
    latencyMs: summarize(latencies),
    ...(firstError ? { firstError } : {}),
  };
}

/** Runs `count` tasks with at most `concurrency` at a time. */
export async function withConcurrency<T>(count: number, concurrency: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array<T>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      results[index] = await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}
