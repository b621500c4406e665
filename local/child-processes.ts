import { existsSync } from 'node:fs';

/**
 * Wraps a command so the kernel kills it when the process that spawned it dies, however it dies
 * (SIGKILL included): no DynamoDB Local is ever left running behind a crashed parent.
 */
export function guardedCommand(command: string, args: string[]): [string, string[]] {
  if (process.platform === 'linux' && existsSync('/usr/bin/setpriv')) {
    return ['/usr/bin/setpriv', ['--pdeathsig', 'SIGKILL', command, ...args]];
  }
  return [command, args];
}
