/**
 * `npm run bench`: how fast the local cloud takes a referral, next to how fast DynamoDB Local alone
 * stores an item, and how long a referral takes to reach the teams' inboxes.
 *
 * 1. Launches the local cloud (as `npm start` does, on free ports, throw-away data) and always stops it.
 * 2. Warms up, times POST /api/referrals one at a time on an idle system, then runs it and raw PutItem
 *    (the floor) as closed loops at concurrency 1 and 20, each bounded by a count and a time cap, and
 *    after each waits for the workflows the submissions started to send their emails and for the local
 *    cloud to idle, so that no phase pays for the one before.
 * 3. Times submit → both team emails in the SES emulator's store for a few dozen referrals.
 * 4. Prints a table (with how busy each process was: on a shared machine, check the "other" column)
 *    and merges its figures into bench/results.json (other benchmarks' keys are kept).
 *
 * Exits 1 if the local cloud did not start or a phase failed; the figures themselves are not judged.
 * BENCH_SCALE (0–1, default 1) shrinks every count, for a quick try. BENCH_CPU_PROF=<dir> runs the
 * local cloud with `node --cpu-prof` and leaves its profile there (open it in Chrome DevTools).
 */
import { randomUUID } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { LocalCloudClient } from '../test/support/local-cloud-client.js';
import { launchLocalCloud, PROJECT_ROOT, type LocalCloudHandle } from '../test/support/local-cloud-process.js';
import { aReferral } from '../test/support/referrals.js';
import { cpuShare, cpuTimes, waitUntilIdle, type CpuShare } from './cpu.js';
import { measureAggregationLag, type AggregationLag } from './aggregation-lag.js';
import { EmailWatcher } from './email-watcher.js';
import { runClosedLoop, withConcurrency, type Outcome, type PhaseResult } from './load.js';
import { describeMachine, mergeResults } from './results.js';
import { summarize, type LatencySummary } from './stats.js';

const scale = Math.min(1, Math.max(0.01, Number(process.env.BENCH_SCALE ?? 1) || 1));
const scaled = (n: number) => Math.max(1, Math.round(n * scale));

const CONFIG = {
  /** DynamoDB Local's JVM is still compiling for its first few hundred requests. */
  warmUp: { submissions: scaled(20), puts: scaled(300) },
  phases: [
    { concurrency: 1, count: scaled(200), timeCapMs: 60_000 },
    { concurrency: 20, count: scaled(1000), timeCapMs: 60_000 },
  ],
  /** One submission at a time with a pause after each, so that its workflow is done before the next. */
  isolated: { count: scaled(30), pauseMs: 600, timeCapMs: 60_000 },
  /**
   * The floors measured the same way as the isolated submissions (one at a time, the same pause), so that
   * the ratio compares like with like: a PutItem from this process, and GET /healthz through the same
   * local gateway and Lambda runtime (one DescribeTable and one DescribeStateMachine, in parallel): what
   * any API call costs here before it does its own work.
   */
  isolatedFloors: { count: scaled(30), pauseMs: 600, timeCapMs: 60_000 },
  submitToEmail: { count: scaled(50), concurrency: 2, timeoutMs: 30_000 },
  requestTimeoutMs: 30_000,
  /** How long the workflows may take to send the emails of a phase's submissions before the next phase. */
  drainTimeoutMs: 180_000,
  pollIntervalMs: 20,
} as const;

/**
 * The teams a fixture referral (aReferral(): Liverpool L8, HIGH risk, housing need) is routed to under
 * the default config/service-config.json, as the integration tests expect.
 */
const FIXTURE_TEAMS = ['mdvs@merseyside.referrals.example', 'housing-support@merseyside.referrals.example'] as const;

const RESULTS_FILE = path.join(PROJECT_ROOT, 'bench', 'results.json');

