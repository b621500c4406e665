import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { QueryCommand, TransactWriteCommand, UpdateCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { BANDS, type Band } from '../domain/config.js';
import { SOURCES, type ReferralSource } from '../domain/referral.js';
import {
  aggregateKey, COUNTERS, type AggregateKey, type AggregateRow, type Counter, type ThroughputFact,
} from '../domain/throughput.js';
import { documents } from './aws-clients.js';
import { requiredEnv } from './environment.js';

/*
 * Storage of the commissioner aggregates (SPEC §7), in the service's single table:
 *
 *   pk AGGREGATE#<areaId>#<yyyy-mm>   sk <yyyy-mm-dd>
 *      one item per area per London day, whatever the number of referrals, with a flat attribute per
 *      counter and per time-to-acknowledge bucket of each team × band × source that had a fact that day:
 *        c|<counter>|<teamId>|<band>|<source>   e.g. c|acknowledged|mdvs|HIGH|police
 *        h|<teamId>|<band>|<source>|<bucket>    e.g. h|mdvs|HIGH|police|13
 *   pk COUNTED#<factId>               sk COUNTED
 *      the fact has been added; holds the reference and fact kind only, and expires
 *
 * A report over a month reads at most 31 items per area with one Query: its cost follows days and
 * areas, never referrals. A day's item grows with the combinations in use that day (teams × bands ×
 * sources, and the acknowledgement buckets they hit), not with how many facts each one counts.
 * ADD works on top-level attributes only, which is why the combinations are flat, not nested maps.
 * The price is on the write side: an update is billed on the whole item's size (1 KB units), so a busy
 * day's item (a few hundred attributes, ~10 KB) makes each fact cost that many write units.
 */

const tableName = requiredEnv('TABLE_NAME');

// A Standard workflow runs for at most a year, so no retried step can arrive after the marker expires.
const MARKER_DAYS = 400;

// Every fact of an area's day adds to the same item, so busy days meet concurrent additions; DynamoDB
// cancels a transaction that meets another on the same item rather than queueing it, so a conflict is
// tried again after a growing, jittered pause.
const CONFLICT_ATTEMPTS = 10;

const SEPARATOR = '|';
const COUNTER_PREFIX = 'c';
const HISTOGRAM_PREFIX = 'h';

// The parts of an attribute name must not contain the separator, or a name could be read two ways.
// Team and area ids are lower-case letters, digits and hyphens (config enforces it); bands and sources
// are fixed enums; the sentinels are REFERRAL_LEVEL ('-') and OUT_OF_AREA.
const idPattern = /^(?:[a-z0-9-]+|OUT_OF_AREA)$/;
const bandSet: ReadonlySet<string> = new Set(BANDS);
const sourceSet: ReadonlySet<string> = new Set(SOURCES);
const counterSet: ReadonlySet<string> = new Set(COUNTERS);

const aggregatePk = (areaId: string, month: string) => `AGGREGATE#${areaId}#${month}`;
const combination = (key: AggregateKey) => [key.teamId, key.band, key.source].join(SEPARATOR);
const counterAttribute = (counter: Counter, key: AggregateKey) => [COUNTER_PREFIX, counter, combination(key)].join(SEPARATOR);
const histogramAttribute = (bucket: number, key: AggregateKey) => [HISTOGRAM_PREFIX, combination(key), bucket].join(SEPARATOR);

function checkKey(key: AggregateKey): void {
  if (!idPattern.test(key.areaId) || !idPattern.test(key.teamId) || !bandSet.has(key.band) || !sourceSet.has(key.source)) {
    throw new RangeError(`cannot store an aggregate for area "${key.areaId}", team "${key.teamId}", band "${key.band}", source "${key.source}"`);
  }
}

/**
 * Adds a fact to its aggregate, once. The marker and the addition are one transaction: a retried step
 * finds the marker, the transaction is cancelled, nothing is added twice. Returns false for a repeat.
 */
export async function recordFact(fact: ThroughputFact, reference: string, now: Date = new Date()): Promise<boolean> {
  const { key, counters, histogramBucket } = aggregateKey(fact);
  checkKey(key);
  const names: Record<string, string> = { '#kind': 'kind', '#areaId': 'areaId', '#day': 'day' };
  const values: Record<string, unknown> = { ':kind': 'aggregate', ':areaId': key.areaId, ':day': key.day, ':one': 1 };
  const additions = counters.map((counter, i) => {
    names[`#c${i}`] = counterAttribute(counter, key);
    return `#c${i} :one`;
  });
  if (histogramBucket !== undefined) {
    names['#h'] = histogramAttribute(histogramBucket, key);
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
          Key: { pk: aggregatePk(key.areaId, key.day.slice(0, 7)), sk: key.day },
          UpdateExpression: `SET #kind = :kind, #areaId = :areaId, #day = :day ADD ${additions.join(', ')}`,
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
      const ceiling = Math.min(1_000, 25 * 2 ** attempt);
      await new Promise((resolve) => setTimeout(resolve, ceiling / 2 + Math.random() * ceiling / 2));
    }
  }
}

