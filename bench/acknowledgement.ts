/**
 * `npm run bench`, second part (SPEC §5, issue 3): how fast an acknowledgement is answered, and how many
 * Step Functions state transitions one referral costs on the happy path and on the full escalation path,
 * with the price that implies. Runs its own local clouds on free ports, 127.0.0.1 only, bounded in count
 * and time, and merges `acknowledge` and `stateTransitions` into bench/results.json.
 */
import * as path from 'node:path';
import { GetExecutionHistoryCommand, DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { eventually, LocalCloudClient } from '../test/support/local-cloud-client.js';
import { launchLocalCloud, PROJECT_ROOT, type LocalCloudHandle } from '../test/support/local-cloud-process.js';
import { aReferral, aStandardReferral, type ReferralBody } from '../test/support/referrals.js';
import { shortDeadlineConfigFile } from '../test/support/short-deadlines.js';
import { waitUntilIdle } from './cpu.js';
import { mergeResults } from './results.js';
import { summarize } from './stats.js';

const RESULTS_FILE = path.join(PROJECT_ROOT, 'bench', 'results.json');
/**
 * Per batch. The first acknowledgements after a start pay for DynamoDB Local's JVM still compiling and for
 * the stream consumers catching up with the referrals just made: they are timed apart, as `cold`, and the
 * figure is the next batch's, taken once the local cloud has idled (as bench/run.ts times its phases).
 */
const ACKNOWLEDGEMENTS = 60;
/**
 * Standard Workflows list price per state transition: $0.025 per 1,000 in Europe (London) as in us-east-1
 * (AWS Step Functions pricing page, state transitions table, read 2026-12-02). The whole bill per
 * referral, transitions included, is bench/price-per-referral.ts's.
 */
const PRICE_PER_TRANSITION_USD = 0.025 / 1000;

let stopCurrent: (() => Promise<void>) | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => void (stopCurrent?.() ?? Promise.resolve()).finally(() => process.exit(130)));
}

async function withCloud<T>(name: string, env: Record<string, string>, work: (cloud: LocalCloudHandle, pid: number | undefined) => Promise<T>): Promise<T> {
  const { handle, child, stop } = await launchLocalCloud({ logFile: path.join(PROJECT_ROOT, 'test-results', `bench-${name}-${Date.now()}.log`), env });
  stopCurrent = stop;
  try {
    return await work(handle, child.pid);
  } finally {
    await stop();
    stopCurrent = undefined;
  }
}

/** Submits a referral and waits until every assignment's callback token is stored: the workflow is waiting. */
async function waitingReferral(client: LocalCloudClient, body: ReferralBody, teams: number): Promise<string> {
  const { reference } = (await (await client.submit(body)).json()) as { reference: string };
  await eventually(async () => {
    const assignments = await client.itemsOf(reference, 'ASSIGNMENT#');
    return assignments.length === teams && assignments.every((a) => typeof a.waitToken === 'string');
  }, `${reference} to wait for acknowledgement`, 30_000);
  return reference;
}