type Measured = PhaseResult & { cpu?: CpuShare };
type SubmitPhase = Omit<Measured, 'unexpected'> & {
  non201: number;
  pauseMs?: number;
  emails?: { drainedInS: number; expected: number; settledInS: number };
};
interface SubmitToEmail {
  readonly count: number;
  readonly concurrency: number;
  readonly pollIntervalMs: number;
  readonly emailsPerReferral: number;
  /** From sending the POST to the poll answer that showed both team emails. */
  readonly latencyMs: LatencySummary;
  /** The part until the 201 arrived. */
  readonly acceptedMs: LatencySummary;
  readonly polls: number;
  readonly cpu?: CpuShare;
}

let cloud: Awaited<ReturnType<typeof launchLocalCloud>> | undefined;
let stopping: Promise<void> | undefined;
const stopCloud = (): Promise<void> => (stopping ??= cloud ? cloud.stop() : Promise.resolve());

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  process.once(signal, () => {
    console.error(`\nbench: ${signal}, stopping the local cloud…`);
    void stopCloud().finally(() => process.exit(code));
  });
}

const failures: string[] = [];

async function phase<T>(name: string, work: () => Promise<T>): Promise<T | undefined> {
  const started = performance.now();
  process.stdout.write(`  ${name}… `);
  try {
    const result = await work();
    console.log(`${((performance.now() - started) / 1000).toFixed(1)} s`);
    return result;
  } catch (error) {
    console.log('FAILED');
    const message = `${name}: ${error instanceof Error ? error.message : String(error)}`;
    console.error(`  ${message}`);
    failures.push(message);
    return undefined;
  }
}

function submitter(handle: LocalCloudHandle) {
  const url = `${handle.apiUrl}/api/referrals`;
  return async (body: string): Promise<Outcome & { reference?: string }> => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(CONFIG.requestTimeoutMs),
    });
    const text = await response.text();
    const reference = response.status === 201 ? (JSON.parse(text) as { reference?: string }).reference : undefined;
    return { ok: response.status === 201, status: response.status, ...(reference ? { reference } : {}) };
  };
}

/** A stand-in item for the floor: the same nested submission a referral item holds, under a key of its own. */
function floorItem(): Record<string, unknown> {
  return { pk: `BENCH#${randomUUID()}`, sk: 'BENCH', kind: 'bench', createdAt: new Date().toISOString(), submission: aReferral() };
}

/** Runs a load phase and notes how busy each process was meanwhile (Linux). */
async function measured(run: () => Promise<PhaseResult>): Promise<Measured> {
  const pid = cloud?.child.pid;
  const before = cpuTimes(pid);
  const result = await run();
  return { ...result, ...withCpu(cpuShare(before, cpuTimes(pid))) };
}

const withCpu = (cpu: CpuShare | undefined) => (cpu ? { cpu } : {});

function asSubmitPhase(result: Measured): SubmitPhase {
  const { concurrency, requested, completed, unexpected, ...rest } = result;
  return { concurrency, requested, completed, non201: unexpected, ...rest };
}

/** Waits for the local cloud to idle (see waitUntilIdle), so that one phase's leftover work does not land in the next one's figures. */
// After the emails, the workflows still record and start waiting: the local cloud is settled when it idles.
const settle = () => waitUntilIdle(cloud?.child.pid, 'after the last email');

/** A phase whose requests threw (connection errors, timeouts) did not measure what it says. */
function checkFailed(name: string, result: PhaseResult): void {
  if (result.failed > 0) failures.push(`${name}: ${result.failed} request(s) failed, first: ${result.firstError}`);
}