// An update expression may be 4 KB at most: a day with many combinations is added in a few writes.
const ADDITIONS_PER_WRITE = 100;
const PARALLEL_WRITES = 16;

/**
 * Adds whole rows at once, for seeding a local cloud or a benchmark with history in a few hundred
 * writes a year. No markers: unlike recordFact this is not once-only, so the caller adds a set of rows
 * once. Returns the number of writes.
 */
export async function addAggregates(rows: Iterable<AggregateRow>): Promise<number> {
  const days = new Map<string, { key: AggregateKey; additions: [string, number][] }>();
  for (const row of rows) {
    checkKey(row);
    if (!dayPattern.test(row.day)) throw new RangeError(`"${row.day}" is not a YYYY-MM-DD day`);
    const id = `${row.areaId}#${row.day}`;
    let day = days.get(id);
    if (!day) days.set(id, (day = { key: row, additions: [] }));
    for (const counter of COUNTERS) {
      const count = row.counters[counter];
      if (count) day.additions.push([counterAttribute(counter, row), count]);
    }
    for (const [bucket, count] of Object.entries(row.histogram)) {
      if (count) day.additions.push([histogramAttribute(Number(bucket), row), count]);
    }
  }
  const writes = [...days.values()].flatMap(({ key, additions }) => {
    const chunks: [string, number][][] = [];
    for (let i = 0; i < additions.length; i += ADDITIONS_PER_WRITE) chunks.push(additions.slice(i, i + ADDITIONS_PER_WRITE));
    return chunks.map((chunk) => new UpdateCommand({
      TableName: tableName,
      Key: { pk: aggregatePk(key.areaId, key.day.slice(0, 7)), sk: key.day },
      UpdateExpression: `SET #kind = :kind, #areaId = :areaId, #day = :day ADD ${chunk.map((_, i) => `#a${i} :a${i}`).join(', ')}`,
      ExpressionAttributeNames: { '#kind': 'kind', '#areaId': 'areaId', '#day': 'day', ...Object.fromEntries(chunk.map(([name], i) => [`#a${i}`, name])) },
      ExpressionAttributeValues: { ':kind': 'aggregate', ':areaId': key.areaId, ':day': key.day, ...Object.fromEntries(chunk.map(([, n], i) => [`:a${i}`, n])) },
    }));
  });
  let next = 0;
  const worker = async () => {
    while (next < writes.length) await documents.send(writes[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_WRITES, writes.length) }, worker));
  return writes.length;
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
 * days, inclusive, one row per day × team × band × source as the report reads them. One Query per area
 * per month (31 items at most), all in parallel.
 */
export async function readAggregates(areaIds: readonly string[], fromDay: string, toDay: string): Promise<AggregateRow[]> {
  if (!dayPattern.test(fromDay) || !dayPattern.test(toDay)) throw new RangeError('days are YYYY-MM-DD');
  const partitions = [...new Set(areaIds)].flatMap((areaId) => monthsBetween(fromDay, toDay).map((month) => ({ areaId, month })));
  const pages = await Promise.all(partitions.map(async ({ areaId, month }) => {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await documents.send(new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': aggregatePk(areaId, month), ':from': fromDay, ':to': toDay },
        ExclusiveStartKey: start,
      }));
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items.flatMap((item) => rowsOf(areaId, item));
  }));
  return pages.flat();
}

/** A day's item back into its rows. Attributes that are not counters or buckets (pk, kind, ...) are skipped. */
function rowsOf(areaId: string, item: Record<string, unknown>): AggregateRow[] {
  const day = item.sk;
  if (typeof day !== 'string' || !dayPattern.test(day)) return [];
  const rows = new Map<string, { teamId: string; band: Band; source: ReferralSource; counters: Partial<Record<Counter, number>>; histogram: Record<number, number> }>();
  const rowFor = (teamId: string, band: string, source: string) => {
    if (!idPattern.test(teamId) || !bandSet.has(band) || !sourceSet.has(source)) return undefined;
    const id = [teamId, band, source].join(SEPARATOR);
    let row = rows.get(id);
    if (!row) rows.set(id, (row = { teamId, band: band as Band, source: source as ReferralSource, counters: {}, histogram: {} }));
    return row;
  };
  for (const [name, value] of Object.entries(item)) {
    if (typeof value !== 'number') continue;
    const parts = name.split(SEPARATOR);
    if (parts.length !== 5) continue;
    if (parts[0] === COUNTER_PREFIX && counterSet.has(parts[1]!)) {
      const row = rowFor(parts[2]!, parts[3]!, parts[4]!);
      if (row) row.counters[parts[1] as Counter] = value;
    } else if (parts[0] === HISTOGRAM_PREFIX && /^\d+$/.test(parts[4]!)) {
      const row = rowFor(parts[1]!, parts[2]!, parts[3]!);
      if (row) row.histogram[Number(parts[4])] = value;
    }
  }
  return [...rows.values()].map((row) => ({ day, areaId, ...row }));
}
