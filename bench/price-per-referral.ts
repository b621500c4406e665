/**
 * `npm run bench`, price per referral (issue 17, SPEC §7): what AWS would bill for one referral, on the
 * happy path and on the full ladder, each counted in a process of its own (the functions read their
 * config once, when loaded, and the ladder needs deadlines of seconds):
 * - happy: one team (standard risk), acknowledged in time;
 * - full ladder: two teams (high risk, housing need); the specialist team declines and the referral is
 *   re-routed to its fallback team; nobody acknowledges, so every assignment is reminded (team and duty
 *   manager told), breached, and the coordinator told.
 * Each path runs once uncounted (every function it uses is loaded and compiled, which AWS bills once per
 * execution environment, not per referral), then once counted, from the submission until its workflow
 * has finished and the service has gone quiet:
 * - Lambda invocations and their duration (timed around each local invocation) → GB-seconds at the
 *   function's MemorySize from the template;
 * - Step Functions state transitions (states entered, from the execution's history);
 * - DynamoDB read and write request units: the table is reached through a proxy that asks DynamoDB Local
 *   for ReturnConsumedCapacity on every call and adds up what it answers (the stream's own reads, free
 *   to a Lambda trigger, are not counted);
 * - KMS requests (the functions' KMS client, counted by an SDK middleware);
 * - CloudWatch Logs ingestion: the bytes the functions write to stdout/stderr, plus Lambda's own START,
 *   END and REPORT lines per invocation (estimated, below);
 * - SES emails (the emulator's mailbox) and API requests (the bench's own calls to the API).
 * The counts are priced at the eu-west-2 list prices below. Merges `pricePerReferral` into
 * bench/results.json. Goal: ≤ $0.001 per referral all in, on either path.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { startLocalCloud, type LocalCloud } from '../local/cloud.js';
import { startDynamoDbLocal } from '../local/dynamodb-local.js';
import { LocalLambdas } from '../local/lambda-runtime.js';
import { eventually, LocalCloudClient } from '../test/support/local-cloud-client.js';
import { freePort, freePorts, PROJECT_ROOT, type LocalCloudHandle } from '../test/support/local-cloud-process.js';
import { aReferral, aStandardReferral } from '../test/support/referrals.js';
import { shortDeadlineConfigFile } from '../test/support/short-deadlines.js';
import { mergeResults } from './results.js';

const RESULTS_FILE = path.join(PROJECT_ROOT, 'bench', 'results.json');
const GOAL_USD = 0.001;
const THIS_FILE = fileURLToPath(import.meta.url);

/**
 * Lambda writes START, END and REPORT lines of its own for every invocation, about this many bytes
 * together (an estimate from their documented shape: request id, durations, memory), ingested like ours.
 */
const PLATFORM_LOG_BYTES_PER_INVOCATION = 400;

/**
 * eu-west-2 (Europe (London)) list prices in USD, read on 2026-12-02 from the stored copies of the pages
 * named in each `source` (no internet here: the `pages` and `docs` search corpora). `london` says whether
 * the page showed the London price itself; where it did not, the price is the one shown (us-east-1 or
 * region-independent) and may be a little low for London.
 */