async function main(): Promise<number> {
  const started = performance.now();
  const loadBefore = os.loadavg()[0] ?? Number.NaN;
  const logFile = path.join(PROJECT_ROOT, 'test-results', `bench-local-cloud-${Date.now()}.log`);
  console.log(`bench: launching the local cloud (log: ${path.relative(PROJECT_ROOT, logFile)})…`);
  try {
    const profileDir = process.env.BENCH_CPU_PROF ? path.resolve(process.env.BENCH_CPU_PROF) : undefined;
    cloud = await launchLocalCloud({ logFile, ...(profileDir ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] } : {}) });
  } catch (error) {
    console.error(`bench: the local cloud did not start: ${error instanceof Error ? error.message : String(error)}`);
    await stopCloud();
    return 1;
  }
  const launchS = (performance.now() - started) / 1000;
  console.log(`bench: local cloud up in ${launchS.toFixed(1)} s (${cloud.handle.apiUrl})`);

  const { handle } = cloud;
  const client = new LocalCloudClient(handle);
  const submit = submitter(handle);
  const put = async (item: Record<string, unknown>): Promise<Outcome> => {
    const output = await client.documents.send(new PutCommand({ TableName: handle.tableName, Item: item }), {
      abortSignal: AbortSignal.timeout(CONFIG.requestTimeoutMs),
    });
    const status = output.$metadata.httpStatusCode ?? 200;
    return { ok: status === 200, status };
  };
  const watcher = new EmailWatcher(handle.sesUrl, Date.now(), CONFIG.pollIntervalMs);
  let accepted = 0;
  const expectedEmails = () => accepted * FIXTURE_TEAMS.length;
  /** Waits until every accepted referral's workflow has emailed its teams; answers how long that took. */
  const drain = async (): Promise<number> => {
    const t0 = performance.now();
    const drained = await watcher.until(() => watcher.emailCount >= expectedEmails(), CONFIG.drainTimeoutMs);
    if (!drained) {
      throw new Error(`only ${watcher.emailCount} of ${expectedEmails()} team emails within ${CONFIG.drainTimeoutMs / 1000} s${watcher.lastError ? ` (last poll error: ${watcher.lastError.message})` : ''}`);
    }
    return (performance.now() - t0) / 1000;
  };

  const submitResults: Record<string, SubmitPhase> = {};
  const floorResults: Record<string, Measured> = {};
  let submitToEmail: SubmitToEmail | undefined;
  let apiFloor: Measured | undefined;
  let itemBytes: { floorItem: number; storedReferral?: number } | undefined;
  let aggregationLag: AggregationLag | undefined;

  try {
    console.log('bench: phases');
    const warmedUp = await phase(`warm-up (${CONFIG.warmUp.submissions} submissions, ${CONFIG.warmUp.puts} PutItems, their emails)`, async () => {
      await withConcurrency(CONFIG.warmUp.puts, 4, () => put(floorItem()));
      const answers = await withConcurrency(CONFIG.warmUp.submissions, 2, () => submit(JSON.stringify(aReferral())));
      const refused = answers.filter((a) => !a.ok);
      if (refused.length) throw new Error(`${refused.length} warm-up submission(s) answered ${refused.map((a) => a.status).join(', ')}`);
      accepted += answers.length;
      await drain();
      await settle();
      const reference = answers[0]!.reference!;
      const missing = FIXTURE_TEAMS.filter((team) => watcher.completedAt(reference, [team]) === undefined);
      if (missing.length) throw new Error(`the fixture referral ${reference} was not emailed to ${missing.join(', ')}`);
      const stored = await client.referral(reference);
      itemBytes = { floorItem: JSON.stringify(floorItem()).length, ...(stored ? { storedReferral: JSON.stringify(stored).length } : {}) };
      return true;
    });
    if (!warmedUp) return 1;

    const { count: isolatedCount, pauseMs, timeCapMs: isolatedCap } = CONFIG.isolated;
    const isolated = await phase(`POST /api/referrals, one at a time, ${pauseMs} ms apart, ${isolatedCount} of them`, () =>
      measured(() => runClosedLoop({ concurrency: 1, count: isolatedCount, timeCapMs: isolatedCap, pauseMs }, () => JSON.stringify(aReferral()), submit)));
    if (isolated) {
      accepted += isolated.statuses['201'] ?? 0;
      submitResults.isolated = { ...asSubmitPhase(isolated), pauseMs };
      checkFailed('POST /api/referrals one at a time', isolated);
    }

    const floors = CONFIG.isolatedFloors;
    const isolatedPut = await phase(`PutItem floor, one at a time, ${floors.pauseMs} ms apart, ${floors.count} of them`, () =>
      measured(() => runClosedLoop({ concurrency: 1, ...floors }, floorItem, put)));
    if (isolatedPut) floorResults.isolated = isolatedPut;
    const healthz = `${handle.apiUrl}/healthz`;
    const isolatedApi = await phase(`GET /healthz (the API floor), one at a time, ${floors.pauseMs} ms apart, ${floors.count} of them`, () =>
      measured(() => runClosedLoop({ concurrency: 1, ...floors }, () => undefined, async () => {
        const answer = await fetch(healthz, { signal: AbortSignal.timeout(CONFIG.requestTimeoutMs) });
        await answer.text();
        return { ok: answer.status === 200, status: answer.status };
      })));
    if (isolatedApi) apiFloor = isolatedApi;

    for (const { concurrency, count, timeCapMs } of CONFIG.phases) {
      const key = `c${concurrency}`;
      const floor = await phase(`PutItem floor, c=${concurrency}, up to ${count} or ${timeCapMs / 1000} s`, () =>
        measured(() => runClosedLoop({ concurrency, count, timeCapMs }, floorItem, put)));
      if (floor) {
        floorResults[key] = floor;
        checkFailed(`PutItem floor c=${concurrency}`, floor);
      }
      const submitted = await phase(`POST /api/referrals, c=${concurrency}, up to ${count} or ${timeCapMs / 1000} s`, () =>
        measured(() => runClosedLoop({ concurrency, count, timeCapMs }, () => JSON.stringify(aReferral()), submit)));
      if (submitted) {
        accepted += submitted.statuses['201'] ?? 0;
        submitResults[key] = asSubmitPhase(submitted);
        checkFailed(`POST /api/referrals c=${concurrency}`, submitted);
        const expected = (submitted.statuses['201'] ?? 0) * FIXTURE_TEAMS.length;
        const drained = await phase(`waiting for the workflows to send those referrals' ${expected} emails, then for the local cloud to idle`, async () => {
          const drainedInS = await drain();
          return { drainedInS, settledInS: drainedInS + await settle() };
        });
        if (drained) {
          const tenths = (v: number) => Math.round(v * 10) / 10;
          submitResults[key] = { ...submitResults[key]!, emails: { expected, drainedInS: tenths(drained.drainedInS), settledInS: tenths(drained.settledInS) } };
        }
      }
    }

    const { count, concurrency, timeoutMs } = CONFIG.submitToEmail;
    submitToEmail = await phase(`submit → ${FIXTURE_TEAMS.length} team emails, ${count} referrals, ${concurrency} at a time`, async () => {
      const pollsBefore = watcher.pollCount;
      const cpuBefore = cpuTimes(cloud?.child.pid);
      const samples = await watcher.fast(() => withConcurrency(count, concurrency, async () => {
        const body = JSON.stringify(aReferral());
        const t0 = performance.now();
        const answer = await submit(body);
        const acceptedAt = performance.now();
        if (!answer.ok || !answer.reference) throw new Error(`a submission answered ${answer.status}`);
        accepted++;
        const emailedAt = await watcher.waitFor(answer.reference, FIXTURE_TEAMS, timeoutMs);
        return { total: emailedAt - t0, accepted: acceptedAt - t0 };
      }));
      return {
        count, concurrency, pollIntervalMs: CONFIG.pollIntervalMs, emailsPerReferral: FIXTURE_TEAMS.length,
        latencyMs: summarize(samples.map((s) => s.total)),
        acceptedMs: summarize(samples.map((s) => s.accepted)),
        polls: watcher.pollCount - pollsBefore,
        ...withCpu(cpuShare(cpuBefore, cpuTimes(cloud?.child.pid))),
      };
    });
    aggregationLag = await phase('report totals: every fact of the run folded, and each one\u2019s lag', () => measureAggregationLag(client, CONFIG.drainTimeoutMs));
  } finally {
    process.stdout.write('bench: stopping the local cloud… ');
    await stopCloud();
    console.log('stopped');
  }

  const runS = (performance.now() - started) / 1000;
  printTable(submitResults, floorResults, submitToEmail, itemBytes, apiFloor);
  if (aggregationLag) {
    const { facts, lagMs } = aggregationLag;
    console.log(`report totals: ${facts} facts folded from the table stream, each ${lagMs.p50} ms after its step stored it at p50, ${lagMs.p95} ms at p95 (max ${lagMs.max} ms)`);
  }
  const busiest = Math.max(0, ...[...Object.values(submitResults), ...Object.values(floorResults), submitToEmail].map((r) => r?.cpu?.otherPct ?? 0));
  if (busiest > 25) {
    console.warn(`\nbench: warning: other processes on this machine used up to ${busiest}% of a core during a phase; the figures are disturbed (run again on a quiet machine)`);
  }
  console.log(`\nbench: ${runS.toFixed(0)} s in all (local cloud launch ${launchS.toFixed(1)} s)`);

  if (failures.length) {
    console.error(`\nbench: ${failures.length} phase(s) failed; ${path.relative(PROJECT_ROOT, RESULTS_FILE)} left as it was:`);
    for (const failure of failures) console.error(`  - ${failure}`);
    return 1;
  }
  mergeResults(RESULTS_FILE, {
    submit: {
      what: 'POST /api/referrals through the local gateway (validate, TransactWriteItems of 3 items, StartExecution); a fresh aReferral() each; closed loop. Each accepted referral starts its workflow in the same local cloud, so c1 and c20 measure the API while earlier referrals are screened, routed and emailed; isolated is one at a time with a pause after each (throughputPerS there counts the pauses).',
      ...submitResults,
    },
    putItemFloor: {
      what: 'DynamoDB Local PutItem of one item (DynamoDBDocumentClient PutCommand), same table, same loop: the storage floor under a submission',
      itemBytes,
      ...floorResults,
    },
    ...(apiFloor ? {
      apiFloor: {
        what: 'GET /healthz through the local gateway and Lambda runtime (DescribeTable and DescribeStateMachine in parallel), one at a time with the isolated submissions\' pause: what any API call costs here before its own work',
        isolated: apiFloor,
      },
    } : {}),
    submitToEmail: {
      what: 'from sending POST /api/referrals to the SES emulator store holding both team emails for that reference (polled; resolution about one poll interval)',
      ...submitToEmail,
    },
    aggregationLag,
    machine: { ...describeMachine(PROJECT_ROOT, loadBefore), benchRunS: Math.round(runS), localCloudLaunchS: Math.round(launchS * 10) / 10, scale },
  });
  console.log(`bench: wrote ${path.relative(PROJECT_ROOT, RESULTS_FILE)}`);
  return 0;
}

