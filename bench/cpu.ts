import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * CPU time used so far, in ms, by the benchmark itself, the local cloud's Node process (and helpers),
 * DynamoDB Local, and the whole machine (every core; `busy` excludes idle and iowait).
 */
export interface CpuTimes {
  readonly bench: number;
  readonly localCloud: number;
  readonly dynamodbLocal: number;
  readonly machineBusy: number;
  readonly at: number;
}

/** Share of one core each used over a stretch: 100 means one core flat out (the machine has `cpus` of them). */
export interface CpuShare {
  readonly benchPct: number;
  readonly localCloudPct: number;
  readonly dynamodbLocalPct: number;
  /** Everything else on the machine (other people's tests, say): the figures are only as clean as this is low. */
  readonly otherPct: number;
}

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

interface ProcInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly cpuMs: number;
}

function readProc(pid: number): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: the other fields follow the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(fields[1]);
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return { pid, ppid, cpuMs: ((utime + stime) * 1000) / clockTicks() };
  } catch {
    return undefined;
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/**
 * Reads /proc (Linux only; elsewhere answers undefined): the local cloud process and every process under
 * it, with DynamoDB Local (the java process running DynamoDBLocal.jar) counted on its own.
 */
export function cpuTimes(localCloudPid: number | undefined): CpuTimes | undefined {
  if (process.platform !== 'linux' || localCloudPid === undefined) return undefined;
  const all: ProcInfo[] = [];
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const info = readProc(Number(entry));
      if (info) all.push(info);
    }
  } catch {
    return undefined;
  }
  const root = all.find((p) => p.pid === localCloudPid);
  if (!root) return undefined;
  let localCloud = root.cpuMs;
  let dynamodbLocal = 0;
  const queue = [localCloudPid];
  while (queue.length) {
    const parent = queue.shift()!;
    for (const child of all.filter((p) => p.ppid === parent)) {
      queue.push(child.pid);
      if (commandLine(child.pid).includes('DynamoDBLocal')) dynamodbLocal += child.cpuMs;
      else localCloud += child.cpuMs;
    }
  }
  const self = process.cpuUsage();
  return { bench: (self.user + self.system) / 1000, localCloud, dynamodbLocal, machineBusy: machineBusyMs(), at: performance.now() };
}

/** Busy time of all cores together from the first line of /proc/stat: user nice system idle iowait irq softirq steal. */
function machineBusyMs(): number {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
    return ((user + nice + system + irq + softirq + steal) * 1000) / clockTicks();
  } catch {
    return Number.NaN;
  }
}

export function cpuShare(before: CpuTimes | undefined, after: CpuTimes | undefined): CpuShare | undefined {
  if (!before || !after || after.at <= before.at) return undefined;
  const wall = after.at - before.at;
  const pct = (used: number) => Math.round((used / wall) * 100);
  return {
    benchPct: pct(after.bench - before.bench),
    localCloudPct: pct(after.localCloud - before.localCloud),
    dynamodbLocalPct: pct(after.dynamodbLocal - before.dynamodbLocal),
    otherPct: Math.max(0, pct(after.machineBusy - before.machineBusy - (after.bench - before.bench) - (after.localCloud - before.localCloud) - (after.dynamodbLocal - before.dynamodbLocal))),
  };
}

/** Idle is under a tenth of a core for half a second; a minute is the most a phase's leftovers may take. */
export const IDLE_WAIT = { timeoutMs: 60_000, sampleMs: 500, idlePct: 10 } as const;

/**
 * Waits until the local cloud and DynamoDB Local together use under `idlePct` of a core. Answers how long
 * that took, in seconds (Linux; elsewhere 0); throws when they are still busy after `timeoutMs`.
 */
export async function waitUntilIdle(localCloudPid: number | undefined, when: string, options: { timeoutMs: number; sampleMs: number; idlePct: number } = IDLE_WAIT): Promise<number> {
  const t0 = performance.now();
  let previous = cpuTimes(localCloudPid);
  if (!previous) return 0;
  while (performance.now() - t0 < options.timeoutMs) {
    await sleep(options.sampleMs);
    const now = cpuTimes(localCloudPid);
    const share = cpuShare(previous, now);
    previous = now;
    if (share && share.localCloudPct + share.dynamodbLocalPct < options.idlePct) return (performance.now() - t0) / 1000;
  }
  throw new Error(`the local cloud was still busy ${options.timeoutMs / 1000} s ${when}`);
}
