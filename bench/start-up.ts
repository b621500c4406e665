/**
 * `npm run bench`, start-up (issue 17): how long `npm start` takes from spawning the local cloud to
 * `/healthz` answering 200. "Warm": the same data folder as a previous start (DynamoDB's files, the
 * emulators' state, cdk.out, as `.local` is after a first `npm start`), best of 3. "Fresh": a fresh clone
 * of this checkout's HEAD in a temporary folder, node_modules linked to this project's, started once
 * with an empty data folder. Each start runs with LOCAL_TIMINGS=1, so the local cloud prints each
 * phase's span (module loading, the template, DynamoDB Local, cognito-local, seeding, …; several run side
 * by side) and those show where the time goes. Every start runs in its own process group, stopped as a
 * group; the bench checks its ports are free afterwards.
 * Merges `startUp` into bench/results.json. Goals: ≤ 15 s fresh, ≤ 5 s warm.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { freePorts, portsFree, PROJECT_ROOT, READY_CEILING_S, type LocalCloudPorts } from '../test/support/local-cloud-process.js';
import { mergeResults } from './results.js';

const RESULTS_FILE = path.join(PROJECT_ROOT, 'bench', 'results.json');
const WARM_ATTEMPTS = 3;
const GOAL_FRESH_S = 15;
const GOAL_WARM_S = 5;
/** The Node the project pins: `npm run` puts it first on PATH; run directly, find it. */
const NODE = [path.join(PROJECT_ROOT, 'node_modules', '.bin', 'node')].find((candidate) => existsSync(candidate)) ?? process.execPath;

/** One phase of a start as the local cloud times it, in seconds from its process's start. */
interface Span {
  phase: string;
  seconds: number;
  from: number;
}

/** Seconds from spawn to the ready banner and to /healthz 200, and the phases the local cloud timed. */
interface Phases {
  readyBanner?: number;
  healthz: number;
  spans: Span[];
}

const TIMING_LINE = /timing: (.+?)\s+([\d.]+) s\s+\(([\d.]+) → [\d.]+ s\)/;

let stopCurrent: (() => Promise<void>) | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => void (stopCurrent?.() ?? Promise.resolve()).finally(() => process.exit(130)));
}

const round = (seconds: number) => Math.round(seconds * 100) / 100;

async function healthy(port: number): Promise<boolean> {
  try {
    const answer = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2_000) });
    await answer.arrayBuffer();
    return answer.status === 200;
  } catch {
    return false;
  }
}

