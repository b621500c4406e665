import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { processAlive } from '../../local/running-clouds.js';

export const READY_CEILING_S = 300;

export const PROJECT_ROOT = path.resolve(import.meta.dirname, '..', '..');

export interface LocalCloudHandle {
  readonly apiUrl: string;
  readonly sesUrl: string;
  readonly dynamodbUrl: string;
  readonly stepFunctionsUrl: string;
  readonly tableName: string;
  readonly stateMachineArn: string;
  readonly cognitoUrl: string;
  readonly kmsUrl: string;
  readonly clientId: string;
  readonly password: string;
  /** The pool's token endpoint for partners' machine credentials, and each partner's client. */
  readonly tokenUrl: string;
  readonly partnerClients: { organisation: string; clientId: string; clientSecret: string }[];
  readonly logFile: string;
  readonly dataDir: string;
  readonly ports: LocalCloudPorts;
}

/*
 * Ports for a local cloud under test are chosen below the kernel's ephemeral range. A port found free
 * there stays free until the cloud binds it: nothing the cloud does on the way (its own listen(0) front
 * ends, every outgoing connection) is given a port from that range, whereas a port picked with
 * listen(0) is an ephemeral one, free to be handed to the next connection made anywhere on the machine.
 * A file per port, created exclusively, keeps two test processes from choosing the same one.
 */
const RESERVATIONS = path.join(tmpdir(), 'referral-test-ports');
const LOWEST_PORT = 10_000;
const reservedHere = new Set<number>();

function ephemeralFloor(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (low > LOWEST_PORT + 1_000) return low;
  } catch { /* not Linux: the IANA range starts at 49152, Linux's default at 32768 */ }
  return 32_768;
}

/** Claims a port for this process; a claim left by a process that has died is taken over. */
function reservePort(port: number): boolean {
  const file = path.join(RESERVATIONS, String(port));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      reservedHere.add(port);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(file, 'utf8'));
      if (!holder || processAlive(holder)) return false;
      rmSync(file, { force: true });
    }
  }
  return false;
}

process.once('exit', () => {
  for (const port of reservedHere) rmSync(path.join(RESERVATIONS, String(port)), { force: true });
});

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port no other test process has claimed and nothing listens on, below the ephemeral range. */
export async function freePort(): Promise<number> {
  mkdirSync(RESERVATIONS, { recursive: true });
  const ceiling = ephemeralFloor();
  for (let tries = 0; tries < 500; tries++) {
    const port = LOWEST_PORT + Math.floor(Math.random() * (ceiling - LOWEST_PORT));
    if (reservedHere.has(port) || !reservePort(port)) continue;
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port between ${LOWEST_PORT} and ${ceiling} after 500 tries`);
}

/** Whether every port of a local cloud can be listened on again (its processes are gone). */
export async function portsFree(ports: Partial<LocalCloudPorts>): Promise<boolean> {
  for (const port of Object.values(ports).filter((p) => p !== undefined)) {
    if (!await canListen(port)) return false;
  }
  return true;
}

/**
 * Starts `local/start.ts` as its own process on free ports with a throw-away data folder, exactly as
 * `npm start` does, and waits for its ready banner. Its output goes to `logFile`.
 */
export interface LocalCloudPorts {
  readonly port: number;
  readonly dynamoDbPort: number;
  readonly sesPort: number;
  readonly stepFunctionsPort: number;
  readonly cognitoPort: number;
  readonly kmsPort: number;
}

export async function freePorts(): Promise<LocalCloudPorts> {
  return { port: await freePort(), dynamoDbPort: await freePort(), sesPort: await freePort(), stepFunctionsPort: await freePort(), cognitoPort: await freePort(), kmsPort: await freePort() };
}

/** A data folder of its own, unless the caller passes one to restart a local cloud on its old data. */
export async function launchLocalCloud(options: {
  logFile: string; env?: Record<string, string>; ports?: LocalCloudPorts; dataDir?: string;
  /** Options for Node itself (--cpu-prof, say: Node refuses it in NODE_OPTIONS). */
  nodeArgs?: string[];
}): Promise<{ handle: LocalCloudHandle; child: ChildProcess; stop: () => Promise<void> }> {
  const { port, dynamoDbPort, sesPort, stepFunctionsPort, cognitoPort, kmsPort } = options.ports ?? await freePorts();
  const ownDataDir = !options.dataDir;
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'referral-local-cloud-'));
  mkdirSync(path.dirname(options.logFile), { recursive: true });
  const log = createWriteStream(options.logFile, { flags: 'a' });
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', 'local/start.ts'], {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      PORT: String(port), DYNAMODB_PORT: String(dynamoDbPort), SES_PORT: String(sesPort),
      STEP_FUNCTIONS_PORT: String(stepFunctionsPort), COGNITO_PORT: String(cognitoPort), KMS_PORT: String(kmsPort), LOCAL_DATA_DIR: dataDir,
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  let banner = '';
  const ready = new Promise<void>((resolve, reject) => {
    // A ceiling for a local cloud that hangs, not a measure of speed: a busy machine may take minutes.
    const timer = setTimeout(() => reject(new Error(`local cloud not ready in ${READY_CEILING_S} s; see ${options.logFile}`)), READY_CEILING_S * 1000);
    // What it printed on the way down goes into the error: CI shows the error, not the log file.
    let errors = '';
    const onError = (chunk: Buffer) => { errors = (errors + chunk.toString()).slice(-4_000); };
    // Only the start-up output is kept: once the banner is in, the listeners go (the log file has the rest).
    const onData = (chunk: Buffer) => {
      banner += chunk.toString();
      if (banner.includes('Ctrl-C stops everything.')) {
        child.stdout!.off('data', onData);
        child.stderr!.off('data', onError);
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onError);
    child.once('close', (code) => {
      clearTimeout(timer);
      const said = `${banner.slice(-2_000)}\n${errors}`.trim();
      reject(new Error(`local cloud exited (${code}) before it was ready; see ${options.logFile}\n${said}`));
    });
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    log.end();
    if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await ready;
  } catch (error) {
    await stop();
    throw error;
  }
  const tableName = /table (\S+)\)/.exec(banner)?.[1];
  const stateMachineArn = /\((arn:aws:states:[^)]+)\)/.exec(banner)?.[1];
  const clientId = /client (\S+)\)/.exec(banner)?.[1];
  const password = /password: (\S+)/.exec(banner)?.[1];
  const tokenUrl = /Token endpoint +(\S+)/.exec(banner)?.[1];
  const partnerClients = [...banner.matchAll(/Partner +(.+): client (\S+) secret (\S+)/g)]
    .map(([, organisation, id, secret]) => ({ organisation: organisation!, clientId: id!, clientSecret: secret! }));
  if (!tableName || !stateMachineArn || !clientId || !password || !tokenUrl) throw new Error('Could not read the stack from the banner');
  return {
    handle: {
      apiUrl: `http://127.0.0.1:${port}`,
      sesUrl: `http://127.0.0.1:${sesPort}`,
      dynamodbUrl: `http://127.0.0.1:${dynamoDbPort}`,
      stepFunctionsUrl: `http://127.0.0.1:${stepFunctionsPort}`,
      tableName,
      stateMachineArn,
      cognitoUrl: `http://127.0.0.1:${cognitoPort}`,
      kmsUrl: `http://127.0.0.1:${kmsPort}`,
      clientId,
      password,
      tokenUrl,
      partnerClients,
      logFile: options.logFile,
      dataDir,
      ports: { port, dynamoDbPort, sesPort, stepFunctionsPort, cognitoPort, kmsPort },
    },
    child,
    stop,
  };
}
