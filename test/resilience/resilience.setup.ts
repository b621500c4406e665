import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { TestProject } from 'vitest/node';
import { PROJECT_ROOT } from '../support/local-cloud-process.js';
import { startResilienceRig, type ResilienceRig } from '../support/resilience-rig.js';

declare module 'vitest' {
  export interface ProvidedContext {
    resilience: ResilienceRig;
  }
}

const BENCH_RESULTS = path.join(PROJECT_ROOT, 'bench', 'results.json');

/**
 * One local cloud for the resilience project, with DynamoDB Local and the SES emulator beside it so the
 * scenarios can take them away. Stopped afterwards with every child; then the figures are summed up.
 */
export default async function setup(project: TestProject) {
  const runDir = path.join(PROJECT_ROOT, 'test-results', `resilience-${Date.now()}`);
  const { rig, stop } = await startResilienceRig(runDir);
  project.provide('resilience', rig);
  return async () => {
    await stop();
    summarise(runDir);
  };
}

export function summarise(runDir: string): void {
  const dir = path.join(runDir, 'figures');
  if (!existsSync(dir)) return;
  const figures = Object.fromEntries(readdirSync(dir).filter((f) => f.endsWith('.json')).sort()
    .map((f) => [f.replace(/\.json$/, ''), JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as Record<string, unknown>]));
  const sum = (key: string) => Object.values(figures).reduce((n, f) => n + (typeof f[key] === 'number' ? f[key] : 0), 0);
  const outcome = (key: string) => Object.values(figures).reduce((n, f) => {
    const value = (f.outcomes as Record<string, unknown> | undefined)?.[key];
    return n + (typeof value === 'number' ? value : 0);
  }, 0);
  const load = figures.load as Record<string, number> | undefined;
  const summary = {
    requestsSent: sum('sent'),
    created201: sum('created'),
    clientErrors4xx: sum('clientErrors'),
    serverErrors5xx: sum('serverErrors'),
    serverErrors5xxUnderPlainLoad: load?.serverErrors ?? null,
    referralsReconciled: sum('reconciled'),
    duplicates: sum('duplicates'),
    lost: sum('lost'),
    payloadsTried: sum('payloadsTried'),
    piiHitsInLogs: (figures['no-pii-in-logs'] as Record<string, number> | undefined)?.piiHits ?? null,
    emailsSentAgain: sum('emailsSentAgain'),
    // What a blip must never do (SPEC §10): hand a referral or an assignment to a person, or leave one unsettled.
    referralsFailedCoordinatorTold: outcome('failedCoordinatorTold') + sum('coordinatorToldWorkflowFailed'),
    assignmentsHandedToCoordinator: outcome('assignmentHandedToCoordinator') + sum('coordinatorToldAssignmentFailed'),
    unsettled: sum('unsettled'),
    outagesS: {
      database: (figures['database-outage'] as Record<string, number> | undefined)?.outageS ?? null,
      email: (figures['email-outage'] as Record<string, number> | undefined)?.sesDownForS ?? null,
      stepFunctions: (figures['workflow-start-outage'] as Record<string, number> | undefined)?.stepFunctionsDownForS ?? null,
    },
  };
  const lines = [
    '',
    'resilience summary',
    `  requests sent            ${summary.requestsSent}`,
    `  201s                     ${summary.created201}`,
    `  4xx                      ${summary.clientErrors4xx}`,
    `  5xx                      ${summary.serverErrors5xx}  (under plain load: ${summary.serverErrors5xxUnderPlainLoad ?? 'not run'}; the rest are the 503s of the database outage)`,
    `  referrals reconciled     ${summary.referralsReconciled}`,
    `  duplicates               ${summary.duplicates}`,
    `  lost                     ${summary.lost}`,
    `  payloads tried           ${summary.payloadsTried}`,
    `  PII hits in logs         ${summary.piiHitsInLogs ?? 'not run'}`,
    `  outages (s)              database ${summary.outagesS.database ?? '–'}, email ${summary.outagesS.email ?? '–'}, step functions ${summary.outagesS.stepFunctions ?? '–'}`,
    `  failed, coordinator told ${summary.referralsFailedCoordinatorTold}`,
    `  handed to coordinator    ${summary.assignmentsHandedToCoordinator}`,
    `  unsettled                ${summary.unsettled}`,
    `  emails sent again        ${summary.emailsSentAgain}  (at-least-once after a table outage)`,
    `  details: ${path.relative(PROJECT_ROOT, runDir)}/figures`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  // A run filtered to some scenarios (vitest -t) prints its figures but keeps the last full run's.
  if (!figures['no-pii-in-logs']) return;
  // Other benchmarks keep their figures in the same file: only the `resilience` key is ours.
  const results = existsSync(BENCH_RESULTS) ? JSON.parse(readFileSync(BENCH_RESULTS, 'utf8')) as Record<string, unknown> : {};
  results.resilience = { at: new Date().toISOString(), summary, scenarios: figures };
  writeFileSync(BENCH_RESULTS, `${JSON.stringify(results, null, 2)}\n`);
}