const PRICES = {
  checked: '2026-12-02',
  lambdaRequest: { usd: 0.20 / 1e6, unit: 'request', london: false, source: 'AWS Lambda pricing (aws.amazon.com/lambda/pricing): $0.20 per 1M requests (worked examples, US East)' },
  /** arm64, the stack's architecture (lib/constructs/referral-function.ts), first tier. */
  lambdaGbSecondArm: { usd: 0.0000133334, unit: 'GB-second', london: false, source: 'AWS Lambda pricing, Arm first tier $0.0000133334 per GB-s (US East, as quoted by cloudchipr.com "AWS Lambda Pricing Breakdown")' },
  stateTransition: { usd: 0.025 / 1000, unit: 'state transition', london: true, source: 'AWS Step Functions pricing (aws.amazon.com/step-functions/pricing), state transitions table: Europe (London) $0.0250 per 1,000' },
  /**
   * On-demand, the table's billing mode. The page found (engineering-ed7.pages.dev, "DynamoDB") lists
   * $1.4135 per 1M WRU and $0.283 per 1M RRU, London's rates before AWS halved on-demand throughput
   * prices in November 2024; halved here. The halving is from memory, not from a page.
   */
  dynamoDbWriteRequestUnit: { usd: 1.4135 / 2 / 1e6, unit: 'write request unit', london: false, source: 'engineering-ed7.pages.dev "DynamoDB" ($1.4135 per 1M WRU) halved for the November 2024 on-demand price cut (not confirmed)' },
  dynamoDbReadRequestUnit: { usd: 0.283 / 2 / 1e6, unit: 'read request unit', london: false, source: 'engineering-ed7.pages.dev "DynamoDB" ($0.283 per 1M RRU) halved for the November 2024 on-demand price cut (not confirmed)' },
  sesEmail: { usd: 0.10 / 1000, unit: 'email', london: false, source: 'acecloudinterviews.com "SES" tutorial: $0.10 per 1,000 emails (the AWS SES pricing page was not in the corpus)' },
  /** HTTP API (AWS::ApiGatewayV2::Api), first 300 million a month. London's rate could not be confirmed: us-east-1's $1.00 is on the pages; $1.11 is from memory and kept as the higher. */
  httpApiRequest: { usd: 1.11 / 1e6, unit: 'HTTP API request', london: false, source: 'apigatewaycost.com / amnic.com "AWS API Gateway Pricing": $1.00 per 1M (US East); $1.11 for London from memory, not confirmed' },
  kmsRequest: { usd: 0.03 / 10_000, unit: 'KMS request', london: false, source: 'aws.amazon.com/kms/pricing (free tier, key storage) and wring.co "AWS KMS pricing guide": $0.03 per 10,000 symmetric/HMAC requests' },
  logIngestionGb: { usd: 0.50, unit: 'GB ingested (CloudWatch Logs, Standard class)', london: false, source: 'c3x.dev "CloudWatch Logs cost optimization": $0.50 per GB ingested (us-east-1, June 2026)' },
} as const;

const READ_OPERATIONS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);
const WRITE_OPERATIONS = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

interface Tally {
  readRequestUnits: number;
  writeRequestUnits: number;
  dynamoDbCalls: Record<string, number>;
  invocations: Record<string, { count: number; ms: number }>;
  kmsRequests: number;
  logBytes: number;
}
const tally: Tally = { readRequestUnits: 0, writeRequestUnits: 0, dynamoDbCalls: {}, invocations: {}, kmsRequests: 0, logBytes: 0 };
let counting = false;
let lastActivity = Date.now();

/** A proxy in front of DynamoDB Local: every table call asks for its consumed capacity, and it is added up. */
function capacityProxy(target: string): Server {
  const upstream = new URL(target);
  return createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      let body = Buffer.concat(chunks);
      const targetHeader = String(incoming.headers['x-amz-target'] ?? '');
      const operation = targetHeader.startsWith('DynamoDB_20120810.') ? targetHeader.slice('DynamoDB_20120810.'.length) : undefined;
      const metered = operation !== undefined && (READ_OPERATIONS.has(operation) || WRITE_OPERATIONS.has(operation));
      if (metered) {
        // DynamoDB Local does not check signatures, so the body may gain the one field.
        const input = JSON.parse(body.toString()) as Record<string, unknown>;
        input.ReturnConsumedCapacity = 'TOTAL';
        body = Buffer.from(JSON.stringify(input));
      }
      const headers = { ...incoming.headers, 'content-length': String(body.length) };
      const forward = request({ host: upstream.hostname, port: upstream.port, path: incoming.url, method: incoming.method, headers }, (answer: IncomingMessage) => {
        const answerChunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => answerChunks.push(chunk));
        answer.on('end', () => {
          const raw = Buffer.concat(answerChunks);
          if (metered) lastActivity = Date.now();
          if (metered && counting) {
            tally.dynamoDbCalls[operation] = (tally.dynamoDbCalls[operation] ?? 0) + 1;
            try {
              const parsed = JSON.parse(raw.toString()) as { ConsumedCapacity?: { CapacityUnits?: number } | { CapacityUnits?: number }[] };
              const consumed = [parsed.ConsumedCapacity ?? []].flat().reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
              if (READ_OPERATIONS.has(operation)) tally.readRequestUnits += consumed;
              else tally.writeRequestUnits += consumed;
            } catch { /* not JSON: an error page, nothing consumed */ }
          }
          // The answer goes back byte for byte: the SDK checks its CRC32.
          outgoing.writeHead(answer.statusCode ?? 500, answer.headers);
          outgoing.end(raw);
        });
      });
      forward.on('error', (error) => { outgoing.writeHead(502); outgoing.end(String(error)); });
      forward.end(body);
    });
  });
}

