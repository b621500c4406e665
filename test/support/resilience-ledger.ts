import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { defaultServiceConfig } from '../../functions/domain/config.js';
import type { LocalCloudClient, SentEmail } from './local-cloud-client.js';
import { personalDetails, type ReferralBody } from './referrals.js';
import type { ResilienceRig } from './resilience-rig.js';

/** Lower-case letters only: a marker no validator trims, splits or refuses, and that no real text holds. */
export const marker = (prefix: string) => `${prefix}${[...randomBytes(10)].map((b) => String.fromCharCode(97 + (b % 26))).join('')}`;

const REFERENCE = /SR-[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}/;
const TEAM_EMAIL = new Map(defaultServiceConfig.areas.flatMap((area) => area.teams.map((team) => [team.id, team.email] as const)));
/** Statuses a referral has only before its teams are told. */
const NOT_YET_NOTIFIED = new Set(['RECEIVED', 'SCREENED', 'ROUTED']);

export interface Submission {
  readonly status: number;
  readonly reference?: string;
  readonly retryAfter?: string;
  readonly errorBody?: string;
  readonly body: ReferralBody;
}

/** Far beyond any answer a working local cloud gives, however busy the machine. */
const NO_ANSWER_AFTER_MS = 180_000;

export interface LoadFigures {
  sent: number;
  created: number;
  clientErrors: number;
  serverErrors: number;
  /** Requests that got no HTTP answer at all (socket error, client time-out). */
  noAnswer: number;
  statuses: Record<string, number>;
  durationS: number;
  throughputPerS: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
}

/**
 * `workers` clients, each submitting one referral after another until `seconds` have passed or
 * `maxRequests` have been sent, whichever comes first. Every request has its own time-out.
 */
export async function submitUnderLoad(options: {
  apiUrl: string; workers: number; seconds: number; maxRequests: number;
  referral: () => ReferralBody; headers?: (body: ReferralBody) => Record<string, string>;
  onAnswer?: (submission: Submission) => void;
  /** After a 503, a worker pauses this long before its next request, as a client told Retry-After would. */
  pauseAfter503Ms?: number;
  /** A worker's pause after every request: referrals that arrive over a while rather than in a burst. */
  paceMs?: number;
}): Promise<{ figures: LoadFigures; submissions: Submission[] }> {
  const submissions: Submission[] = [];
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let sent = 0;
  let noAnswer = 0;
  const started = Date.now();
  const stopAt = started + options.seconds * 1000;
  const worker = async () => {
    while (Date.now() < stopAt && sent < options.maxRequests) {
      sent++;
      const body = options.referral();
      const t0 = performance.now();
      let submission: Submission;
      try {
        const response = await fetch(`${options.apiUrl}/api/referrals`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...options.headers?.(body) },
          body: JSON.stringify(body),
          // A hang detector, not a latency bound: a busy machine answers slowly (the figures say how
          // slowly), and only a request left unanswered this long counts as no answer.
          signal: AbortSignal.timeout(NO_ANSWER_AFTER_MS),
        });
        const text = await response.text();
        const reference = response.status === 201 ? (JSON.parse(text) as { reference: string }).reference : undefined;
        submission = {
          status: response.status, body,
          ...(reference ? { reference } : { errorBody: text.slice(0, 300) }),
          ...(response.headers.get('retry-after') ? { retryAfter: response.headers.get('retry-after')! } : {}),
        };
      } catch (error) {
        noAnswer++;
        submission = { status: 0, body, errorBody: (error as Error).message };
      }
      latencies.push(performance.now() - t0);
      statuses[submission.status] = (statuses[submission.status] ?? 0) + 1;
      submissions.push(submission);
      options.onAnswer?.(submission);
      const pause = (submission.status === 503 ? options.pauseAfter503Ms ?? 0 : 0) + (options.paceMs ?? 0);
      if (pause > 0) await new Promise((r) => setTimeout(r, pause));
    }
  };
  await Promise.all(Array.from({ length: options.workers }, worker));
  const durationS = (Date.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0);
  const count = (test: (status: number) => boolean) => submissions.filter((s) => test(s.status)).length;
  return {
    submissions,
    figures: {
      sent, created: count((s) => s === 201), clientErrors: count((s) => s >= 400 && s < 500), serverErrors: count((s) => s >= 500),
      noAnswer, statuses, durationS: Math.round(durationS * 10) / 10, throughputPerS: Math.round((sent / durationS) * 10) / 10,
      latencyMs: { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: Math.round(latencies.at(-1) ?? 0) },
    },
  };
}

