import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { QueryCommand, TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Band } from '../domain/config.js';
import type { ReferralSource } from '../domain/referral.js';
import {
  aggregateKey, COUNTERS, type AggregateRow, type Counter, type ThroughputFact,
} from '../domain/throughput.js';
import { documents } from './aws-clients.js';
import { requiredEnv } from './environment.js';

/*
 * Storage of the commissioner aggregates (SPEC §7), in the service's single table:
 *
 *   pk AGGREGATE#<areaId>#<yyyy-mm>   sk <yyyy-mm-dd>#<teamId>#<band>#<source>
 *      counters as numbers (received, assigned, ...), histogram buckets as h<index>
 *   pk COUNTED#<factId>               sk COUNTED
 *      the fact has been added; holds the reference and fact kind only, and expires
 *
 * A month per partition keeps reads to one Query per area per month, whatever the number of referrals.
 */

const tableName = requiredEnv('TABLE_NAME');

// A Standard workflow runs for at most a year, so no retried step can arrive after the marker expires.
const MARKER_DAYS = 400;
const HISTOGRAM_PREFIX = 'h';

// Busy buckets (one team, one band, one day) take concurrent additions; DynamoDB cancels a transaction
// that meets another on the same item rather than queueing it, so a conflict is simply tried again.
const CONFLICT_ATTEMPTS = 5;

const aggregatePk = (areaId: string, month: string) => `AGGREGATE#${areaId}#${month}`;

/**
 * Adds a fact to its aggregate, once. The marker and the addition are one transaction: a retried step
 * finds the marker, the transaction is cancelled, nothing is added twice. Returns false for a repeat.
 */
export async function recordFact(fact: ThroughputFact, reference: string, now: Date = new Date()): Promise<boolean> {
  const { key, counters, histogramBucket } = aggregateKey(fact);
  const names: Record<string, string> = {
    '#day': 'day', '#areaId': 'areaId', '#teamId': 'teamId', '#band': 'band', '#source': 'source', '#kind': 'kind',
  };
  const values: Record<string, unknown> = {
    ':day': key.day, ':areaId': key.areaId, ':teamId': key.teamId, ':band': key.band, ':source': key.source,
    ':kind': 'aggregate', ':one': 1,
  };
  const additions = counters.map((counter, i) => {
    names[`#c${i}`] = counter;
    return `#c${i} :one`;
  });
  if (histogramBucket !== undefined) {
    names['#h'] = `${HISTOGRAM_PREFIX}${histogramBucket}`;
    additions.push('#h :one');
  }
  const input: TransactWriteCommandInput = {
    TransactItems: [
      {
        Put: {
          TableName: tableName,
          Item: {
            pk: `COUNTED#${fact.factId}`, sk: 'COUNTED', kind: 'counted-fact', reference, fact: fact.kind,
            countedAt: now.toISOString(), expiresAt: Math.floor(now.getTime() / 1000) + MARKER_DAYS * 86_400,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Update: {
          TableName: tableName,
          Key: { pk: aggregatePk(key.areaId, key.day.slice(0, 7)), sk: `${key.day}#${key.teamId}#${key.band}#${key.source}` },
          UpdateExpression: `SET #kind = :kind, #day = :day, #areaId = :areaId, #teamId = :teamId, #band = :band, #source = :source ADD ${additions.join(', ')}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      },
    ],
  };
  for (let attempt = 1; ; attempt++) {
    try {
      await documents.send(new TransactWriteCommand(input));
      return true;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const codes = (error.CancellationReasons ?? []).map((reason) => reason.Code);
      if (codes[0] === 'ConditionalCheckFailed') return false;
      if (!codes.includes('TransactionConflict') || attempt >= CONFLICT_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt + Math.random() * 50));
    }
  }
}

/** The months a range of days touches, as yyyy-mm. */
function monthsBetween(fromDay: string, toDay: string): string[] {
  const months: string[] = [];
  let year = Number(fromDay.slice(0, 4));
  let month = Number(fromDay.slice(5, 7));
  const last = toDay.slice(0, 7);
  for (;;) {
    const label = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`;
    if (label > last) return months;
    months.push(label);
    if (++month > 12) { month = 1; year++; }
  }
}

const dayPattern = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The stored buckets of the given areas (OUT_OF_AREA included only when asked for) between two London
 * days, inclusive. One paginated Query per area per month.
 */
export async function readAggregates(areaIds: readonly string[], fromDay: string, toDay: string): Promise<AggregateRow[]> {
  if (!dayPattern.test(fromDay) || !dayPattern.test(toDay)) throw new RangeError('days are YYYY-MM-DD');
  const rows: AggregateRow[] = [];
  for (const areaId of new Set(areaIds)) {
    for (const month of monthsBetween(fromDay, toDay)) {
      let start: Record<string, unknown> | undefined;
      do {
        const page = await documents.send(new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          // '~' sorts after every character of a day, id, band or source, so the last day is whole.
          ExpressionAttributeValues: { ':pk': aggregatePk(areaId, month), ':from': fromDay, ':to': `${toDay}#~` },
          ExclusiveStartKey: start,
        }));
        rows.push(...(page.Items ?? []).map(rowOf));
        start = page.LastEvaluatedKey;
      } while (start);
    }
  }
  return rows;
}

function rowOf(item: Record<string, unknown>): AggregateRow {
  const counters: Partial<Record<Counter, number>> = {};
  for (const counter of COUNTERS) if (typeof item[counter] === 'number') counters[counter] = item[counter];
  const histogram: Record<number, number> = {};
  for (const [name, value] of Object.entries(item)) {
    const bucket = /^h(\d+)$/.exec(name)?.[1];
    if (bucket !== undefined && typeof value === 'number') histogram[Number(bucket)] = value;
  }
  return {
    day: String(item.day), areaId: String(item.areaId), teamId: String(item.teamId),
    band: item.band as Band, source: item.source as ReferralSource, counters, histogram,
  };
}