/** One `npm start` (its own process group), timed to /healthz 200, then stopped as a group. */
async function timeOneStart(root: string, dataDir: string): Promise<Phases> {
  const ports: LocalCloudPorts = await freePorts();
  const began = performance.now();
  const since = () => (performance.now() - began) / 1000;
  const child = spawn(NODE, ['--import', 'tsx', 'local/start.ts'], {
    cwd: root,
    detached: true,
    env: {
      ...process.env,
      PORT: String(ports.port), DYNAMODB_PORT: String(ports.dynamoDbPort), SES_PORT: String(ports.sesPort),
      STEP_FUNCTIONS_PORT: String(ports.stepFunctionsPort), COGNITO_PORT: String(ports.cognitoPort), LOCAL_DATA_DIR: dataDir,
      LOCAL_TIMINGS: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const phases: Partial<Phases> & { spans: Span[] } = { spans: [] };
  let tail = '';
  const onData = (chunk: Buffer) => {
    const text = chunk.toString();
    tail = (tail + text).slice(-2_000);
    for (const line of text.split('\n')) {
      const timed = TIMING_LINE.exec(line);
      if (timed) phases.spans.push({ phase: timed[1]!, seconds: Number(timed[2]), from: Number(timed[3]) });
      if (phases.readyBanner === undefined && line.includes('local cloud: ready')) phases.readyBanner = round(since());
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      // The whole group: DynamoDB Local's java and anything else the local cloud spawned.
      try { process.kill(-child.pid!, 'SIGTERM'); } catch { /* already gone */ }
      const timer = setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* already gone */ } }, 15_000);
      await exited;
      clearTimeout(timer);
    }
    // Anything of the group still alive after its leader left (a java that outlived it) goes too.
    try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* none left */ }
  };
  stopCurrent = stop;
  try {
    const ceiling = Date.now() + READY_CEILING_S * 1000;
    while (!await healthy(ports.port)) {
      if (child.exitCode !== null) throw new Error(`local cloud exited (${child.exitCode}) before /healthz answered: ${tail}`);
      if (Date.now() > ceiling) throw new Error(`/healthz not answering 200 within ${READY_CEILING_S} s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return { ...phases, healthz: round(since()) };
  } finally {
    await stop();
    stopCurrent = undefined;
    // Ports held after the stop would mean something of this start outlived it.
    for (let i = 0; i < 50 && !await portsFree(ports); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    if (!await portsFree(ports)) throw new Error(`a process of the local cloud on ports ${JSON.stringify(ports)} outlived its stop`);
  }
}

/** Where the time went: each phase the local cloud timed (they overlap where they run side by side). */
function breakdown(p: Phases): Record<string, { seconds: number; from: number }> {
  return Object.fromEntries(p.spans.map((span) => [span.phase, { seconds: span.seconds, from: span.from }]));
}

function describe(label: string, p: Phases): void {
  console.log(`  ${label}: /healthz 200 after ${p.healthz.toFixed(2)} s (ready banner ${p.readyBanner?.toFixed(2) ?? '?'} s)`);
  for (const span of p.spans) console.log(`      ${span.seconds.toFixed(2).padStart(6)} s  from ${span.from.toFixed(2).padStart(5)} s  ${span.phase}`);
}

async function main(): Promise<number> {
  // Warm: a first start fills the data folder (DynamoDB's files, cognito's pool, cdk.out), then three more on it.
  const warmDir = mkdtempSync(path.join(tmpdir(), 'referral-start-up-warm-'));
  const cloneDir = mkdtempSync(path.join(tmpdir(), 'referral-start-up-fresh-'));
  try {
    console.log('start-up: warming a data folder with a first start…');
    const first = await timeOneStart(PROJECT_ROOT, warmDir);
    describe('first start (empty data folder, this checkout)', first);
    const warm: Phases[] = [];
    for (let i = 0; i < WARM_ATTEMPTS; i++) {
      warm.push(await timeOneStart(PROJECT_ROOT, warmDir));
      describe(`warm start ${i + 1}`, warm.at(-1)!);
    }
    const bestWarm = warm.reduce((a, b) => (b.healthz < a.healthz ? b : a));

    // Fresh: a clone of HEAD (committed code only), nothing cached but node_modules.
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: PROJECT_ROOT, encoding: 'utf8' }).trim();
    const checkout = path.join(cloneDir, 'repo');
    execFileSync('git', ['clone', '--quiet', '--shared', '--no-checkout', PROJECT_ROOT, checkout], { stdio: 'ignore' });
    execFileSync('git', ['-c', 'advice.detachedHead=false', 'checkout', '--quiet', head], { cwd: checkout, stdio: 'ignore' });
    symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(checkout, 'node_modules'), 'dir');
    console.log(`start-up: a fresh clone of ${head.slice(0, 12)}…`);
    const fresh = await timeOneStart(checkout, path.join(checkout, '.local'));
    describe('fresh clone', fresh);

    console.log(`start-up: fresh ${fresh.healthz.toFixed(1)} s (goal ≤ ${GOAL_FRESH_S} s), warm best of ${WARM_ATTEMPTS} ${bestWarm.healthz.toFixed(1)} s (goal ≤ ${GOAL_WARM_S} s)`);
    mergeResults(RESULTS_FILE, {
      startUp: {
        goals: { freshSeconds: GOAL_FRESH_S, warmSeconds: GOAL_WARM_S },
        method: 'spawn of local/start.ts (as npm start) to GET /healthz 200; warm: a data folder a previous start left, best of 3; fresh: a fresh clone of HEAD with node_modules linked, once',
        freshSeconds: fresh.healthz,
        warmBestSeconds: bestWarm.healthz,
        warmSeconds: warm.map((w) => w.healthz),
        firstStartSeconds: first.healthz,
        whereTheTimeGoes: { fresh: breakdown(fresh), warmBest: breakdown(bestWarm) },
        commit: head,
        date: new Date().toISOString(),
      },
    });
    return 0;
  } finally {
    rmSync(warmDir, { recursive: true, force: true });
    rmSync(cloneDir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