function printTable(
  submit: Record<string, SubmitPhase>,
  floor: Record<string, Measured>,
  toEmail: SubmitToEmail | undefined,
  itemBytes: { floorItem: number; storedReferral?: number } | undefined,
  apiFloor?: Measured,
): void {
  const header = ['', 'c', 'n', 'p50 ms', 'p99 ms', 'mean ms', 'max ms', 'req/s', 'non-201', 'failed', 'CPU% cloud/ddb/bench/other', 'stopped by'];
  const rows: string[][] = [];
  const iso = submit.isolated;
  if (iso) rows.push([`POST, ${iso.pauseMs} ms apart`, '1', String(iso.completed), ...figures(iso.latencyMs, Number.NaN), String(iso.non201), String(iso.failed), cpuCell(iso.cpu), iso.stoppedBy]);
  const isoFloor = floor.isolated;
  if (isoFloor) rows.push(['PutItem, same pause', '1', String(isoFloor.completed), ...figures(isoFloor.latencyMs, Number.NaN), isoFloor.unexpected ? `${isoFloor.unexpected} not 200` : '-', String(isoFloor.failed), cpuCell(isoFloor.cpu), isoFloor.stoppedBy]);
  if (apiFloor) rows.push(['GET /healthz, same pause', '1', String(apiFloor.completed), ...figures(apiFloor.latencyMs, Number.NaN), apiFloor.unexpected ? `${apiFloor.unexpected} not 200` : '-', String(apiFloor.failed), cpuCell(apiFloor.cpu), apiFloor.stoppedBy]);
  for (const { concurrency } of CONFIG.phases) {
    const key = `c${concurrency}`;
    const s = submit[key];
    const f = floor[key];
    if (s) rows.push(['POST /api/referrals', String(s.concurrency), String(s.completed), ...figures(s.latencyMs, s.throughputPerS), String(s.non201), String(s.failed), cpuCell(s.cpu), s.stoppedBy]);
    if (f) rows.push(['PutItem floor', String(f.concurrency), String(f.completed), ...figures(f.latencyMs, f.throughputPerS), f.unexpected ? `${f.unexpected} not 200` : '-', String(f.failed), cpuCell(f.cpu), f.stoppedBy]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 || i === cells.length - 1 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  console.log(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const row of rows) console.log(line(row));
  console.log(`(CPU%: share of one core used during the phase by the local cloud's Node process / DynamoDB Local / this benchmark / everything else on the machine; ${os.cpus().length} cores)`);
  if (iso) {
    const ratio = (floorP50: number | undefined) => (floorP50 ? `${(iso.latencyMs.p50 / floorP50).toFixed(1)}×` : '?');
    console.log(`submit p50 one at a time: ${ratio(floor.c1?.latencyMs.p50)} the c=1 PutItem floor, ${ratio(isoFloor?.latencyMs.p50)} PutItem with the same pause, ${ratio(apiFloor?.latencyMs.p50)} GET /healthz with the same pause`);
  }
  if (itemBytes) console.log(`(floor item ${itemBytes.floorItem} B of JSON; a stored referral item ${itemBytes.storedReferral ?? '?'} B)`);
  for (const { concurrency } of CONFIG.phases) {
    const emails = submit[`c${concurrency}`]?.emails;
    if (emails) console.log(`after c=${concurrency}: the workflows' ${emails.expected} team emails were all in the store ${emails.drainedInS} s after the last 201; the local cloud idled after ${emails.settledInS} s`);
  }
  if (toEmail) {
    const l = toEmail.latencyMs;
    console.log(`\nsubmit → both team emails in the SES store (${toEmail.count} referrals, ${toEmail.concurrency} at a time, store polled every ${toEmail.pollIntervalMs} ms):`);
    const ms = (v: number) => `${v.toFixed(1)} ms`;
    console.log(`  p50 ${ms(l.p50)}   p95 ${ms(l.p95)}   max ${ms(l.max)}   mean ${ms(l.mean)}   (of which POST until 201: p50 ${ms(toEmail.acceptedMs.p50)}; CPU% ${cpuCell(toEmail.cpu)})`);
  }
}

function cpuCell(cpu: CpuShare | undefined): string {
  return cpu ? `${cpu.localCloudPct}/${cpu.dynamodbLocalPct}/${cpu.benchPct}/${cpu.otherPct}` : '-';
}

function figures(latency: LatencySummary, throughput: number): string[] {
  return [latency.p50, latency.p99, latency.mean, latency.max].map((v) => v.toFixed(1)).concat(Number.isNaN(throughput) ? '-' : throughput.toFixed(1));
}

process.exitCode = await main().catch(async (error: unknown) => {
  console.error('bench: failed:', error);
  await stopCloud();
  return 1;
});
