import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

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

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Whether every port of a local cloud can be listened on again (its processes are gone). */
export async function portsFree(ports: Partial<LocalCloudPorts>): Promise<boolean> {
  const canListen = (port: number) => new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
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
}): Promise<{ handle: LocalCloudHandle; child: ChildProcess; stop: () => Promise<void> }> {
  const { port, dynamoDbPort, sesPort, stepFunctionsPort, cognitoPort, kmsPort } = options.ports ?? await freePorts();
  const ownDataDir = !options.dataDir;
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'referral-local-cloud-'));
  mkdirSync(path.dirname(options.logFile), { recursive: true });
  const log = createWriteStream(options.logFile, { flags: 'a' });
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], {
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
    // Only the start-up output is kept: once the banner is in, the listener goes (the log file has the rest).
    const onData = (chunk: Buffer) => {
      banner += chunk.toString();
      if (banner.includes('Ctrl-C stops everything.')) {
        child.stdout!.off('data', onData);
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`local cloud exited (${code}) before it was ready; see ${options.logFile}`));
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