/** Every local invocation, timed from its start to its answer, by function. */
function timeInvocations(): void {
  const invoke = LocalLambdas.prototype.invoke;
  LocalLambdas.prototype.invoke = async function timed(this: LocalLambdas, arn: string, event: unknown) {
    const began = performance.now();
    try {
      return await invoke.call(this, arn, event);
    } finally {
      lastActivity = Date.now();
      if (counting) {
        const name = arn.split(':').at(-1)!;
        const entry = (tally.invocations[name] ??= { count: 0, ms: 0 });
        entry.count += 1;
        // Lambda bills each invocation's duration rounded up to the millisecond.
        entry.ms += Math.ceil(performance.now() - began);
      }
    }
  };
}

/** What the functions write to stdout and stderr is what Lambda ships to CloudWatch Logs. */
function countLogBytes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      if (counting) tally.logBytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
      lastActivity = Date.now();
      return write(chunk, ...rest);
    }) as typeof stream.write;
  }
}

/** Every KMS request the functions make, through their one module-scope client. */
async function countKmsRequests(): Promise<void> {
  const { kms } = await import('../functions/adapters/aws-clients.js');
  kms.middlewareStack.add((next) => async (args) => {
    if (counting) tally.kmsRequests += 1;
    return next(args);
  }, { step: 'initialize', name: 'benchKmsCount' });
}

interface PathCounts {
  readonly lambda: { function: string; invocations: number; billedMs: number; memoryMb: number }[];
  readonly transitions: number;
  readonly executions: number;
  readonly dynamoDb: { writeRequestUnits: number; readRequestUnits: number; calls: Record<string, number> };
  readonly kmsRequests: number;
  readonly logBytes: number;
  readonly emails: number;
  readonly apiRequests: number;
}

type PathName = 'happy' | 'fullLadder';
const PATHS: Record<PathName, { what: string; env: () => Record<string, string> }> = {
  happy: { what: 'one team (standard risk), acknowledged in time', env: () => ({}) },
  fullLadder: {
    what: 'two teams (high risk, housing need); the specialist team declines and is re-routed to its fallback; nobody acknowledges, so every assignment is reminded (team and duty manager), breached and its coordinator told',
    // Deadlines and grace periods of 2 s: the ladder's waits are free (a Wait is one transition however long).
    env: () => ({ SERVICE_CONFIG_PATH: shortDeadlineConfigFile(2, 2) }),
  },
};

/** Submits a referral and waits until each of its `teams` assignments holds the workflow's callback token. */
async function waitingReferral(client: LocalCloudClient, body: unknown, teams: number): Promise<string> {
  const submitted = await client.submit(body as never);
  if (submitted.status !== 201) throw new Error(`submit answered ${submitted.status}`);
  const { reference } = (await submitted.json()) as { reference: string };
  await eventually(async () => {
    const assignments = await client.itemsOf(reference, 'ASSIGNMENT#');
    return assignments.length >= teams && assignments.filter((a) => typeof a.waitToken === 'string').length >= teams;
  }, `${reference} to wait for acknowledgement`, 30_000);
  return reference;
}

