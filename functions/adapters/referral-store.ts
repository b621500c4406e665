import { createHash, randomBytes } from 'node:crypto';
import { DescribeTableCommand, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  GetCommand, QueryCommand, ScanCommand, TransactWriteCommand, UpdateCommand, type ScanCommandInput,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { Band } from '../domain/config.js';
import type { ContactAttempt } from '../domain/contact-and-outcome.js';
import { shouldClose } from '../domain/referral-closure.js';
import type { ReferralSubmission } from '../domain/referral.js';
import {
  canMoveReferral, previousStatusesFor,
  type AssignmentRecord, type AssignmentStatus, type Outcome, type ReferralClosure, type ReferralEvent, type ReferralStatus,
} from '../domain/referral-record.js';
import type { ScreeningResult } from '../domain/screening.js';
import { IMPORTED_BY } from '../domain/stream-records.js';
import { documents, dynamodb } from './aws-clients.js';
import { requiredEnv } from './environment.js';
import { PermanentFailure } from './failures.js';
import { retentionDays } from '../domain/retention.js';
import { isKeyedVictimKey, victimKeyFor, VICTIM_KEY_VERSION } from './victim-key.js';

const tableName = requiredEnv('TABLE_NAME');

/**
 * How long a referral's records are kept (SPEC §10: retention), six years unless RETENTION_DAYS says
 * otherwise. Every item under a referral carries `expiresAt`, the table's TTL attribute, so DynamoDB
 * deletes the person's details when it passes; the report aggregates carry none and stay.
 */
const retentionSeconds = retentionDays(process.env.RETENTION_DAYS) * 86_400;

/** The TTL for something written at `at`. */
export const expiresAtFor = (at: string | Date) => Math.floor(new Date(at).getTime() / 1000) + retentionSeconds;

/**
 * DynamoDB's TTL sweep can lag by days, and DynamoDB Local never sweeps: an item past its time is
 * treated as gone by every read.
 */
export function isExpired(item: { expiresAt?: unknown } | undefined, now = Date.now()): boolean {
  return typeof item?.expiresAt === 'number' && item.expiresAt * 1000 <= now;
}
const live = <T extends object>(items: T[]): T[] => items.filter((item) => !isExpired(item as { expiresAt?: unknown }));

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export interface StoredReferral {
  readonly reference: string;
  readonly status: ReferralStatus;
  readonly createdAt: string;
  readonly submission: ReferralSubmission;
  readonly victimKey: string;
  readonly screening?: ScreeningResult;
  readonly areaId?: string;
  readonly closure?: ReferralClosure;
  readonly erasedAt?: string;
}

/**
 * The out-of-area queue (SPEC §4) shares the sparse open-work index under a key of its own: a referral
 * carries these while it waits for its coordinator's decision, oldest first, and loses them when it
 * leaves OUT_OF_AREA (see moveReferral).
 */
const QUEUE_ATTRIBUTES = ['openKey', 'openSort'] as const;
const outOfAreaQueueKey = (areaId: string) => `OUT_OF_AREA#${areaId}`;
export const outOfAreaQueueEntry = (areaId: string, referral: { reference: string; createdAt: string }) =>
  ({ openKey: outOfAreaQueueKey(areaId), openSort: `${referral.createdAt}#${referral.reference}` });

const referralKey = (reference: string) => ({ pk: `REFERRAL#${reference}`, sk: 'REFERRAL' });
const assignmentKey = (reference: string, teamId: string) => ({ pk: `REFERRAL#${reference}`, sk: `ASSIGNMENT#${teamId}` });

function eventItem(event: ReferralEvent): TransactItem {
  // The random suffix keeps two events in the same millisecond apart; the sort key keeps them in order.
  const sk = `EVENT#${event.at}#${randomBytes(4).toString('hex')}`;
  return { Put: { TableName: tableName, Item: { pk: `REFERRAL#${event.reference}`, sk, kind: 'event', ...event, expiresAt: expiresAtFor(event.at) } } };
}

export function requestDigest(body: string): string {
  return createHash('sha256').update(body).digest('hex');
}

function isConditionFailure(error: unknown): error is TransactionCanceledException {
  return error instanceof TransactionCanceledException
    && (error.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed');
}

export type CreateOutcome =
  | { kind: 'created'; reference: string; status: ReferralStatus }
  | { kind: 'reference-taken' }
  | { kind: 'idempotent-repeat'; reference: string; status: ReferralStatus; sameRequest: boolean };

/** A signed-in submitter as the referral's history records them: never the person referred. */
export interface Submitter {
  /** The received event's actor: `user:<id>` for a professional in the portal, `client:<id>` for a partner system. */
  readonly actor: string;
  readonly detail?: ReferralEvent['detail'];
  /** Kept on the referral as `submittedBy`: the partner system whose machine credentials sent it (no secret). */
  readonly partner?: { readonly clientId: string; readonly organisation: string };
}

/**
 * Stores a new referral, its first event and (when given) its idempotency record in one transaction:
 * either all of it is stored or none of it.
 */
export async function createReferral(input: {
  reference: string;
  submission: ReferralSubmission;
  now: Date;
  idempotency?: { key: string; requestDigest: string; expiresAt: number };
  /** Written by an import (its history follows), not by intake: the table stream starts no workflow for it. */
  importedBy?: string;
  /** Who made it, when someone signed in did (a professional in the portal): the received event says so. */
  submittedBy?: Submitter;
}): Promise<CreateOutcome> {
  const createdAt = input.now.toISOString();
  // A repeat referral for the same person raises the band (SPEC §3): found by this keyed marker alone.
  const victimKey = await victimKeyFor(input.submission);
  const items: TransactItem[] = [
    {
      Put: {
        TableName: tableName,
        Item: {
          ...referralKey(input.reference), kind: 'referral', reference: input.reference, status: 'RECEIVED',
          source: input.submission.source, createdAt, updatedAt: createdAt, submission: input.submission, victimKey,
          expiresAt: expiresAtFor(createdAt),
          ...(input.importedBy ? { [IMPORTED_BY]: input.importedBy } : {}),
          ...(input.submittedBy?.partner ? { submittedBy: input.submittedBy.partner } : {}),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    {
      Put: {
        TableName: tableName,
        Item: {
          pk: `VICTIM#${victimKey}`, sk: `REFERRAL#${createdAt}#${input.reference}`, kind: 'victim-referral', reference: input.reference,
          expiresAt: expiresAtFor(createdAt),
        },
      },
    },
    eventItem({
      reference: input.reference, at: createdAt, actor: input.submittedBy?.actor ?? `submitter:${input.submission.source}`, type: 'REFERRAL_RECEIVED', to: 'RECEIVED',
      ...(input.submittedBy?.detail ? { detail: input.submittedBy.detail } : {}),
    }),
  ];
  const idempotencyPk = input.idempotency ? `IDEMPOTENCY#${requestDigest(input.idempotency.key)}` : undefined;
  if (input.idempotency && idempotencyPk) {
    items.push({
      Put: {
        TableName: tableName,
        Item: {
          pk: idempotencyPk, sk: 'IDEMPOTENCY', kind: 'idempotency', reference: input.reference,
          requestDigest: input.idempotency.requestDigest, expiresAt: input.idempotency.expiresAt,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    });
  }
  try {
    await documents.send(new TransactWriteCommand({ TransactItems: items }));
    return { kind: 'created', reference: input.reference, status: 'RECEIVED' };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const reasons = error.CancellationReasons ?? [];
    if (idempotencyPk && reasons[items.length - 1]?.Code === 'ConditionalCheckFailed') {
      const first = await documents.send(new GetCommand({ TableName: tableName, Key: { pk: idempotencyPk, sk: 'IDEMPOTENCY' }, ConsistentRead: true }));
      const reference = String(first.Item?.reference);
      const referral = await getReferral(reference);
      return {
        kind: 'idempotent-repeat',
        reference,
        status: referral?.status ?? 'RECEIVED',
        sameRequest: first.Item?.requestDigest === input.idempotency?.requestDigest,
      };
    }
    return { kind: 'reference-taken' };
  }
}

export async function getReferral(reference: string): Promise<StoredReferral | undefined> {
  const result = await documents.send(new GetCommand({ TableName: tableName, Key: referralKey(reference), ConsistentRead: true }));
  return isExpired(result.Item) ? undefined : result.Item as StoredReferral | undefined;
}

export async function requireReferral(reference: string): Promise<StoredReferral> {
  const referral = await getReferral(reference);
  if (!referral) throw new PermanentFailure('Referral not found');
  return referral;
}

/** Whether the same person was referred within the window before this referral. */
export async function hasEarlierReferral(referral: StoredReferral, windowDays: number): Promise<boolean> {
  const since = new Date(Date.parse(referral.createdAt) - windowDays * 86_400_000).toISOString();
  const result = await documents.send(new QueryCommand({
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
    ExpressionAttributeValues: {
      ':pk': `VICTIM#${referral.victimKey}`,
      ':from': `REFERRAL#${since}`,
      ':to': `REFERRAL#${referral.createdAt}`,
    },
    ConsistentRead: true,
  }));
  return live(result.Items ?? []).some((item) => item.reference !== referral.reference);
}

/**
 * Moves a referral to a new status and appends the event, atomically. A step retried after it already
 * succeeded finds the referral at `to` and changes nothing, so each step is safe to run twice.
 * A caller that has just read the referral passes it as `known`, saving a second read of the same item:
 * the move's condition is on the status it was read at, so a stale one fails and is read afresh.
 */
export async function moveReferral(reference: string, to: ReferralStatus, change: {
  now: Date; actor: string; set?: Record<string, unknown>; detail?: ReferralEvent['detail'];
  extraItems?: TransactItem[];
}, known?: StoredReferral): Promise<'moved' | 'already'> {
  const current = known ?? await requireReferral(reference);
  if (current.status === to) return 'already';
  const allowed = previousStatusesFor(to);
  if (!allowed.includes(current.status)) {
    throw new PermanentFailure(`Referral cannot move from ${current.status} to ${to}`);
  }
  const at = change.now.toISOString();
  const set: Record<string, unknown> = { status: to, updatedAt: at, ...change.set };
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':from': current.status };
  const assignments = Object.entries(set).map(([name, value], i) => {
    names[`#f${i}`] = name;
    values[`:v${i}`] = value;
    return `#f${i} = :v${i}`;
  });
  // Whatever it moves to, a referral that leaves OUT_OF_AREA has been decided on: it leaves the queue.
  const removals = current.status === 'OUT_OF_AREA' ? QUEUE_ATTRIBUTES.map((name, i) => {
    names[`#r${i}`] = name;
    return `#r${i}`;
  }) : [];
  try {
    await documents.send(new TransactWriteCommand({
      TransactItems: [
        {
          Update: {
            TableName: tableName,
            Key: referralKey(reference),
            UpdateExpression: `SET ${assignments.join(', ')}${removals.length ? ` REMOVE ${removals.join(', ')}` : ''}`,
            ConditionExpression: '#status = :from',
            ExpressionAttributeNames: { ...names, '#status': 'status' },
            ExpressionAttributeValues: values,
          },
        },
        eventItem({ reference, at, actor: change.actor, type: 'STATUS_CHANGED', from: current.status, to, ...(change.detail ? { detail: change.detail } : {}) }),
        ...(change.extraItems ?? []),
      ],
    }));
    return 'moved';
  } catch (error) {
    if (isConditionFailure(error)) {
      // The referral moved since the caller read it: try once more as if nothing had been passed.
      if (known) return moveReferral(reference, to, change);
      // Another attempt of the same step got there first.
      const again = await requireReferral(reference);
      if (again.status === to) return 'already';
    }
    throw error;
  }
}

/** Statuses after which nobody is waited on any more: the assignment leaves the open-work index. */
const CLOSED: readonly AssignmentStatus[] = ['ACKNOWLEDGED', 'DECLINED', 'REASSIGNED'];

/**
 * The inbox index sorts a team's assignments by deadline, soonest first. The open-work index is sparse:
 * an assignment is in it only until it is acknowledged, declined or re-assigned, so counting open and
 * overdue work costs as much as there is open work, however long the history.
 */
export function assignmentItem(assignment: AssignmentRecord): TransactItem {
  const sort = `${assignment.deadlineAt ?? assignment.assignedAt}#${assignment.reference}`;
  return {
    Put: {
      TableName: tableName,
      Item: {
        ...assignmentKey(assignment.reference, assignment.teamId), kind: 'assignment', ...assignment,
        expiresAt: expiresAtFor(assignment.assignedAt),
        teamKey: `TEAM#${assignment.teamId}`,
        teamSort: sort,
        ...(CLOSED.includes(assignment.status) ? {} : { openKey: `OPEN#${assignment.areaId}`, openSort: `${sort}#${assignment.teamId}` }),
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/** Adds an assignment (a fallback team after a decline); a repeat of the same step adds nothing. */
export async function addAssignment(assignment: AssignmentRecord, event: ReferralEvent): Promise<void> {
  try {
    await documents.send(new TransactWriteCommand({ TransactItems: [assignmentItem(assignment), eventItem(event)] }));
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

/** Stored beside the assignment, never sent anywhere: the workflow's callback token (SPEC §5). */
export interface StoredAssignment extends AssignmentRecord {
  readonly waitToken?: string;
  readonly waitStage?: string;
  /** The team's email left SES with this id (recorded before the move to NOTIFIED, which copies it). */
  readonly messageId?: string;
  /** An attempt to send the team's email holds it until then (ISO time). */
  readonly emailClaimedUntil?: string;
}

export type TeamEmailClaim =
  | { readonly kind: 'claimed' }
  | { readonly kind: 'sent'; readonly messageId: string }
  | { readonly kind: 'held'; readonly until: string }
  | { readonly kind: 'moved-on' };

/**
 * Claims the sending of an ASSIGNED assignment's team email for one attempt, until `until`. Anything
 * else is said: the email already left (its id), another attempt holds a claim that has not lapsed, or
 * the assignment is no longer waiting for its email.
 */
export async function claimTeamEmail(reference: string, teamId: string, claim: { until: Date; now: Date }): Promise<TeamEmailClaim> {
  const claimed = await updateAssignmentIf(reference, teamId, {
    update: 'SET emailClaimedUntil = :until',
    condition: '#status = :assigned AND attribute_not_exists(messageId) AND (attribute_not_exists(emailClaimedUntil) OR emailClaimedUntil < :now)',
    values: { ':assigned': 'ASSIGNED', ':until': claim.until.toISOString(), ':now': claim.now.toISOString() },
  });
  if (claimed) return { kind: 'claimed' };
  const current = await getAssignment(reference, teamId);
  if (current?.messageId) return { kind: 'sent', messageId: current.messageId };
  if (current?.status !== 'ASSIGNED') return { kind: 'moved-on' };
  return { kind: 'held', until: current.emailClaimedUntil ?? claim.now.toISOString() };
}

/** The team's email left: said on the assignment at once, so no later attempt sends it again. */
export async function recordTeamEmailSent(reference: string, teamId: string, messageId: string): Promise<void> {
  await documents.send(new UpdateCommand({
    TableName: tableName,
    Key: assignmentKey(reference, teamId),
    UpdateExpression: 'SET messageId = :id REMOVE emailClaimedUntil',
    ConditionExpression: 'attribute_exists(pk)',
    ExpressionAttributeValues: { ':id': messageId },
  }));
}

/** An attempt whose send certainly failed gives its claim up, so the next need not wait for it to lapse. */
export async function releaseTeamEmail(reference: string, teamId: string, until: Date): Promise<void> {
  await updateAssignmentIf(reference, teamId, {
    update: 'REMOVE emailClaimedUntil', condition: 'emailClaimedUntil = :until', values: { ':until': until.toISOString() },
  });
}

/** One conditional update of an assignment; false when its condition did not hold. */
async function updateAssignmentIf(reference: string, teamId: string, change: {
  update: string; condition: string; values: Record<string, unknown>;
}): Promise<boolean> {
  try {
    await documents.send(new UpdateCommand({
      TableName: tableName,
      Key: assignmentKey(reference, teamId),
      UpdateExpression: change.update,
      ConditionExpression: change.condition,
      ...(change.condition.includes('#status') ? { ExpressionAttributeNames: { '#status': 'status' } } : {}),
      ExpressionAttributeValues: change.values,
    }));
    return true;
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}

export interface AssignmentMove {
  from: readonly AssignmentStatus[]; to: AssignmentStatus; now: Date; actor: string;
  set?: Record<string, unknown>; remove?: string[]; detail?: ReferralEvent['detail'];
}

/** The attributes a move takes away: the ones asked for, and the open-work index keys once nobody is waited on. */
const removedBy = (change: Pick<AssignmentMove, 'to' | 'remove'>) => [...(change.remove ?? []), ...(CLOSED.includes(change.to) ? ['openKey', 'openSort'] : [])];

/**
 * The assignment after a move of `before`, without reading it again: the move's own fields as it wrote
 * them, the rest as `before` was read (the move's condition held on its status and callback token).
 */
export function assignmentAfter(before: StoredAssignment, change: Pick<AssignmentMove, 'to' | 'set' | 'remove'>): StoredAssignment {
  const after: Record<string, unknown> = { ...before, ...change.set, status: change.to };
  for (const name of removedBy(change)) delete after[name];
  return after as unknown as StoredAssignment;
}

/**
 * Moves an assignment from one of `from` to `to`, with its event, atomically. Returns the assignment as
 * it was at the moment of the move, or `undefined` when it was not in any of `from` (someone else moved
 * it first). The move holds only if the workflow's callback token is still the one read: the waiting
 * step may store its token between the read and the move, and whoever moves the assignment must answer
 * the token it really held, or the workflow would wait on an answer that never comes.
 * A caller that has just read the assignment passes it as `known`, saving the first try's read: a stale
 * one fails the condition and the next try reads afresh.
 */
export async function moveAssignment(reference: string, teamId: string, change: AssignmentMove, known?: StoredAssignment): Promise<StoredAssignment | undefined> {
  // Each retry follows a token stored meanwhile; the waiting step stores one token per stage.
  for (let attempt = 0; attempt < 5; attempt++) {
    const before = attempt === 0 && known ? known : await getAssignment(reference, teamId);
    if (!before || !change.from.includes(before.status)) return undefined;
    const at = change.now.toISOString();
    const set: Record<string, unknown> = { status: change.to, ...change.set };
    const names: Record<string, string> = { '#status': 'status', '#token': 'waitToken' };
    const values: Record<string, unknown> = { ':before': before.status, ...(before.waitToken ? { ':token': before.waitToken } : {}) };
    const assignments = Object.entries(set).map(([name, value], i) => {
      names[`#f${i}`] = name;
      values[`:v${i}`] = value;
      return `#f${i} = :v${i}`;
    });
    const removals = removedBy(change).map((name, i) => {
      names[`#r${i}`] = name;
      return `#r${i}`;
    });
    try {
      await documents.send(new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: tableName,
              Key: assignmentKey(reference, teamId),
              UpdateExpression: `SET ${assignments.join(', ')}${removals.length ? ` REMOVE ${removals.join(', ')}` : ''}`,
              ConditionExpression: `#status = :before AND ${before.waitToken ? '#token = :token' : 'attribute_not_exists(#token)'}`,
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: values,
            },
          },
          eventItem({
            reference, at, actor: change.actor, type: 'ASSIGNMENT_STATUS_CHANGED', teamId, from: before.status, to: change.to,
            ...(change.detail ? { detail: change.detail } : {}),
          }),
        ],
      }));
      return before;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
  return undefined;
}

/**
 * Records, once, that the team's email could not be delivered (`why` is an SES error or event name,
 * never its message, which can quote the address). Returns false when it was already recorded.
 */
export async function markEmailUndeliverable(reference: string, teamId: string, change: { now: Date; actor: string; why: string }): Promise<boolean> {
  const at = change.now.toISOString();
  try {
    await documents.send(new TransactWriteCommand({
      TransactItems: [
        {
          Update: {
            TableName: tableName,
            Key: assignmentKey(reference, teamId),
            UpdateExpression: 'SET emailUndeliverable = :undeliverable',
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(emailUndeliverable)',
            ExpressionAttributeValues: { ':undeliverable': { at, why: change.why } },
          },
        },
        eventItem({ reference, at, actor: change.actor, type: 'EMAIL_UNDELIVERABLE', teamId, detail: { why: change.why } }),
      ],
    }));
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** Keeps the callback token while the assignment is still at the stage the workflow is waiting on. */
export async function recordWaitToken(reference: string, teamId: string, token: string, stage: string, expected: AssignmentStatus): Promise<boolean> {
  return updateAssignmentIf(reference, teamId, {
    update: 'SET waitToken = :token, waitStage = :stage',
    condition: '#status = :expected',
    values: { ':token': token, ':stage': stage, ':expected': expected },
  });
}

/** Every live item under one key of an index, in the index's order, page after page. */
async function itemsByIndex<T extends object>(indexName: 'byTeam' | 'openByArea', keyName: 'teamKey' | 'openKey', key: string): Promise<T[]> {
  const items: T[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(new QueryCommand({
      TableName: tableName,
      IndexName: indexName,
      KeyConditionExpression: '#key = :key',
      ExpressionAttributeNames: { '#key': keyName },
      ExpressionAttributeValues: { ':key': key },
      ExclusiveStartKey: start,
    }));
    items.push(...((page.Items ?? []) as T[]));
    start = page.LastEvaluatedKey;
  } while (start);
  return live(items);
}

/** A team's inbox, soonest deadline first. */
export function teamAssignments(teamId: string): Promise<StoredAssignment[]> {
  return itemsByIndex<StoredAssignment>('byTeam', 'teamKey', `TEAM#${teamId}`);
}

/** Every assignment of an area still waiting on its team (breached ones included), soonest deadline first. */
export function openAssignments(areaId: string): Promise<StoredAssignment[]> {
  return itemsByIndex<StoredAssignment>('openByArea', 'openKey', `OPEN#${areaId}`);
}

/** The referrals kept under an area that no area covers and nobody has decided on yet, oldest first. */
export async function outOfAreaReferrals(areaId: string): Promise<StoredReferral[]> {
  const found = await itemsByIndex<StoredReferral>('openByArea', 'openKey', outOfAreaQueueKey(areaId));
  // The index is read eventually: a referral decided on a moment ago may still be in it.
  return found.filter((referral) => referral.status === 'OUT_OF_AREA');
}

/**
 * Referrals left out of area before they were kept under the default area carry neither the area nor a
 * place in the queue. A one-off pass (`npm run queue-out-of-area`) reads the table once to find them and
 * queues each, with an event saying who did it; never on a request's path. A second pass finds none.
 */
export async function queueEarlierOutOfArea(defaultAreaId: string, change: { now: Date; actor: string }): Promise<string[]> {
  return migrateScanned<{ reference: string; createdAt: string; expiresAt?: number }>({
    FilterExpression: '#kind = :referral AND #status = :outOfArea AND attribute_not_exists(openKey)',
    ExpressionAttributeNames: { '#kind': 'kind', '#status': 'status', '#reference': 'reference' },
    ExpressionAttributeValues: { ':referral': 'referral', ':outOfArea': 'OUT_OF_AREA' },
    ProjectionExpression: '#reference, createdAt, expiresAt',
  }, async (found) => {
    if (isExpired(found)) return undefined;
    const entry = outOfAreaQueueEntry(defaultAreaId, found);
    return [
      {
        Update: {
          TableName: tableName,
          Key: referralKey(found.reference),
          UpdateExpression: 'SET areaId = if_not_exists(areaId, :area), openKey = :key, openSort = :sort',
          // Decided on, or queued by another pass, since the scan read it: skipped.
          ConditionExpression: '#status = :outOfArea AND attribute_not_exists(openKey)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':area': defaultAreaId, ':key': entry.openKey, ':sort': entry.openSort, ':outOfArea': 'OUT_OF_AREA' },
        },
      },
      eventItem({ reference: found.reference, at: change.now.toISOString(), actor: change.actor, type: 'OUT_OF_AREA_QUEUED', detail: { keptUnder: defaultAreaId } }),
    ];
  });
}

/**
 * A one-off pass over the whole table (never on a request's path): each item the scan finds gets the
 * transaction `itemsFor` makes of it (none: skipped), and an item whose condition fails because something
 * changed it since the scan read it is skipped too. The references changed, in the order done.
 */
async function migrateScanned<T extends { reference: string; expiresAt?: unknown }>(
  scan: Omit<ScanCommandInput, 'TableName' | 'ExclusiveStartKey'>, itemsFor: (found: T) => Promise<TransactItem[] | undefined>,
): Promise<string[]> {
  const changed: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(new ScanCommand({ ...scan, TableName: tableName, ExclusiveStartKey: start }));
    for (const found of (page.Items ?? []) as T[]) {
      const items = await itemsFor(found);
      if (!items) continue;
      try {
        await documents.send(new TransactWriteCommand({ TransactItems: items }));
        changed.push(found.reference);
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return changed;
}

/** A referral's live items of one kind (their sort keys start with `prefix`), read consistently. */
async function itemsOfReferral<T>(reference: string, prefix: 'ASSIGNMENT#' | 'EVENT#'): Promise<T[]> {
  const result = await documents.send(new QueryCommand({
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': `REFERRAL#${reference}`, ':prefix': prefix },
    ConsistentRead: true,
  }));
  return live(result.Items ?? []) as T[];
}

/**
 * Referrals stored before the victim key was keyed carry an unkeyed digest of the person's name and
 * postcode, as their marker's partition key and on the referral. A one-off pass (`npm run rekey-victims`,
 * run once after deploying the keyed marker) reads the table once, and for each such referral puts its
 * marker under the keyed key and deletes the unkeyed one, in one transaction with an event saying who did
 * it; repeat detection then finds the earlier referrals again. Never on a request's path. A second pass
 * finds none.
 */
export async function rekeyEarlierVictimKeys(change: { now: Date; actor: string }): Promise<string[]> {
  return migrateScanned<StoredReferral>({
    FilterExpression: '#kind = :referral AND attribute_exists(victimKey) AND NOT begins_with(victimKey, :keyed)',
    ExpressionAttributeNames: { '#kind': 'kind' },
    ExpressionAttributeValues: { ':referral': 'referral', ':keyed': `${VICTIM_KEY_VERSION}:` },
  }, async (found) => {
    if (isKeyedVictimKey(found.victimKey)) return undefined;
    const victimKey = await victimKeyFor(found.submission);
    const sk = `REFERRAL#${found.createdAt}#${found.reference}`;
    return [
      {
        Update: {
          TableName: tableName,
          Key: referralKey(found.reference),
          UpdateExpression: 'SET victimKey = :keyed',
          // Erased, or re-keyed by another pass, since the scan read it: skipped.
          ConditionExpression: 'victimKey = :unkeyed',
          ExpressionAttributeValues: { ':keyed': victimKey, ':unkeyed': found.victimKey },
        },
      },
      { Delete: { TableName: tableName, Key: { pk: `VICTIM#${found.victimKey}`, sk } } },
      {
        Put: {
          TableName: tableName,
          Item: { pk: `VICTIM#${victimKey}`, sk, kind: 'victim-referral', reference: found.reference, expiresAt: expiresAtFor(found.createdAt) },
        },
      },
      eventItem({ reference: found.reference, at: change.now.toISOString(), actor: change.actor, type: 'VICTIM_KEY_REKEYED', detail: { version: VICTIM_KEY_VERSION } }),
    ];
  });
}

export async function listAssignments(reference: string): Promise<AssignmentRecord[]> {
  return itemsOfReferral<AssignmentRecord>(reference, 'ASSIGNMENT#');
}

export async function getAssignment(reference: string, teamId: string): Promise<StoredAssignment | undefined> {
  const result = await documents.send(new GetCommand({ TableName: tableName, Key: assignmentKey(reference, teamId), ConsistentRead: true }));
  return isExpired(result.Item) ? undefined : result.Item as StoredAssignment | undefined;
}

export async function listEvents(reference: string): Promise<ReferralEvent[]> {
  return itemsOfReferral<ReferralEvent>(reference, 'EVENT#');
}

export async function appendEvent(event: ReferralEvent): Promise<void> {
  await documents.send(new TransactWriteCommand({ TransactItems: [eventItem(event)] }));
}

/**
 * A notice (e.g. the coordinator's out-of-area email) is sent at most once per referral and reason:
 * the marker is written after the send, and checked before it.
 */
export async function noticeAlreadySent(reference: string, notice: string): Promise<boolean> {
  const result = await documents.send(new GetCommand({
    TableName: tableName, Key: { pk: `REFERRAL#${reference}`, sk: `NOTICE#${notice}` }, ConsistentRead: true,
  }));
  return Boolean(result.Item);
}

export async function recordNoticeSent(reference: string, notice: string, messageId: string, now: Date): Promise<void> {
  const at = now.toISOString();
  await documents.send(new TransactWriteCommand({
    TransactItems: [
      {
        Put: {
          TableName: tableName,
          Item: { pk: `REFERRAL#${reference}`, sk: `NOTICE#${notice}`, kind: 'notice', reference, notice, messageId, sentAt: at, expiresAt: expiresAtFor(at) },
        },
      },
      eventItem({ reference, at, actor: 'workflow', type: 'NOTICE_SENT', detail: { notice } }),
    ],
  }));
}

export async function recordScreening(reference: string, screening: ScreeningResult, now: Date): Promise<void> {
  await moveReferral(reference, 'SCREENED', {
    now, actor: 'workflow', set: { screening, band: screening.band as Band },
    detail: { band: screening.band, factors: screening.factors, rulesVersion: screening.rulesVersion },
  });
}

/**
 * Appends one contact attempt as its own item, with its event, only while the team's assignment is
 * acknowledged and has no outcome: checked in the same transaction, so an attempt can never land after
 * the outcome. A reached attempt sets the assignment's first contact if nothing set it before.
 */
export async function addContactAttempt(attempt: ContactAttempt, event: ReferralEvent): Promise<boolean> {
  const key = assignmentKey(attempt.reference, attempt.teamId);
  const stillOpen = {
    ConditionExpression: '#status = :acknowledged AND attribute_not_exists(outcome)',
    ExpressionAttributeNames: { '#status': 'status' },
  };
  const guard: TransactItem = attempt.reached
    ? {
      Update: {
        TableName: tableName, Key: key, ...stillOpen,
        UpdateExpression: 'SET firstContactAt = if_not_exists(firstContactAt, :at)',
        ExpressionAttributeValues: { ':acknowledged': 'ACKNOWLEDGED', ':at': attempt.at },
      },
    }
    : { ConditionCheck: { TableName: tableName, Key: key, ...stillOpen, ExpressionAttributeValues: { ':acknowledged': 'ACKNOWLEDGED' } } };
  const item: TransactItem = {
    Put: {
      TableName: tableName,
      Item: {
        pk: `REFERRAL#${attempt.reference}`, sk: `CONTACT#${attempt.teamId}#${attempt.recordedAt}#${randomBytes(4).toString('hex')}`,
        kind: 'contact-attempt', ...attempt, expiresAt: expiresAtFor(attempt.recordedAt),
      },
    },
  };
  try {
    await documents.send(new TransactWriteCommand({ TransactItems: [guard, item, eventItem(event)] }));
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** A referral's contact attempts, oldest first by when they were recorded. */
export async function listContactAttempts(reference: string): Promise<ContactAttempt[]> {
  const result = await documents.send(new QueryCommand({
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': `REFERRAL#${reference}`, ':prefix': 'CONTACT#' },
    ConsistentRead: true,
  }));
  return (live(result.Items ?? []) as (ContactAttempt & { pk?: string; sk?: string; kind?: string; expiresAt?: number })[])
    .map(({ pk: _pk, sk: _sk, kind: _kind, expiresAt: _expiresAt, ...attempt }) => attempt)
    .sort((a, b) => a.recordedAt.localeCompare(b.recordedAt));
}

/**
 * Records a team's outcome, once, on its acknowledged assignment, with the event that says previous →
 * next (there is no previous: an outcome is recorded once). False when the assignment was not acknowledged or already had an outcome.
 */
export async function recordAssignmentOutcome(reference: string, teamId: string, change: {
  outcome: Outcome; reason: string; now: Date; by: string; actor: string; detail?: ReferralEvent['detail'];
}): Promise<boolean> {
  const at = change.now.toISOString();
  try {
    await documents.send(new TransactWriteCommand({
      TransactItems: [
        {
          Update: {
            TableName: tableName,
            Key: assignmentKey(reference, teamId),
            UpdateExpression: 'SET outcome = :outcome, outcomeReason = :reason, outcomeAt = :at, outcomeBy = :by',
            ConditionExpression: '#status = :acknowledged AND attribute_not_exists(outcome)',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':outcome': change.outcome, ':reason': change.reason, ':at': at, ':by': change.by, ':acknowledged': 'ACKNOWLEDGED' },
          },
        },
        eventItem({
          reference, at, actor: change.actor, type: 'OUTCOME_RECORDED', teamId, to: change.outcome,
          ...(change.detail ? { detail: change.detail } : {}),
        }),
      ],
    }));
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/**
 * Closes the referral if every assignment is finished (functions/domain/referral-closure.ts), and says
 * where it stands. Read after the caller's own write, so of two teams finishing at once at least one
 * sees both; the move is conditional on the status read, so exactly one closes it, once. A workflow step
 * moving the referral meanwhile only makes this read again.
 */
export async function closeReferralIfFinished(reference: string, change: { now: Date; actor: string; detail?: ReferralEvent['detail'] }): Promise<ReferralStatus> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const referral = await requireReferral(reference);
    if (referral.status === 'CLOSED') return 'CLOSED';
    if (!canMoveReferral(referral.status, 'CLOSED') || !shouldClose(await listAssignments(reference))) return referral.status;
    try {
      await moveReferral(reference, 'CLOSED', change);
      return 'CLOSED';
    } catch (error) {
      if (!isConditionFailure(error) && !(error instanceof PermanentFailure)) throw error;
    }
  }
  return (await requireReferral(reference)).status;
}

/** For the health check: proves the table exists and answers, without reading anyone's data. */
export async function tableIsActive(): Promise<boolean> {
  const result = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
  return result.Table?.TableStatus === 'ACTIVE';
}

/**
 * Erases one person's details from a referral (SPEC §10), atomically with the audit event that says
 * who did it and when: the submission is replaced by its redacted form, the repeat-referral key is
 * dropped, and free text staff wrote about it (decline, re-assignment and outcome reasons, contact notes) goes too. Assignments,
 * statuses and the report aggregates are kept, so reports do not change. A repeat finds it done.
 */
export async function erasePersonalData(reference: string, redacted: ReferralSubmission, change: { now: Date; actor: string; username: string }): Promise<'erased' | 'already' | 'not-found'> {
  const referral = await getReferral(reference);
  if (!referral) return 'not-found';
  if (referral.erasedAt) return 'already';
  const at = change.now.toISOString();
  const erased = '[erased]';
  const assignments = await listAssignments(reference);
  const events = await listEvents(reference) as (ReferralEvent & { pk: string; sk: string })[];
  const notes = (await documents.send(new QueryCommand({
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': `REFERRAL#${reference}`, ':prefix': 'CONTACT#' },
    ConsistentRead: true,
  }))).Items?.filter((item) => typeof item.note === 'string') ?? [];
  const items: TransactItem[] = [
    {
      Update: {
        TableName: tableName,
        Key: referralKey(reference),
        // A closure's reason is staff's free text about the person, like a decline's.
        UpdateExpression: `SET submission = :redacted, erasedAt = :at, erasedBy = :by${referral.closure ? ', closure.reason = :erased' : ''} REMOVE victimKey`,
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(erasedAt)',
        ExpressionAttributeValues: { ':redacted': redacted, ':at': at, ':by': change.actor, ...(referral.closure ? { ':erased': erased } : {}) },
      },
    },
    ...(referral.victimKey ? [{ Delete: { TableName: tableName, Key: { pk: `VICTIM#${referral.victimKey}`, sk: `REFERRAL#${referral.createdAt}#${reference}` } } }] : []),
    ...assignments.filter((a) => a.declineReason !== undefined || a.reassignReason !== undefined || a.outcomeReason !== undefined).map((a): TransactItem => ({
      Update: {
        TableName: tableName,
        Key: assignmentKey(reference, a.teamId),
        UpdateExpression: `SET ${[
          a.declineReason !== undefined ? 'declineReason = :erased' : '',
          a.reassignReason !== undefined ? 'reassignReason = :erased' : '',
          a.outcomeReason !== undefined ? 'outcomeReason = :erased' : '',
        ].filter(Boolean).join(', ')}`,
        ExpressionAttributeValues: { ':erased': erased },
      },
    })),
    // A caseworker's notes of their attempts to reach the person are about the person too.
    ...notes.map((item): TransactItem => ({
      Update: { TableName: tableName, Key: { pk: item.pk, sk: item.sk }, UpdateExpression: 'SET note = :erased', ExpressionAttributeValues: { ':erased': erased } },
    })),
    ...events.filter((e) => typeof e.detail?.reason === 'string').map((e): TransactItem => ({
      Update: {
        TableName: tableName,
        Key: { pk: e.pk, sk: e.sk },
        UpdateExpression: 'SET detail.reason = :erased',
        ExpressionAttributeValues: { ':erased': erased },
      },
    })),
    eventItem({ reference, at, actor: change.actor, type: 'PERSONAL_DATA_ERASED', detail: { username: change.username } }),
  ];
  // A transaction holds at most 100 items: a referral has a handful of assignments and reasons.
  if (items.length > 100) throw new Error('Too much to erase in one transaction');
  try {
    await documents.send(new TransactWriteCommand({ TransactItems: items }));
    return 'erased';
  } catch (error) {
    if (isConditionFailure(error)) return 'already';
    throw error;
  }
}
