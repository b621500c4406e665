import { readFileSync } from 'node:fs';

function parentOf(pid: number): number | undefined {
  try {
    // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may contain spaces, so split after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

function commandOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/** `npm start` runs us as npm → sh -c → node: those launchers are who we belong to. */
function isLauncher(command: string[]): boolean {
  const [program = '', flag] = command;
  const name = program.split('/').pop() ?? '';
  return (['sh', 'bash', 'dash'].includes(name) && flag === '-c')
    || name === 'npm' || command.some((arg) => arg.endsWith('npm-cli.js') || arg.endsWith('/bin/npm'));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Calls `onOrphaned` once when the process that launched us dies, even by SIGKILL (no signal reaches
 * us then). Watches the parent and, through `sh -c` and npm wrappers, the launcher above them.
 */
export function watchForOrphaning(onOrphaned: () => void, intervalMs = 500): void {
  const watched = [process.ppid];
  let pid = process.ppid;
  for (let depth = 0; depth < 4 && isLauncher(commandOf(pid)); depth++) {
    const parent = parentOf(pid);
    if (parent === undefined || parent <= 1) break;
    watched.push(parent);
    pid = parent;
  }
  const parentAtStart = process.ppid;
  setInterval(() => {
    if (process.ppid !== parentAtStart || watched.some((p) => !alive(p))) onOrphaned();
  }, intervalMs).unref();
}