/** One referral along the path, by the bench's own API calls; answers how many it made. */
async function walk(name: PathName, client: LocalCloudClient): Promise<{ reference: string; apiRequests: number }> {
  if (name === 'happy') {
    const reference = await waitingReferral(client, aStandardReferral(), 1);
    const acknowledged = await client.as('victim-care.caseworker', 'POST', `/api/referrals/${reference}/assignments/victim-care/acknowledge`);
    if (acknowledged.status !== 200) throw new Error(`acknowledge answered ${acknowledged.status}`);
    return { reference, apiRequests: 2 };
  }
  const reference = await waitingReferral(client, aReferral(), 2);
  const declined = await client.as('mdvs.caseworker', 'POST', `/api/referrals/${reference}/assignments/mdvs/decline`, { reason: 'Benchmark: no capacity this week' });
  if (declined.status !== 200) throw new Error(`decline answered ${declined.status}`);
  return { reference, apiRequests: 2 };
}

/** Counts one path in this process: run by `main` as a child, `--path=<name> --out=<file>`. */
async function countPath(name: PathName, outFile: string): Promise<void> {
  // The functions run in this process, as on Lambda's Node 22: under another Node the figures would not be theirs.
  if (!process.version.startsWith('v22.')) throw new Error(`run under the Node the project pins (npx node …), not ${process.version}`);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'referral-price-'));
  // The local cloud's own lines go to a file, as launchLocalCloud's do: the bench prints only its figures.
  mkdirSync(path.join(PROJECT_ROOT, 'test-results'), { recursive: true });
  const logFile = path.join(PROJECT_ROOT, 'test-results', `bench-price-${name}-${Date.now()}.log`);
  const log = (message: string) => appendFileSync(logFile, `${message}\n`);
  const dynamodb = await startDynamoDbLocal({ port: await freePort(), dataDir: path.join(dataDir, 'dynamodb'), log });
  const proxy = capacityProxy(dynamodb.endpoint);
  const proxyPort = await freePort();
  await new Promise<void>((resolve) => proxy.listen(proxyPort, '127.0.0.1', () => resolve()));
  let cloud: LocalCloud | undefined;
  try {
    timeInvocations();
    const ports = await freePorts();
    log(`ports ${JSON.stringify(ports)}, DynamoDB Local ${dynamodb.endpoint}, proxy ${proxyPort}`);
    cloud = await startLocalCloud({ ...ports, dataDir, externalDynamoDbUrl: `http://127.0.0.1:${proxyPort}`, log });
    await countKmsRequests();
    countLogBytes();
    const handle: LocalCloudHandle = {
      apiUrl: cloud.urls.api, sesUrl: cloud.urls.mailViewer,
      // The bench's own reads go straight to DynamoDB Local: only the service's calls are counted.
      dynamodbUrl: dynamodb.endpoint,
      stepFunctionsUrl: cloud.urls.stepFunctions, tableName: cloud.stack.table.logicalId, stateMachineArn: cloud.stack.stateMachine.arn,
      kmsUrl: cloud.urls.kms, cognitoUrl: cloud.urls.cognito, clientId: cloud.signIn.clientId, password: cloud.signIn.users[0]!.password,
      tokenUrl: cloud.urls.token, partnerClients: cloud.partnerClients, logFile, dataDir, ports,
    };
    const client = new LocalCloudClient(handle);
    // Signing in is Cognito's (billed per active user a month, not per referral): done before counting.
    for (const user of ['victim-care.caseworker', 'mdvs.caseworker']) await client.tokenFor(user);
    const sfn = new SFNClient({ endpoint: cloud.urls.stepFunctions, region: 'eu-west-2', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
    const stateMachineArn = cloud.stack.stateMachine.arn;
    /** Every execution for the referral (a coordinator's re-assignment would start one of its own). */
    const executionsOf = async (reference: string) =>
      ((await sfn.send(new ListExecutionsCommand({ stateMachineArn }))).executions ?? []).filter((e) => e.name === reference || e.name?.startsWith(`${reference}--`));
    const finished = async (reference: string) => {
      await eventually(async () => {
        const executions = await executionsOf(reference);
        if (executions.length === 0) return false;
        for (const e of executions) if ((await sfn.send(new DescribeExecutionCommand({ executionArn: e.executionArn! }))).status === 'RUNNING') return false;
        return true;
      }, `${reference}'s workflow to finish`, 120_000);
      // Stream consumers may still be folding the referral's last events: done when nothing has moved for 3 s.
      await eventually(async () => Date.now() - lastActivity > 3_000, 'the service to go quiet', 60_000);
    };

    await finished((await walk(name, client)).reference);
    const emailsBefore = (await client.emails()).length;
    counting = true;
    const { reference, apiRequests } = await walk(name, client);
    await finished(reference);
    counting = false;
    let transitions = 0;
    const executions = await executionsOf(reference);
    for (const e of executions) {
      const { events = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn: e.executionArn! }));
      transitions += events.filter((event) => String(event.type).endsWith('StateEntered')).length;
    }
    sfn.destroy();
    const memoryOf = (logicalId: string) => Number(cloud!.stack.template.Resources[logicalId]?.Properties?.MemorySize ?? 128);
    const counts: PathCounts = {
      lambda: Object.entries(tally.invocations).map(([fn, { count, ms }]) => ({ function: fn, invocations: count, billedMs: ms, memoryMb: memoryOf(fn) })),
      transitions,
      executions: executions.length,
      dynamoDb: { writeRequestUnits: tally.writeRequestUnits, readRequestUnits: tally.readRequestUnits, calls: tally.dynamoDbCalls },
      kmsRequests: tally.kmsRequests,
      logBytes: tally.logBytes,
      emails: (await client.emails()).length - emailsBefore,
      apiRequests,
    };
    writeFileSync(outFile, JSON.stringify(counts));
  } finally {
    counting = false;
    await cloud?.stop();
    await new Promise<void>((resolve) => { proxy.close(() => resolve()); proxy.closeAllConnections(); });
    await dynamodb.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The bill for one referral's counts, line by line. */
function priced(counts: PathCounts) {
  const invocations = counts.lambda.reduce((sum, r) => sum + r.invocations, 0);
  const gbSeconds = counts.lambda.reduce((sum, r) => sum + (r.billedMs / 1000) * (r.memoryMb / 1024), 0);
  const logGb = (counts.logBytes + invocations * PLATFORM_LOG_BYTES_PER_INVOCATION) / 1e9;
  const costUsd = {
    lambdaRequests: invocations * PRICES.lambdaRequest.usd,
    lambdaDuration: gbSeconds * PRICES.lambdaGbSecondArm.usd,
    stepFunctions: counts.transitions * PRICES.stateTransition.usd,
    dynamoDbWrites: counts.dynamoDb.writeRequestUnits * PRICES.dynamoDbWriteRequestUnit.usd,
    dynamoDbReads: counts.dynamoDb.readRequestUnits * PRICES.dynamoDbReadRequestUnit.usd,
    ses: counts.emails * PRICES.sesEmail.usd,
    api: counts.apiRequests * PRICES.httpApiRequest.usd,
    kms: counts.kmsRequests * PRICES.kmsRequest.usd,
    logs: logGb * PRICES.logIngestionGb.usd,
  };
  const totalUsd = Object.values(costUsd).reduce((a, b) => a + b, 0);
  return { invocations, gbSeconds, logGb, costUsd, totalUsd };
}

function report(name: PathName, counts: PathCounts) {
  const bill = priced(counts);
  const usd = (n: number) => `$${n.toFixed(7)}`;
  console.log(`\nprice per referral, ${name}: ${PATHS[name].what}`);
  for (const row of counts.lambda) console.log(`  λ ${row.function.padEnd(40)} ×${row.invocations}  ${String(row.billedMs).padStart(6)} ms at ${row.memoryMb} MB`);
  const { costUsd: c } = bill;
  console.log(`  Lambda          ${bill.invocations} invocations, ${bill.gbSeconds.toFixed(3)} GB-s (local durations)   ${usd(c.lambdaRequests + c.lambdaDuration)}`);
  console.log(`  Step Functions  ${counts.transitions} state transitions in ${counts.executions} execution(s)   ${usd(c.stepFunctions)}`);
  console.log(`  DynamoDB        ${counts.dynamoDb.writeRequestUnits} WRU, ${counts.dynamoDb.readRequestUnits} RRU (${Object.entries(counts.dynamoDb.calls).map(([op, n]) => `${op} ×${n}`).join(', ')})   ${usd(c.dynamoDbWrites + c.dynamoDbReads)}`);
  console.log(`  SES             ${counts.emails} emails   ${usd(c.ses)}`);
  console.log(`  API Gateway     ${counts.apiRequests} HTTP API requests   ${usd(c.api)}`);
  console.log(`  KMS             ${counts.kmsRequests} requests   ${usd(c.kms)}`);
  console.log(`  CloudWatch Logs ${(bill.logGb * 1e6).toFixed(1)} kB (${counts.logBytes} B written + ${PLATFORM_LOG_BYTES_PER_INVOCATION} B an invocation of Lambda's own)   ${usd(c.logs)}`);
  console.log(`  total           ${usd(bill.totalUsd)} per referral (goal ≤ $${GOAL_USD})`);
  const round = (n: number, digits = 8) => Number(n.toFixed(digits));
  return {
    what: PATHS[name].what,
    lambda: { invocations: bill.invocations, gbSeconds: round(bill.gbSeconds, 4), byFunction: counts.lambda },
    stepFunctionsTransitions: counts.transitions,
    executions: counts.executions,
    dynamoDb: counts.dynamoDb,
    sesEmails: counts.emails,
    apiRequests: counts.apiRequests,
    kmsRequests: counts.kmsRequests,
    logBytes: { written: counts.logBytes, lambdaPlatformEstimate: bill.invocations * PLATFORM_LOG_BYTES_PER_INVOCATION },
    costUsd: Object.fromEntries(Object.entries(bill.costUsd).map(([k, v]) => [k, round(v)])),
    totalUsd: round(bill.totalUsd),
    withinGoal: bill.totalUsd <= GOAL_USD,
  };
}

/** Runs each path in a fresh process of the same Node, then prices, prints and records them. */
async function main(): Promise<number> {
  const started = Date.now();
  const results: Partial<Record<PathName, ReturnType<typeof report>>> = {};
  for (const name of Object.keys(PATHS) as PathName[]) {
    const outFile = path.join(mkdtempSync(path.join(tmpdir(), 'referral-price-counts-')), 'counts.json');
    const child = spawnSync(process.execPath, ['--import', 'tsx', THIS_FILE, `--path=${name}`, `--out=${outFile}`], {
      cwd: PROJECT_ROOT, env: { ...process.env, ...PATHS[name].env() }, stdio: ['ignore', 'ignore', 'inherit'], timeout: 600_000,
    });
    if (child.status !== 0) throw new Error(`the ${name} path failed (exit ${child.status ?? child.signal})`);
    results[name] = report(name, JSON.parse(readFileSync(outFile, 'utf8')) as PathCounts);
    rmSync(path.dirname(outFile), { recursive: true, force: true });
  }
  mergeResults(RESULTS_FILE, {
    pricePerReferral: {
      goalUsd: GOAL_USD,
      notCounted: 'Cognito (per monthly active user), X-Ray traces, CloudWatch metrics and alarms, SNS, DynamoDB storage, PITR and streams (free to a Lambda trigger), the table key\'s KMS calls (cached by DynamoDB), WAF, data transfer; Lambda durations are local (one process, this machine, a busy one), not AWS\'s',
      prices: PRICES,
      ...results,
      date: new Date().toISOString(),
    },
  });
  console.log(`\nprices: eu-west-2 list as read on ${PRICES.checked}; ${Object.values(PRICES).filter((p) => typeof p === 'object' && !p.london).length} of them not confirmed for London (see PRICES in bench/price-per-referral.ts)`);
  console.log(`written to ${path.relative(PROJECT_ROOT, RESULTS_FILE)} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return 0;
}

const option = (key: string) => process.argv.find((a) => a.startsWith(`--${key}=`))?.slice(key.length + 3);
const pathName = option('path');
process.exitCode = await (pathName ? countPath(pathName as PathName, option('out')!).then(() => 0) : main()).catch((error: unknown) => {
  console.error(`bench (price per referral${pathName ? `, ${pathName}` : ''}):`, error);
  return 1;
});
// Module-scope SDK clients of the functions loaded in this process keep sockets open: leave once done.
process.exit();
