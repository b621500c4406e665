import type { ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, type WriteStream } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import sesEmulator from 'aws-ses-v2-local';
import { startDynamoDbLocal, type RunningDynamoDb } from '../../local/dynamodb-local.js';
import { TcpGate } from './tcp-gate.js';
import { freePort, freePorts, launchLocalCloud, portsFree, type LocalCloudHandle, type LocalCloudPorts } from './local-cloud-process.js';

/**
 * The local cloud with its database and mail emulator run beside it rather than inside it, so the
 * resilience suite can take each one away and bring it back on its own: DynamoDB Local (same data
 * folder), the SES emulator (same port, same mail store) and the local cloud itself (SIGKILL, then a
 * fresh start on the same data). Everything is started and owned by the vitest main process; test files
 * ask for faults over a small HTTP control endpoint on 127.0.0.1.
 */
export type Fault = 'dynamodb/stop' | 'dynamodb/start' | 'ses/stop' | 'ses/start' | 'stepfunctions/stop' | 'stepfunctions/start'
  | 'cloud/kill' | 'cloud/start';

export interface ResilienceRig {
  readonly cloud: LocalCloudHandle;
  /** Where the local cloud's logs, the figures and the victims' details of this run are kept. */
  readonly runDir: string;
  readonly controlUrl: string;
}

type StartSes = (c: { host: string; port: number }) => Promise<Server>;
// A CommonJS module: Node's ESM loader hands over its exports object, vitest's the default export itself.
const listenSes: StartSes = typeof sesEmulator === 'function'
  ? sesEmulator as unknown as StartSes
  : (sesEmulator as unknown as { default: StartSes }).default;

export async function startResilienceRig(runDir: string, env: Record<string, string> = {}): Promise<{ rig: ResilienceRig; stop: () => Promise<void> }> {
  mkdirSync(runDir, { recursive: true });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'referral-resilience-'));
  const ports: LocalCloudPorts = await freePorts();
  // The functions reach Step Functions through a gate the suite can close: the workflow service down.
  const stepFunctionsGate = new TcpGate(await freePort(), ports.stepFunctionsPort);
  await stepFunctionsGate.open();
  const dynamoLog: WriteStream = createWriteStream(path.join(runDir, 'dynamodb-local.log'), { flags: 'a' });
  let dynamodb: RunningDynamoDb | undefined;
  let ses: Server | undefined;
  let cloud: { child: ChildProcess; stop: () => Promise<void> } | undefined;
  let launches = 0;

  const startDynamoDb = async () => {
    dynamodb ??= await startDynamoDbLocal({
      port: ports.dynamoDbPort, dataDir: path.join(dataDir, 'dynamodb'), log: (line) => dynamoLog.write(line),
    });
  };
  const stopDynamoDb = async () => {
    await dynamodb?.stop();
    dynamodb = undefined;
  };
  const startSes = async () => {
    ses ??= await listenSes({ host: '127.0.0.1', port: ports.sesPort });
  };
  const stopSes = async () => {
    const server = ses;
    ses = undefined;
    if (server) await new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); });
  };
  const startCloud = async (): Promise<LocalCloudHandle> => {
    if (cloud) throw new Error('The local cloud is already running');
    const launched = await launchLocalCloud({
      ports, dataDir,
      logFile: path.join(runDir, `local-cloud-${++launches}.log`),
      env: {
        LOCAL_DYNAMODB_URL: `http://127.0.0.1:${ports.dynamoDbPort}`, LOCAL_SES_URL: `http://127.0.0.1:${ports.sesPort}`,
        LOCAL_STEP_FUNCTIONS_API_URL: stepFunctionsGate.url, ...env,
      },
    });
    cloud = launched;
    return launched.handle;
  };
  const killCloud = async () => {
    const running = cloud;
    cloud = undefined;
    if (!running) return;
    const exited = new Promise<void>((resolve) => running.child.once('exit', () => resolve()));
    if (running.child.exitCode === null && running.child.signalCode === null) {
      running.child.kill('SIGKILL');
      await exited;
    }
    await running.stop();
    // The Cognito emulator dies with it (parent-death signal): wait until the cloud's own ports are free.
    const own = { port: ports.port, stepFunctionsPort: ports.stepFunctionsPort, cognitoPort: ports.cognitoPort };
    const freeBy = Date.now() + 60_000;
    while (!await portsFree(own)) {
      if (Date.now() > freeBy) throw new Error('The killed local cloud still holds its ports after 60 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const faults: Record<Fault, () => Promise<unknown>> = {
    'dynamodb/stop': stopDynamoDb,
    'dynamodb/start': startDynamoDb,
    'ses/stop': stopSes,
    'ses/start': startSes,
    'stepfunctions/stop': () => stepFunctionsGate.close(),
    'stepfunctions/start': () => stepFunctionsGate.open(),
    'cloud/kill': killCloud,
    'cloud/start': startCloud,
  };

  const control = createServer((req, res) => {
    const fault = (req.url ?? '').replace(/^\//, '') as Fault;
    const action = req.method === 'POST' ? faults[fault] : undefined;
    if (!action) {
      res.writeHead(404).end();
      return;
    }
    const started = Date.now();
    action().then(
      () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ fault, ms: Date.now() - started })),
      (error: Error) => res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ fault, error: error.message })),
    );
  });
  const controlPort = await freePort();
  await new Promise<void>((resolve) => control.listen(controlPort, '127.0.0.1', resolve));

  const stop = async () => {
    await new Promise<void>((resolve) => { control.close(() => resolve()); control.closeAllConnections(); });
    if (cloud) {
      const running = cloud;
      cloud = undefined;
      await running.stop();
    }
    await stepFunctionsGate.close();
    await stopSes();
    await stopDynamoDb();
    dynamoLog.end();
    rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    await startDynamoDb();
    await startSes();
    const handle = await startCloud();
    return { rig: { cloud: handle, runDir, controlUrl: `http://127.0.0.1:${controlPort}` }, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Asks the rig, from a test file, to take a dependency away or bring it back. Answers once it is done. */
export async function injectFault(rig: ResilienceRig, fault: Fault): Promise<void> {
  const response = await fetch(`${rig.controlUrl}/${fault}`, { method: 'POST', signal: AbortSignal.timeout(120_000) });
  if (!response.ok) throw new Error(`${fault} failed: ${await response.text()}`);
}