export interface StoredReferral {
  readonly reference: string;
  status?: string;
  firstName?: string;
  description?: string;
  receivedEvents: number;
  readonly assignments: { teamId: string; status: string }[];
  readonly notices: string[];
  /** Idempotency records pointing at this referral. */
  idempotencyRecords: number;
}

/** Every referral in the table whose description holds `needle`, with its assignments, notices and events. */
export async function storedReferrals(client: LocalCloudClient, needle: string): Promise<Map<string, StoredReferral>> {
  const byReference = new Map<string, StoredReferral>();
  const of = (reference: string) => {
    let found = byReference.get(reference);
    if (!found) {
      found = { reference, receivedEvents: 0, assignments: [], notices: [], idempotencyRecords: 0 };
      byReference.set(reference, found);
    }
    return found;
  };
  const segments = 4;
  await Promise.all(Array.from({ length: segments }, async (_, segment) => {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await client.documents.send(new ScanCommand({
        TableName: client.cloud.tableName, Segment: segment, TotalSegments: segments, ExclusiveStartKey: start,
        ProjectionExpression: 'pk, sk, #reference, #status, teamId, notice, #type, submission.victim.firstName, submission.incident.description',
        ExpressionAttributeNames: { '#reference': 'reference', '#status': 'status', '#type': 'type' },
      }));
      for (const item of page.Items ?? []) {
        const pk = String(item.pk);
        const sk = String(item.sk);
        if (pk.startsWith('IDEMPOTENCY#')) {
          of(String(item.reference)).idempotencyRecords++;
          continue;
        }
        if (!pk.startsWith('REFERRAL#')) continue;
        const referral = of(pk.slice('REFERRAL#'.length));
        if (sk === 'REFERRAL') {
          const submission = item.submission as { victim?: { firstName?: string }; incident?: { description?: string } } | undefined;
          referral.status = String(item.status);
          referral.firstName = submission?.victim?.firstName;
          referral.description = submission?.incident?.description;
        } else if (sk.startsWith('ASSIGNMENT#')) {
          referral.assignments.push({ teamId: String(item.teamId ?? sk.slice('ASSIGNMENT#'.length)), status: String(item.status) });
        } else if (sk.startsWith('NOTICE#')) {
          referral.notices.push(String(item.notice ?? sk.slice('NOTICE#'.length)));
        } else if (sk.startsWith('EVENT#') && item.type === 'REFERRAL_RECEIVED') {
          referral.receivedEvents++;
        }
      }
      start = page.LastEvaluatedKey;
    } while (start);
  }));
  for (const [reference, referral] of byReference) {
    if (!referral.description?.includes(needle)) byReference.delete(reference);
  }
  return byReference;
}

