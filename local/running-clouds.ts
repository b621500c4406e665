import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Where each running local cloud says where it keeps its data, so that helpers run beside it
 * (`npm run totp`) find it even when it was started with another LOCAL_DATA_DIR. One file per process,
 * removed when it stops; a file left by a process that died is ignored and tidied away.
 */
export interface RunningCloud { readonly pid: number; readonly dataDir: string; readonly api: string }

const defaultRegistry = () => path.join(os.tmpdir(), 'referral-local-clouds');

/** Whether a process still runs (one of another user's counts: it is there, we may not signal it). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function announceCloud(cloud: Omit<RunningCloud, 'pid'>, registry = defaultRegistry()): () => void {
  mkdirSync(registry, { recursive: true });
  const file = path.join(registry, `${process.pid}.json`);
  writeFileSync(file, JSON.stringify({ pid: process.pid, ...cloud }));
  return () => rmSync(file, { force: true });
}

export function runningClouds(registry = defaultRegistry()): RunningCloud[] {
  let names: string[];
  try {
    names = readdirSync(registry).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const file = path.join(registry, name);
    try {
      const cloud = JSON.parse(readFileSync(file, 'utf8')) as RunningCloud;
      if (processAlive(cloud.pid)) return [cloud];
      rmSync(file, { force: true });
    } catch { /* half-written or unreadable: not one we can use */ }
    return [];
  });
}

export type DataDirChoice = { kind: 'found'; dataDir: string } | { kind: 'several'; running: RunningCloud[] };

/**
 * Which data folder a helper run beside the local cloud should read: LOCAL_DATA_DIR if given; else the
 * default folder if it has demo users; else the one running local cloud whose folder has them.
 */
export function chooseDataDir(options: {
  explicit: string | undefined; fallback: string; running: RunningCloud[]; hasUsers: (dataDir: string) => boolean;
}): DataDirChoice {
  if (options.explicit) return { kind: 'found', dataDir: path.resolve(options.explicit) };
  if (options.hasUsers(options.fallback)) return { kind: 'found', dataDir: options.fallback };
  const running = options.running.filter((c) => options.hasUsers(c.dataDir));
  if (running.length > 1) return { kind: 'several', running };
  return { kind: 'found', dataDir: running[0]?.dataDir ?? options.fallback };
}
