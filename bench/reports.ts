/**
 * `npm run bench`, reports part (SPEC §7: report cost must not grow with the number of referrals): the
 * latency of a commissioner's year report, by month and team, over a year of 1,000 referrals and over a
 * year of 100,000, and their ratio (close to 1 is the goal).
 *
 * Launches its own local cloud (free ports, 127.0.0.1, throw-away data) and always stops it. Seeds each
 * year with `local/seed.ts` (aggregates only), then times GET /api/reports/throughput as
 * commissioner.merseyside, one request at a time, the two years taking turns after a warm-up. Where
 * that route is not answering 200, it times what the route does in this process instead (read the
 * aggregates, build the report, suppress small numbers) and says so. Merges `reports` into bench/results.json.
 *
 * BENCH_REPORTS_LARGE (default 100000) sets the larger year's referrals, for a quick try.
 */
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { printSummary, seedLocalCloud, type SeedSummary } from '../local/seed.js';
import { LocalCloudClient } from '../test/support/local-cloud-client.js';
import { launchLocalCloud, PROJECT_ROOT, type LocalCloudHandle } from '../test/support/local-cloud-process.js';
import { mergeResults } from './results.js';
import { summarize } from './stats.js';

const RESULTS_FILE = path.join(PROJECT_ROOT, 'bench', 'results.json');
// Years apart, so neither's late acknowledgements (December's, counted in January) land in the other.
const SMALL = { referrals: 1000, year: 2021 };
const LARGE = { referrals: Math.max(1000, Number(process.env.BENCH_REPORTS_LARGE ?? 100_000) || 100_000), year: 2023 };
const WARM_UP = 10;
const MEASURED = 40;
const REQUEST_TIMEOUT_MS = 30_000;
/** The larger year must seed within this, or the phase is given up (its figures would not be comparable anyway). */
const SEED_TIME_CAP_MS = 15 * 60_000;
const COMMISSIONER = 'commissioner.merseyside';

let stopCloud: (() => Promise<void>) | undefined;
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  process.once(signal, () => {
    console.error(`\nbench (reports): ${signal}, stopping the local cloud…`);
    void (stopCloud?.() ?? Promise.resolve()).finally(() => process.exit(code));
  });
}

interface Measured {
  readonly p50Ms: number;
  readonly p95Ms: number;
  /** Span totals (month × team dimension) the report is built from: what its cost may grow with. */
  readonly spans: number;
  /** Time-to-acknowledge buckets in use across them: these grow with referrals until every bucket is in use. */
  readonly histogramBuckets: number;
  readonly referrals: number;
  readonly samples: number;
  readonly via: 'http' | 'in-process';
  readonly seedSeconds: number;
}

type Timer = (year: number) => Promise<number>;

