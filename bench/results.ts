import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';

export interface Machine {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  /** 1-minute load average just before the local cloud was launched: well above 0, the machine was not quiet. */
  readonly loadAverageBefore1m: number;
  readonly commit?: string;
  readonly date: string;
}

export function describeMachine(projectRoot: string, loadAverageBefore1m: number): Machine {
  const cpus = os.cpus();
  let commit: string | undefined;
  try {
    // Read-only, and told not to take the index lock.
    commit = execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: projectRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' },
    }).trim();
  } catch {
    commit = undefined;
  }
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAverageBefore1m: Math.round(loadAverageBefore1m * 100) / 100,
    ...(commit ? { commit } : {}),
    date: new Date().toISOString(),
  };
}

/**
 * Writes `owned` into the results file, keeping every key some other benchmark wrote there. The file
 * is replaced atomically, so an interrupted run never leaves half a file behind.
 */
export function mergeResults(file: string, owned: Record<string, unknown>): void {
  let existing: Record<string, unknown> = {};
  if (existsSync(file)) {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`${file} does not hold a JSON object`);
    existing = parsed as Record<string, unknown>;
  }
  const merged = { ...existing, ...owned };
  writeFileSync(`${file}.tmp`, `${JSON.stringify(merged, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}
