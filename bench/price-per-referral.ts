/**
 * `npm run bench`, price per referral (issue 17, SPEC §7): runs the local cloud in this process, submits
 * one referral on the happy path (one team, acknowledged in time), and counts what AWS would bill for it
 * from the moment of submission until the workflow has finished and everything has gone quiet:
 * - Lambda invocations and their duration (timed around each local invocation) → GB-seconds at the
 *   function's MemorySize from the template;
 * - Step Functions state transitions (states entered, from the execution's history);
 * - DynamoDB read and write request units: the table is reached through a proxy that asks DynamoDB Local
 *   for ReturnConsumedCapacity on every call and adds up what it answers (the stream's own reads, free
 *   to a Lambda trigger, are not counted);
 * - SES emails (the emulator's mailbox) and API requests (the bench's own calls to the API).
 * The counts are priced at the list prices below. Merges `pricePerReferral` into bench/results.json.
 * Goal: ≤ $0.001 per referral all in.
 */
import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { startLocalCloud, type LocalCloud } from '../local/cloud.js';
import { startDynamoDbLocal } from '../local/dynamodb-local.js';
import { LocalLambdas } from '../local/lambda-runtime.js';
import { eventually, LocalCloudClient } from '../test/support/local-cloud-client.js';
import { freePort, freePorts, PROJECT_ROOT, type LocalCloudHandle } from '../test/support/local-cloud-process.js';
import { aStandardReferral } from '../test/support/referrals.js';
import { mergeResults } from './results.js';

const RESULTS_FILE = path.join(PROJECT_ROOT, 'bench', 'results.json');
const GOAL_USD = 0.001;

/**
 * eu-west-2 (London) list prices in USD. TO BE CHECKED against the AWS pricing pages: written from
 * memory on 2026-12-02, not read from the pages that day.
 */
const PRICES = {
  date: '2026-12-02',
  source: 'from memory, to be checked against aws.amazon.com/{lambda,step-functions,dynamodb,ses,api-gateway}/pricing',
  lambdaPerRequest: 0.20 / 1e6,
  /** arm64 (the stack's architecture), first pricing tier. */
  lambdaPerGbSecondArm64: 0.0000133334,
  stepFunctionsPerTransition: 0.025 / 1000,
  /** On-demand (the table's billing mode), after the November 2024 price reduction. */
  dynamoDbPerWriteRequestUnit: 0.7063 / 1e6,
  dynamoDbPerReadRequestUnit: 0.1413 / 1e6,
  sesPerEmail: 0.10 / 1000,
  /** HTTP API (AWS::ApiGatewayV2::Api), first 300 million a month. */
  httpApiPerRequest: 1.11 / 1e6,
} as const;

const READ_OPERATIONS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);
const WRITE_OPERATIONS = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

interface Tally {
  readRequestUnits: number;
  writeRequestUnits: number;
  dynamoDbCalls: Record<string, number>;
  invocations: Record<string, { count: number; ms: number }>;
}
const tally: Tally = { readRequestUnits: 0, writeRequestUnits: 0, dynamoDbCalls: {}, invocations: {} };
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