/** GET /api/reports/throughput for a whole year, by month and team, as the area's commissioner. */
function overHttp(cloud: LocalCloudHandle, token: string): Timer {
  return async (year) => {
    const query = new URLSearchParams({ from: `${year}-01-01`, to: `${year}-12-31`, groupBy: 'month', by: 'team' });
    const began = performance.now();
    const response = await fetch(`${cloud.apiUrl}/api/reports/throughput?${query}`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    await response.arrayBuffer();
    const elapsed = performance.now() - began;
    if (response.status !== 200) throw new Error(`GET /api/reports/throughput answered ${response.status}`);
    return elapsed;
  };
}

/** What the route does, in this process: read the year's aggregates, build the report, suppress small numbers. */
async function inProcess(): Promise<Timer> {
  const { readAggregates } = await import('../functions/adapters/throughput-store.js');
  const { throughputReport } = await import('../functions/domain/throughput.js');
  const { publishableReport } = await import('../functions/domain/suppression.js');
  const { spansToRead } = await import('../functions/domain/report-calendar.js');
  return async (year) => {
    const began = performance.now();
    const totals = await readAggregates(['merseyside'], spansToRead(`${year}-01-01`, `${year}-12-31`, 'month'), ['team']);
    JSON.stringify(publishableReport(throughputReport(totals, { from: `${year}-01-01`, to: `${year}-12-31`, groupBy: 'month', by: 'team' })));
    return performance.now() - began;
  };
}

/** Each year's report timed MEASURED times, the years taking turns, after WARM_UP untimed rounds. */
async function timeInTurn(timer: Timer, years: readonly number[]): Promise<number[][]> {
  for (let i = 0; i < WARM_UP; i++) for (const year of years) await timer(year);
  const samples = years.map((): number[] => []);
  for (let i = 0; i < MEASURED; i++) for (const [y, year] of years.entries()) samples[y]!.push(await timer(year));
  return samples;
}

async function seeded(cloud: LocalCloudHandle, year: { referrals: number; year: number }): Promise<SeedSummary> {
  const started = performance.now();
  console.log(`bench (reports): seeding ${year.referrals} referrals into ${year.year}…`);
  let timer: NodeJS.Timeout | undefined;
  const cap = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`seeding ${year.referrals} referrals took over ${SEED_TIME_CAP_MS / 60_000} minutes`)), SEED_TIME_CAP_MS);
  });
  try {
    const summary = await Promise.race([
      seedLocalCloud({ ...year, seed: 42, details: 0, log: (line) => console.log(`  ${line}`) }, { dynamodbUrl: cloud.dynamodbUrl, tableName: cloud.tableName, kmsUrl: cloud.kmsUrl }),
      cap,
    ]);
    printSummary(summary, (line) => console.log(`  ${line}`));
    console.log(`  (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    return summary;
  } finally {
    clearTimeout(timer);
  }
}

async function main(): Promise<number> {
  const started = performance.now();
  const logFile = path.join(PROJECT_ROOT, 'test-results', `bench-reports-${Date.now()}.log`);
  console.log(`bench (reports): launching the local cloud (log: ${path.relative(PROJECT_ROOT, logFile)})…`);
  const launched = await launchLocalCloud({ logFile });
  stopCloud = launched.stop;
  const cloud = launched.handle;
  try {
    const client = new LocalCloudClient(cloud);
    const token = await client.tokenFor(COMMISSIONER);
    const http = overHttp(cloud, token);

    const small = await seeded(cloud, SMALL);
    // The route is the thing to measure; until it answers, measure what it does.
    let timer: Timer = http;
    let via: Measured['via'] = 'http';
    try {
      await http(SMALL.year);
    } catch (error) {
      console.log(`bench (reports): the report route is not answering (${(error as Error).message}): timing readAggregates + throughputReport + publishableReport in-process instead`);
      timer = await inProcess();
      via = 'in-process';
    }
    const { readAggregates } = await import('../functions/adapters/throughput-store.js');
    const { spansToRead } = await import('../functions/domain/report-calendar.js');
    const readOf = async (year: number) => {
      const totals = await readAggregates(['merseyside'], spansToRead(`${year}-01-01`, `${year}-12-31`, 'month'), ['team']);
      return { spans: totals.length, histogramBuckets: totals.reduce((n, t) => n + Object.values(t.times).reduce((m, h) => m + Object.keys(h).length, 0), 0) };
    };

    const large = await seeded(cloud, LARGE);
    // Both years are timed in turn, request by request, after the same warm-up: timing one and then
    // the other would credit the second with a process the first had warmed up.
    const samples = await timeInTurn(timer, [SMALL.year, LARGE.year]);
    const measured = async (year: { referrals: number; year: number }, summary: SeedSummary, times: number[]): Promise<Measured> => {
      const latency = summarize(times);
      return {
        p50Ms: latency.p50, p95Ms: latency.p95, ...(await readOf(year.year)), referrals: summary.referrals,
        samples: times.length, via, seedSeconds: summary.seconds.total,
      };
    };
    const at1000 = await measured(SMALL, small, samples[0]!);
    const atLarge = await measured(LARGE, large, samples[1]!);
    for (const [year, figures] of [[SMALL, at1000], [LARGE, atLarge]] as const) {
      console.log(`bench (reports): ${year.referrals} referrals: p50 ${figures.p50Ms} ms, p95 ${figures.p95Ms} ms (${figures.spans} span totals, ${figures.histogramBuckets} histogram buckets, ${via})`);
    }

    const ratio = Math.round((atLarge.p50Ms / at1000.p50Ms) * 100) / 100;
    const reports = {
      what: `A year's report by month and team (GET /api/reports/throughput as ${COMMISSIONER}${via === 'in-process' ? '; measured in-process: readAggregates + throughputReport + publishableReport' : ''}), one request at a time, the two years in turn after ${WARM_UP} warm-up rounds, over a year seeded with ${SMALL.referrals} and with ${LARGE.referrals} synthetic referrals (npm run seed). ratio = p50 at ${LARGE.referrals} / p50 at ${SMALL.referrals}: close to 1 means report cost does not grow with referrals.`,
      at1000,
      [`at${LARGE.referrals}`]: atLarge,
      ratio,
    };
    console.log(`bench (reports): ratio ${ratio} (p50 at ${LARGE.referrals} / p50 at ${SMALL.referrals})`);
    mergeResults(RESULTS_FILE, { reports });
    console.log(`bench (reports): written to ${path.relative(PROJECT_ROOT, RESULTS_FILE)} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    return 0;
  } finally {
    process.stdout.write('bench (reports): stopping the local cloud… ');
    await launched.stop();
    stopCloud = undefined;
    console.log('stopped');
  }
}

process.exitCode = await main().catch(async (error: unknown) => {
  console.error('bench (reports):', error instanceof Error ? error.message : error);
  await stopCloud?.();
  return 1;
});