/** AWS bills a Standard workflow per state transition: one per state entered, Map iterations' states included. */
async function transitionsOf(cloud: LocalCloudHandle, reference: string): Promise<number> {
  const sfn = new SFNClient({ endpoint: cloud.stepFunctionsUrl, region: 'eu-west-2', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
  const executionArn = `${cloud.stateMachineArn.replace(':stateMachine:', ':execution:')}:${reference}`;
  await eventually(async () => (await sfn.send(new DescribeExecutionCommand({ executionArn }))).status !== 'RUNNING', `${reference} to finish`, 60_000);
  const { events = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
  sfn.destroy();
  return events.filter((e) => String(e.type).endsWith('StateEntered')).length;
}

const costed = (transitions: number) => ({ transitions, costPerReferralUsd: Number((transitions * PRICE_PER_TRANSITION_USD).toFixed(6)) });

async function main(): Promise<number> {
  const started = Date.now();
  // Deadlines as configured (a working day and more): every acknowledgement lands in time.
  const { acknowledge, happy } = await withCloud('acknowledge', {}, async (cloud, pid) => {
    const client = new LocalCloudClient(cloud);
    await client.tokenFor('victim-care.caseworker');
    const batch = async () => {
      const references: string[] = [];
      for (let i = 0; i < ACKNOWLEDGEMENTS; i++) references.push(await waitingReferral(client, aStandardReferral(), 1));
      return references;
    };
    const acknowledgeAll = async (references: readonly string[]) => {
      const samples: number[] = [];
      for (const reference of references) {
        const began = performance.now();
        const answer = await client.as('victim-care.caseworker', 'POST', `/api/referrals/${reference}/assignments/victim-care/acknowledge`);
        samples.push(performance.now() - began);
        if (answer.status !== 200) throw new Error(`acknowledge answered ${answer.status}`);
      }
      return samples;
    };
    const cold = await acknowledgeAll(await batch());
    const references = await batch();
    await waitUntilIdle(pid, 'before the timed acknowledgements');
    const samples = await acknowledgeAll(references);
    const standard = await transitionsOf(cloud, references[0]!);
    // HIGH risk with a housing need: two teams, both acknowledging.
    const twoTeams = await waitingReferral(client, aReferral(), 2);
    for (const teamId of ['mdvs', 'housing-support']) {
      await client.as(`${teamId}.caseworker`, 'POST', `/api/referrals/${twoTeams}/assignments/${teamId}/acknowledge`);
    }
    return {
      acknowledge: { what: 'POST …/acknowledge by a signed-in caseworker (token verified in the function, its revocation read alongside the one read of the assignment, conditional update with its event, then SendTaskSuccess alongside the report fact\'s Put), one at a time, after a first batch and once the local cloud idled', latencyMs: summarize(samples), count: samples.length, cold: { what: 'the first batch after the local cloud started, straight after its referrals were made', latencyMs: summarize(cold), count: cold.length } },
      happy: { oneTeam: costed(standard), twoTeams: costed(await transitionsOf(cloud, twoTeams)) },
    };
  });

  // Deadlines of seconds: nobody acknowledges, so the ladder runs to the end.
  const escalation = await withCloud('escalation', { SERVICE_CONFIG_PATH: shortDeadlineConfigFile(2, 2) }, async (cloud) => {
    const client = new LocalCloudClient(cloud);
    const oneTeam = await waitingReferral(client, aStandardReferral(), 1);
    const twoTeams = await waitingReferral(client, aReferral(), 2);
    const declined = await waitingReferral(client, aStandardReferral(), 1);
    await client.as('victim-care.caseworker', 'POST', `/api/referrals/${declined}/assignments/victim-care/decline`, { reason: 'Benchmark: no capacity' });
    return {
      breachedOneTeam: costed(await transitionsOf(cloud, oneTeam)),
      breachedTwoTeams: costed(await transitionsOf(cloud, twoTeams)),
      declinedNoTeamLeft: costed(await transitionsOf(cloud, declined)),
    };
  });

  const stateTransitions = {
    what: 'State transitions per referral (states entered, Map iterations included), and their price at the Standard Workflows list price of $0.025 per 1,000 (eu-west-2, as us-east-1)',
    happyPath: happy,
    fullEscalationPath: escalation,
  };
  const { latencyMs } = acknowledge;
  console.log(`\nacknowledge (n=${acknowledge.count}): p50 ${latencyMs.p50} ms, p99 ${latencyMs.p99} ms, max ${latencyMs.max} ms; the first batch after start: p50 ${acknowledge.cold.latencyMs.p50} ms`);
  console.log('state transitions per referral:');
  for (const [name, figures] of Object.entries({ ...happy, ...escalation })) {
    console.log(`  ${name.padEnd(20)} ${String(figures.transitions).padStart(4)}   $${figures.costPerReferralUsd.toFixed(6)} per referral`);
  }
  mergeResults(RESULTS_FILE, { acknowledge, stateTransitions });
  console.log(`\nwritten to ${path.relative(PROJECT_ROOT, RESULTS_FILE)} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return 0;
}

process.exitCode = await main().catch(async (error: unknown) => {
  console.error('bench (acknowledgement):', error);
  await stopCurrent?.();
  return 1;
});