async function main(): Promise<number> {
  // The functions run in this process, as on Lambda's Node 22: under another Node the figures would not be theirs.
  if (!process.version.startsWith('v22.')) throw new Error(`run under the Node the project pins (npx node …), not ${process.version}`);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'referral-price-'));
  // The local cloud's own lines go to a file, as launchLocalCloud's do: the bench prints only its figures.
  mkdirSync(path.join(PROJECT_ROOT, 'test-results'), { recursive: true });
  const logFile = path.join(PROJECT_ROOT, 'test-results', `bench-price-${Date.now()}.log`);
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
    const handle: LocalCloudHandle = {
      apiUrl: cloud.urls.api, sesUrl: cloud.urls.mailViewer,
      // The bench's own reads go straight to DynamoDB Local: only the service's calls are counted.
      dynamodbUrl: dynamodb.endpoint,
      stepFunctionsUrl: cloud.urls.stepFunctions, tableName: cloud.stack.table.logicalId, stateMachineArn: cloud.stack.stateMachine.arn,
      kmsUrl: cloud.urls.kms, cognitoUrl: cloud.urls.cognito, clientId: cloud.signIn.clientId, password: cloud.signIn.users[0]!.password,
      tokenUrl: cloud.urls.token, partnerClients: cloud.partnerClients, logFile, dataDir, ports,
    };
    const client = new LocalCloudClient(handle);
    await client.tokenFor('victim-care.caseworker');
    const sfn = new SFNClient({ endpoint: cloud.urls.stepFunctions, region: 'eu-west-2', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
    const happyPath = async () => {
      let apiRequests = 0;
      const submitted = await client.submit(aStandardReferral());
      apiRequests += 1;
      if (submitted.status !== 201) throw new Error(`submit answered ${submitted.status}`);
      const { reference } = (await submitted.json()) as { reference: string };
      await eventually(async () => {
        const assignments = await client.itemsOf(reference, 'ASSIGNMENT#');
        return assignments.length === 1 && typeof assignments[0]!.waitToken === 'string';
      }, `${reference} to wait for acknowledgement`, 30_000);
      const acknowledged = await client.as('victim-care.caseworker', 'POST', `/api/referrals/${reference}/assignments/victim-care/acknowledge`);
      apiRequests += 1;
      if (acknowledged.status !== 200) throw new Error(`acknowledge answered ${acknowledged.status}`);

      const executionArn = `${cloud!.stack.stateMachine.arn.replace(':stateMachine:', ':execution:')}:${reference}`;
      await eventually(async () => (await sfn.send(new DescribeExecutionCommand({ executionArn }))).status !== 'RUNNING', `${reference} to finish`, 60_000);
      // Stream consumers may still be folding the referral's last events: done when nothing has moved for 3 s.
      await eventually(async () => Date.now() - lastActivity > 3_000, 'the service to go quiet', 60_000);
      return { apiRequests, executionArn };
    };
    // A first referral, not counted: each function's module is loaded (and compiled) on its first
    // invocation here, which AWS would bill once per execution environment, not per referral.
    await happyPath();
    const emailsBefore = (await client.emails()).length;
    counting = true;
    const { apiRequests, executionArn } = await happyPath();
    counting = false;
    const { events = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    sfn.destroy();
    const transitions = events.filter((e) => String(e.type).endsWith('StateEntered')).length;
    const emails = (await client.emails()).length - emailsBefore;

    const memoryOf = (logicalId: string) => Number(cloud!.stack.template.Resources[logicalId]?.Properties?.MemorySize ?? 128);
    const lambdaRows = Object.entries(tally.invocations).map(([fn, { count, ms }]) => ({
      function: fn, invocations: count, billedMs: ms, memoryMb: memoryOf(fn), gbSeconds: (ms / 1000) * (memoryOf(fn) / 1024),
    }));
    const invocations = lambdaRows.reduce((sum, r) => sum + r.invocations, 0);
    const gbSeconds = lambdaRows.reduce((sum, r) => sum + r.gbSeconds, 0);
    const costs = {
      lambdaRequests: invocations * PRICES.lambdaPerRequest,
      lambdaDuration: gbSeconds * PRICES.lambdaPerGbSecondArm64,
      stepFunctions: transitions * PRICES.stepFunctionsPerTransition,
      dynamoDbWrites: tally.writeRequestUnits * PRICES.dynamoDbPerWriteRequestUnit,
      dynamoDbReads: tally.readRequestUnits * PRICES.dynamoDbPerReadRequestUnit,
      ses: emails * PRICES.sesPerEmail,
      api: apiRequests * PRICES.httpApiPerRequest,
    };
    const total = Object.values(costs).reduce((a, b) => a + b, 0);
    const usd = (n: number) => `$${n.toFixed(7)}`;

    console.log('price per referral, happy path (one team, acknowledged in time):');
    for (const row of lambdaRows) console.log(`  λ ${row.function.padEnd(40)} ×${row.invocations}  ${String(row.billedMs).padStart(6)} ms at ${row.memoryMb} MB`);
    console.log(`  Lambda          ${invocations} invocations, ${gbSeconds.toFixed(3)} GB-s (local durations)   ${usd(costs.lambdaRequests + costs.lambdaDuration)}`);
    console.log(`  Step Functions  ${transitions} state transitions   ${usd(costs.stepFunctions)}`);
    console.log(`  DynamoDB        ${tally.writeRequestUnits} WRU, ${tally.readRequestUnits} RRU (${Object.entries(tally.dynamoDbCalls).map(([op, n]) => `${op} ×${n}`).join(', ')})   ${usd(costs.dynamoDbWrites + costs.dynamoDbReads)}`);
    console.log(`  SES             ${emails} emails   ${usd(costs.ses)}`);
    console.log(`  API Gateway     ${apiRequests} HTTP API requests   ${usd(costs.api)}`);
    console.log(`  total           ${usd(total)} per referral (goal ≤ $${GOAL_USD}); prices: eu-west-2 list, ${PRICES.source}`);

    mergeResults(RESULTS_FILE, {
      pricePerReferral: {
        goalUsd: GOAL_USD,
        path: 'happy: one team (standard risk), acknowledged in time, workflow finished',
        notCounted: 'CloudWatch Logs ingestion, X-Ray traces, KMS requests, Cognito, WAF, data transfer; Lambda durations are local (one process, this machine), not AWS\'s',
        prices: PRICES,
        lambda: { invocations, gbSeconds: Number(gbSeconds.toFixed(4)), byFunction: lambdaRows.map((r) => ({ ...r, gbSeconds: Number(r.gbSeconds.toFixed(4)) })) },
        stepFunctionsTransitions: transitions,
        dynamoDb: { writeRequestUnits: tally.writeRequestUnits, readRequestUnits: tally.readRequestUnits, calls: tally.dynamoDbCalls },
        sesEmails: emails,
        apiRequests,
        costUsd: Object.fromEntries(Object.entries(costs).map(([k, v]) => [k, Number(v.toFixed(8))])),
        totalUsd: Number(total.toFixed(8)),
        date: new Date().toISOString(),
      },
    });
    return 0;
  } finally {
    counting = false;
    await cloud?.stop();
    await new Promise<void>((resolve) => { proxy.close(() => resolve()); proxy.closeAllConnections(); });
    await dynamodb.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

process.exitCode = await main().catch((error: unknown) => {
  console.error('bench (price per referral):', error);
  return 1;
});
// Module-scope SDK clients of the functions loaded in this process keep sockets open: leave once done.
process.exit();