/** How many workflow executions the local Step Functions endpoint has, by name. */
export async function executionsByName(rig: ResilienceRig): Promise<Map<string, { count: number; status: string }>> {
  const sfn = new SFNClient({ endpoint: rig.cloud.stepFunctionsUrl, region: 'eu-west-2', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  try {
    const { executions = [] } = await sfn.send(new ListExecutionsCommand({ stateMachineArn: rig.cloud.stateMachineArn }));
    const byName = new Map<string, { count: number; status: string }>();
    for (const execution of executions) {
      const name = String(execution.name);
      byName.set(name, { count: (byName.get(name)?.count ?? 0) + 1, status: String(execution.status) });
    }
    return byName;
  } finally {
    sfn.destroy();
  }
}

/** Emails sent since `sinceEpochS`, grouped by the referral they are about. */
export async function emailsByReference(rig: ResilienceRig, sinceEpochS: number): Promise<Map<string, SentEmail[]>> {
  const response = await fetch(`${rig.cloud.sesUrl}/store?since=${sinceEpochS}`, { signal: AbortSignal.timeout(60_000) });
  const { emails } = (await response.json()) as { emails: SentEmail[] };
  const byReference = new Map<string, SentEmail[]>();
  for (const email of emails) {
    const reference = REFERENCE.exec(email.subject)?.[0] ?? REFERENCE.exec(email.body.text ?? '')?.[0];
    if (!reference) continue;
    byReference.set(reference, [...(byReference.get(reference) ?? []), email]);
  }
  return byReference;
}

/** The same email (recipient and subject) sent more than once about one referral. */
export function repeatedEmails(emails: SentEmail[]): string[] {
  const seen = new Map<string, number>();
  for (const email of emails) {
    const key = `${email.destination.to.join(',')} | ${email.subject}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return [...seen].filter(([, n]) => n > 1).map(([key, n]) => `${n}× ${key}`);
}

export const teamEmail = (teamId: string) => TEAM_EMAIL.get(teamId) ?? `unknown team ${teamId}`;

export function teamsNotified(referral: StoredReferral): boolean {
  return referral.status !== undefined && !NOT_YET_NOTIFIED.has(referral.status)
    && referral.assignments.length > 0 && referral.assignments.every((a) => a.status !== 'ASSIGNED');
}

export interface Reconciliation {
  accepted: number;
  reconciled: number;
  duplicates: number;
  /** Referrals with an email sent again after a table outage (at-least-once; see `reconcile`). */
  emailsSentAgain: number;
  lost: number;
  /** Stored from this run without the client ever getting a 201 (e.g. an answer lost in an outage). */
  storedWithout201: number;
  problems: string[];
}

/**
 * Every 201 answered has exactly one stored referral (with its first event), exactly one workflow
 * execution, and exactly one "New referral" email to each team it is assigned to; no submission is
 * stored twice and no email is sent twice.
 */
export async function reconcile(rig: ResilienceRig, client: LocalCloudClient, options: {
  submissions: Submission[]; needle: string; sinceEpochS: number; idempotent?: boolean;
  /**
   * During a table outage an email may go twice: SES v2 takes no idempotency key, so a step whose record
   * of a send failed cannot know whether the email left, and sends again rather than risk none. Those
   * are counted apart (`emailsSentAgain`), not as duplicate referrals or workflow runs.
   */
  emailsAtLeastOnce?: boolean;
}): Promise<{ reconciliation: Reconciliation; stored: Map<string, StoredReferral>; emails: Map<string, SentEmail[]> }> {
  const stored = await storedReferrals(client, options.needle);
  const executions = await executionsByName(rig);
  const emails = await emailsByReference(rig, options.sinceEpochS);
  const accepted = options.submissions.filter((s) => s.status === 201 && s.reference);
  const problems: string[] = [];
  let reconciled = 0;
  let lost = 0;
  let duplicates = 0;
  let emailsSentAgain = 0;
  for (const { reference } of accepted) {
    const referral = stored.get(reference!);
    if (!referral?.status) {
      lost++;
      problems.push(`${reference}: answered 201 but not stored`);
      continue;
    }
    const mail = emails.get(reference!) ?? [];
    const repeats = repeatedEmails(mail);
    const problem = [
      referral.receivedEvents !== 1 && `${referral.receivedEvents} REFERRAL_RECEIVED events`,
      options.idempotent && referral.idempotencyRecords !== 1 && `${referral.idempotencyRecords} idempotency records`,
      executions.get(reference!)?.count !== 1 && `${executions.get(reference!)?.count ?? 0} executions`,
      !teamsNotified(referral) && `status ${referral.status}, assignments ${JSON.stringify(referral.assignments)}`,
      ...referral.assignments.filter((a) => a.status !== 'ASSIGNED').map((a) => {
        const sent = mail.filter((e) => e.destination.to.includes(teamEmail(a.teamId)) && e.subject.startsWith('New referral')).length;
        return sent !== 1 && `${sent} emails to ${a.teamId}`;
      }),
      repeats.length > 0 && `repeated emails: ${repeats.join('; ')}`,
    ].filter(Boolean);
    if ((repeats.length > 0 && !options.emailsAtLeastOnce) || (executions.get(reference!)?.count ?? 0) > 1) duplicates++;
    if (repeats.length > 0 && options.emailsAtLeastOnce) emailsSentAgain++;
    if (problem.length === 0) reconciled++;
    else problems.push(`${reference}: ${problem.join(', ')}`);
  }
  // One submission stored under two references is a duplicate too: each submission has its own first name.
  const byName = new Map<string, number>();
  for (const referral of stored.values()) if (referral.firstName) byName.set(referral.firstName, (byName.get(referral.firstName) ?? 0) + 1);
  for (const [name, n] of byName) {
    if (n > 1) {
      duplicates++;
      problems.push(`one submission (${name.slice(0, 6)}…) stored ${n} times`);
    }
  }
  const answered = new Set(accepted.map((s) => s.reference));
  const storedWithout201 = [...stored.keys()].filter((reference) => !answered.has(reference)).length;
  return {
    reconciliation: { accepted: accepted.length, reconciled, duplicates, lost, storedWithout201, emailsSentAgain, problems: problems.slice(0, 25) },
    stored, emails,
  };
}

/**
 * Waits, bounded, until every referral answered 201 has had its teams told, or its workflow has ended
 * (or `settled` says it is done).
 */
export async function waitForWorkflows(rig: ResilienceRig, client: LocalCloudClient, options: {
  references: string[]; needle: string; timeoutMs: number;
  settled?: (referral: StoredReferral, execution?: { status: string }) => boolean;
}): Promise<{ waitedS: number; unsettled: string[] }> {
  const started = Date.now();
  const settled = options.settled ?? ((referral, execution) => teamsNotified(referral) || (execution !== undefined && execution.status !== 'RUNNING'));
  let unsettled: string[] = options.references;
  while (Date.now() - started < options.timeoutMs) {
    const stored = await storedReferrals(client, options.needle);
    const executions = await executionsByName(rig);
    unsettled = options.references.filter((reference) => {
      const referral = stored.get(reference);
      return !referral || !settled(referral, executions.get(reference));
    });
    if (unsettled.length === 0) break;
    await new Promise((r) => setTimeout(r, 3_000));
  }
  return { waitedS: Math.round((Date.now() - started) / 100) / 10, unsettled };
}

/** Figures for the run's summary, one file per scenario; the suite's teardown prints and saves them. */
export function recordFigures(rig: ResilienceRig, scenario: string, figures: Record<string, unknown>): void {
  mkdirSync(path.join(rig.runDir, 'figures'), { recursive: true });
  writeFileSync(path.join(rig.runDir, 'figures', `${scenario}.json`), JSON.stringify(figures, null, 2));
}

/** Each victim's details, kept (in test-results only) so the last scenario can look for them in the logs. */
export function recordPersonalDetails(rig: ResilienceRig, bodies: ReferralBody[]): void {
  mkdirSync(path.join(rig.runDir, 'victims'), { recursive: true });
  const lines = bodies.flatMap(personalDetails).map((detail) => detail.replace(/\n/g, ' '));
  appendFileSync(path.join(rig.runDir, 'victims', 'details.txt'), lines.map((l) => `${l}\n`).join(''));
}
