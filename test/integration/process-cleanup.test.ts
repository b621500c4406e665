import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventually } from '../support/local-cloud-client.js';
import { freePort, launchLocalCloud, PROJECT_ROOT, READY_CEILING_S } from '../support/local-cloud-process.js';

/** Every process whose parent chain leads to `root`. */
function descendantsOf(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // The process ended while we looked.
    }
  }
  const found: number[] = [];
  const walk = (pid: number) => {
    for (const [child, parent] of parents) {
      if (parent === pid) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(root);
  return found;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** DynamoDB Local and the Cognito emulator: the child processes that could outlive a crashed parent. */
const isEmulator = (pid: number) => {
  try {
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return command.includes('DynamoDBLocal') || command.includes('cognito-local');
  } catch {
    return false;
  }
};

/** Stopping waits on the orphan watch and on DynamoDB Local's JVM: seconds when quiet, longer when the machine is not. */
const STOP_CEILING_MS = 180_000;
const TEST_CEILING_MS = READY_CEILING_S * 1000 + 2 * STOP_CEILING_MS;

const logFile = (name: string) => path.join(PROJECT_ROOT, 'test-results', `${name}-${Date.now()}.log`);

describe('stopping the local cloud', () => {
  it('stops DynamoDB Local and the Cognito emulator with it on SIGTERM', async () => {
    const { child, stop } = await launchLocalCloud({ logFile: logFile('cleanup-sigterm') });
    const emulators = descendantsOf(child.pid!).filter(isEmulator);
    expect(emulators).toHaveLength(2);
    await stop();
    await eventually(async () => emulators.every((pid) => !alive(pid)), 'the emulators to stop', STOP_CEILING_MS);
  }, TEST_CEILING_MS);

  it('leaves no emulator behind when it is killed outright (SIGKILL)', async () => {
    const { child, stop } = await launchLocalCloud({ logFile: logFile('cleanup-sigkill') });
    const emulators = descendantsOf(child.pid!).filter(isEmulator);
    expect(emulators).toHaveLength(2);
    child.kill('SIGKILL');
    await eventually(async () => emulators.every((pid) => !alive(pid)), 'the emulators to die with their parent', STOP_CEILING_MS);
    await stop();
  }, TEST_CEILING_MS);

  it('stops when whoever launched it is killed outright, as when npm start is SIGKILLed', async () => {
    const ports = { PORT: await freePort(), DYNAMODB_PORT: await freePort(), SES_PORT: await freePort(), STEP_FUNCTIONS_PORT: await freePort(), COGNITO_PORT: await freePort() };
    // The same chain as `npm start`: a launcher running `sh -c "node --import tsx local/start.ts"`.
    const dataDir = path.join(PROJECT_ROOT, 'test-results', `cleanup-orphan-${Date.now()}`);
    const launcher = spawn('sh', ['-c', 'node --import tsx local/start.ts; true'], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])), LOCAL_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    launcher.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    try {
      // As long as the shared launcher allows: on a busy machine the local cloud starts slowly, not never.
      await eventually(async () => output.includes('Ctrl-C stops everything.'), 'the local cloud to start', READY_CEILING_S * 1000);
      const tree = descendantsOf(launcher.pid!);
      expect(tree.filter(isEmulator)).toHaveLength(2);
      launcher.kill('SIGKILL');
      await eventually(async () => tree.every((pid) => !alive(pid)), 'every process under the launcher to stop', STOP_CEILING_MS);
    } finally {
      // Whatever failed above, nothing this test started may outlive it: the launcher led its own group.
      try { process.kill(-launcher.pid!, 'SIGKILL'); } catch { /* already gone */ }
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, TEST_CEILING_MS);
});
