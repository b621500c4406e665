import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand, GetCommand, PutCommand, TransactWriteCommand, UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { BANDS } from '../domain/config.js';
import { SOURCES } from '../domain/referral.js';
import type { Span } from '../domain/report-calendar.js';
import { factAttributes, FACT_PREFIX, FACT_SK, planFold, type FoldWrite, type StoredFact } from '../domain/report-folding.js';
import {
  aggregateKey, ALL_TEAMS, COUNTERS, decodeHistogram, DIMENSIONS, encodeHistogram, MEASURES, mergeHistograms, OUT_OF_AREA, SPAN_TIMES, valueIn,
  type AggregateKey, type Counter, type Dimension, type Histogram, type Measure, type SpanTotals, type ThroughputFact,
} from '../domain/throughput.js';
import { documents } from './aws-clients.js';
import { logger } from '../platform/observability.js';
import { requiredEnv } from './environment.js';

/*
 * Storage of the commissioner aggregates (SPEC §7), in the service's single table. Every fact adds to
 * its area's totals for its London day, ISO week and month (report-calendar.ts), once per dimension:
 *
 *   pk AGGREGATE#<areaId>#<unit>#<label>   e.g. AGGREGATE#merseyside#month#2026-11
 *     sk counts               c|<dimension>|<counter>|<value> numbers, e.g. c|team|acknowledged|mdvs
 *     sk <dimension>|times    time to acknowledge: h|<value> a histogram as text, v|<value> its version;
 *                             time to first contact: fc|<value> and fcv|<value> likewise
 *   pk FACT#<factId>      sk FACT
 *     a fact a step stored (report-folding.ts, factAttributes): what it is counted by, and expires
 *   pk COUNTED#<factId>   sk COUNTED
 *     the fact has been added; holds the reference, fact kind and times only, and expires
 *
 * A report by team over a year by month reads 12 × 2 items with one BatchGetItem, whatever the number of
 * referrals: a counts item holds a number per dimension, counter and value (a few hundred at most), a
 * times item a histogram per value (a few KB; under 50 KB with every 5-minute bucket in use). Counts are
 * added with ADD, so any number of folds add to them at once; a histogram is text, so a fold reads
 * it, adds its batch's, and writes it back on condition its version has not moved, trying again if it
 * has. The steps never touch these items: each stores its fact (storeFact, one small Put), and the
 * table stream's fold adds a batch of facts with one update per item it touches (foldFacts).
 */

const tableName = requiredEnv('TABLE_NAME');

// A Standard workflow runs for at most a year, so no retried step can arrive after the marker expires.
const MARKER_DAYS = 400;

// Folds of the same area and month meet on the same items: DynamoDB cancels a transaction that meets
// another rather than queueing it, and a histogram may have moved since it was read.
// Either is tried again, after a growing, jittered pause.
const ATTEMPTS = 12;

const SEPARATOR = '|';

// The parts of keys and attribute names must not contain the separator, or a name could be read two
// ways. Team and area ids are lower-case letters, digits and hyphens (config enforces it); bands and
// sources are fixed enums; the sentinels are ALL_TEAMS and OUT_OF_AREA.
const idPattern = /^[a-z0-9-]+$/;
const valuePatterns: Record<Dimension, (value: string) => boolean> = {
  team: (v) => idPattern.test(v) || v === ALL_TEAMS,
  band: (v) => (BANDS as readonly string[]).includes(v),
  source: (v) => (SOURCES as readonly string[]).includes(v),
  area: (v) => idPattern.test(v) || v === OUT_OF_AREA,
};
const counterSet: ReadonlySet<string> = new Set(COUNTERS);
const dimensionSet: ReadonlySet<string> = new Set(DIMENSIONS);

type SpanRef = Pick<Span, 'unit' | 'label'>;

const aggregatePk = (areaId: string, span: SpanRef) => `AGGREGATE#${areaId}#${span.unit}#${span.label}`;
const COUNTS_SK = 'counts';
const timesSk = (by: Dimension) => `${by}${SEPARATOR}times`;
const countName = (by: Dimension, counter: Counter, value: string) => ['c', by, counter, value].join(SEPARATOR);
// Time to acknowledge keeps the names it always had, so histograms stored before first contacts read as they were.
const HISTOGRAM_PREFIX: Record<Measure, string> = { acknowledge: 'h', firstContact: 'fc' };
const VERSION_PREFIX: Record<Measure, string> = { acknowledge: 'v', firstContact: 'fcv' };
const histogramName = (measure: Measure, value: string) => `${HISTOGRAM_PREFIX[measure]}${SEPARATOR}${value}`;
const versionName = (measure: Measure, value: string) => `${VERSION_PREFIX[measure]}${SEPARATOR}${value}`;

function checkKey(key: AggregateKey): void {
  if (DIMENSIONS.some((by) => !valuePatterns[by](valueIn(key, by)))) {
    throw new RangeError(`cannot store an aggregate for area "${key.areaId}", team "${key.teamId}", band "${key.band}", source "${key.source}"`);
  }
}

type Key = { pk: string; sk: string };
const keyId = (key: Key) => `${key.pk}\u0000${key.sk}`;

type Addition = readonly [by: Dimension, counter: Counter, value: string, count: number];

/** Adds to a span's counts (ADD, so concurrent additions never conflict in meaning). */
function countsUpdate(areaId: string, span: SpanRef, additions: readonly Addition[]) {
  const names: Record<string, string> = { '#kind': 'kind', '#areaId': 'areaId', '#unit': 'unit', '#label': 'label' };
  const values: Record<string, unknown> = { ':kind': 'aggregate-counts', ':areaId': areaId, ':unit': span.unit, ':label': span.label };
  const adds = additions.map(([by, counter, value, n], i) => {
    names[`#c${i}`] = countName(by, counter, value);
    values[`:c${i}`] = n;
    return `#c${i} :c${i}`;
  });
  return {
    TableName: tableName,
    Key: { pk: aggregatePk(areaId, span), sk: COUNTS_SK },
    UpdateExpression: `SET #kind = :kind, #areaId = :areaId, #unit = :unit, #label = :label ADD ${adds.join(', ')}`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

interface HistogramWrite {
  readonly measure: Measure;
  readonly value: string;
  /** The whole histogram to store: what was read with what is added. */
  readonly histogram: Histogram;
  /** The version read with it; undefined when there was none yet. */
  readonly version: number | undefined;
}

/** Writes histograms back to a span's times item, on condition no one else has since they were read. */
function histogramsUpdate(areaId: string, span: SpanRef, by: Dimension, histograms: readonly HistogramWrite[]) {
  const names: Record<string, string> = { '#kind': 'kind', '#areaId': 'areaId', '#unit': 'unit', '#label': 'label', '#by': 'dimension' };
  const values: Record<string, unknown> = { ':kind': 'aggregate-times', ':areaId': areaId, ':unit': span.unit, ':label': span.label, ':by': by };
  const sets: string[] = [];
  const conditions: string[] = [];
  histograms.forEach(({ measure, value, histogram, version }, i) => {
    names[`#h${i}`] = histogramName(measure, value);
    names[`#v${i}`] = versionName(measure, value);
    values[`:h${i}`] = encodeHistogram(histogram);
    values[`:next${i}`] = (version ?? 0) + 1;
    sets.push(`#h${i} = :h${i}`, `#v${i} = :next${i}`);
    if (version === undefined) conditions.push(`attribute_not_exists(#v${i})`);
    else {
      values[`:v${i}`] = version;
      conditions.push(`#v${i} = :v${i}`);
    }
  });
  return {
    TableName: tableName,
    Key: { pk: aggregatePk(areaId, span), sk: timesSk(by) },
    UpdateExpression: `SET #kind = :kind, #areaId = :areaId, #unit = :unit, #label = :label, #by = :by, ${sets.join(', ')}`,
    ConditionExpression: conditions.join(' AND '),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

/** A histogram and its version as a times item holds them, empty and undefined when it has none. */
function storedHistogram(item: Record<string, unknown> | undefined, measure: Measure, value: string): { histogram: Histogram; version: number | undefined } {
  const text = item?.[histogramName(measure, value)];
  const version = item?.[versionName(measure, value)];
  return { histogram: typeof text === 'string' ? decodeHistogram(text) : {}, version: typeof version === 'number' ? version : undefined };
}

const pause = (attempt: number) => {
  const ceiling = Math.min(1_000, 25 * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, ceiling / 2 + Math.random() * ceiling / 2));
};

/**
 * Stores the fact a step implies, as an item of its own, for the fold to add to the totals (see
 * functions/events/fold-report-facts.ts). One small conditional Put and no reads: a step calls it after
 * its own change is stored and again whenever it is retried or repeated, so a crash between the two is
 * made up by the retry, and a repeat finds the item there and writes nothing (nor a second stream
 * record). The first of several facts with one id stands, as it always has (a first contact).
 * Returns false for a repeat.
 */
export async function storeFact(fact: ThroughputFact, reference: string, now: Date = new Date()): Promise<boolean> {
  checkKey(aggregateKey(fact).key);
  try {
    await documents.send(new PutCommand({
      TableName: tableName,
      Item: {
        pk: `${FACT_PREFIX}${fact.factId}`, sk: FACT_SK, ...factAttributes({ fact, reference, recordedAt: now.toISOString() }),
        // Kept as long as its marker: a step retried within its workflow's year finds it and writes nothing.
        expiresAt: Math.floor(now.getTime() / 1000) + MARKER_DAYS * 86_400,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    }));
    return true;
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}

const markerKey = (factId: string): Key => ({ pk: `COUNTED#${factId}`, sk: 'COUNTED' });

/** The ids among these whose marker exists: facts already in the totals. */
async function countedAmong(factIds: readonly string[]): Promise<Set<string>> {
  const items = await batchGet(factIds.map(markerKey), { ConsistentRead: true, ProjectionExpression: '#pk', ExpressionAttributeNames: { '#pk': 'pk' } });
  return new Set(items.map((item) => String(item.pk).slice('COUNTED#'.length)));
}

/**
 * One write of a fold (planFold): each counts item once with every addition of its facts, each times
 * item once with its histograms merged into what it holds (read consistently, written on condition its
 * versions have not moved), and each fact's marker on condition it is new, all in one transaction.
 */
async function addWrite(write: FoldWrite, byId: ReadonlyMap<string, StoredFact>, now: Date): Promise<void> {
  const spans = new Map<string, { areaId: string; span: SpanRef; additions: Addition[] }>();
  const timed = write.totals.filter((t) => MEASURES.some((m) => Object.keys(t[SPAN_TIMES[m]]).length > 0));
  for (const total of write.totals) {
    const id = aggregatePk(total.areaId, total);
    const entry = spans.get(id) ?? { areaId: total.areaId, span: total, additions: [] };
    for (const [value, counts] of Object.entries(total.counts)) {
      for (const counter of COUNTERS) if (counts[counter]) entry.additions.push([total.by, counter, value, counts[counter]!]);
    }
    spans.set(id, entry);
  }
  const stored = timed.length === 0 ? [] : await batchGet(timed.map((t) => ({ pk: aggregatePk(t.areaId, t), sk: timesSk(t.by) })), { ConsistentRead: true });
  const storedById = new Map(stored.map((item) => [keyId(item as Key), item]));
  const expiresAt = Math.floor(now.getTime() / 1000) + MARKER_DAYS * 86_400;
  await documents.send(new TransactWriteCommand({
    TransactItems: [
      ...write.facts.map((fact) => {
        const { reference, recordedAt } = byId.get(fact.factId)!;
        return {
          Put: {
            TableName: tableName,
            Item: {
              ...markerKey(fact.factId), kind: 'counted-fact', reference, fact: fact.kind,
              recordedAt, countedAt: now.toISOString(), expiresAt,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        };
      }),
      ...[...spans.values()].filter((s) => s.additions.length > 0).map(({ areaId, span, additions }) => ({ Update: countsUpdate(areaId, span, additions) })),
      ...timed.map((total) => {
        const item = storedById.get(keyId({ pk: aggregatePk(total.areaId, total), sk: timesSk(total.by) }));
        const histograms = MEASURES.flatMap((measure) => Object.entries(total[SPAN_TIMES[measure]]).map(([value, added]): HistogramWrite => {
          const { histogram, version } = storedHistogram(item, measure, value);
          return { measure, value, histogram: mergeHistograms([histogram, added]), version };
        }));
        return { Update: histogramsUpdate(total.areaId, total, total.by, histograms) };
      }),
    ],
  }));
}

export interface FoldResult {
  /** Facts this fold added to the totals. */
  readonly added: number;
  /** Facts already in them (a batch delivered again, a retried step, or counted before folding existed). */
  readonly alreadyCounted: number;
  /** Fact ids it could not add after its attempts: the caller reports their records, to be delivered again. */
  readonly failed: readonly string[];
}

/**
 * Adds stored facts to the span totals, each exactly once however often it is given (see planFold for
 * the writes). A write cancelled by a marker that is there after all (a fold of the same facts running
 * at once), by a histogram that moved, or by another transaction on its items, is planned again from
 * the markers as they are now and tried again; one that still fails leaves the others standing.
 */
export async function foldFacts(facts: readonly StoredFact[], now: Date = new Date()): Promise<FoldResult> {
  const byId = new Map<string, StoredFact>();
  const failed: string[] = [];
  for (const stored of facts) {
    if (byId.has(stored.fact.factId) || failed.includes(stored.fact.factId)) continue;
    try {
      checkKey(aggregateKey(stored.fact).key);
      byId.set(stored.fact.factId, stored);
    } catch (error) {
      // storeFact refuses such a fact, so this is an item written some other way: never folded, reported.
      if (!(error instanceof RangeError)) throw error;
      failed.push(stored.fact.factId);
    }
  }
  const invalid = failed.length;
  let added = 0;
  for (const group of planFold([...byId.values()].map((s) => s.fact), new Set())) {
    const ids = group.facts.map((f) => f.factId);
    try {
      for (let attempt = 1; ; attempt++) {
        const writes = planFold(group.facts, await countedAmong(ids));
        try {
          for (const write of writes) {
            await addWrite(write, byId, now);
            added += write.facts.length;
          }
          break;
        } catch (error) {
          if (!(error instanceof TransactionCanceledException) || attempt >= ATTEMPTS) throw error;
          await pause(attempt);
        }
      }
    } catch (error) {
      logger.warn('Could not fold report facts', { facts: ids.length, errorName: (error as Error).name });
      failed.push(...ids);
    }
  }
  return { added, alreadyCounted: byId.size + invalid - added - failed.length, failed };
}

// An update expression may be 4 KB at most: many values are added in a few writes.
const ADDITIONS_PER_WRITE = 60;
const HISTOGRAMS_PER_WRITE = 20;
const PARALLEL_WRITES = 16;

/**
 * Adds whole span totals at once (from `rollUp`), for seeding a local cloud or a benchmark with a
 * year in a few thousand writes. No markers: unlike foldFacts this is not once-only, so the caller
 * adds a set of totals once. Returns the number of writes.
 */
export async function addAggregates(totals: Iterable<SpanTotals>): Promise<number> {
  const writes: (() => Promise<number>)[] = [];
  for (const total of totals) {
    const span: SpanRef = total;
    if (!valuePatterns.area(total.areaId) || !dimensionSet.has(total.by)) throw new RangeError(`cannot store totals for area "${total.areaId}" by "${total.by}"`);
    const bad = [...Object.keys(total.counts), ...MEASURES.flatMap((m) => Object.keys(total[SPAN_TIMES[m]] ?? {}))].find((v) => !valuePatterns[total.by](v));
    if (bad !== undefined) throw new RangeError(`"${bad}" is not a ${total.by}`);
    const additions = Object.entries(total.counts).flatMap(([value, counts]) =>
      COUNTERS.filter((c) => counts[c]).map((c): Addition => [total.by, c, value, counts[c]!]));
    for (let i = 0; i < additions.length; i += ADDITIONS_PER_WRITE) {
      const chunk = additions.slice(i, i + ADDITIONS_PER_WRITE);
      writes.push(async () => {
        await documents.send(new UpdateCommand(countsUpdate(total.areaId, span, chunk)));
        return 1;
      });
    }
    for (const measure of MEASURES) {
      const histograms = Object.entries(total[SPAN_TIMES[measure]] ?? {}).filter(([, h]) => Object.values(h).some((n) => n > 0));
      for (let i = 0; i < histograms.length; i += HISTOGRAMS_PER_WRITE) {
        writes.push(() => addHistograms(total.areaId, span, total.by, measure, histograms.slice(i, i + HISTOGRAMS_PER_WRITE)));
      }
    }
  }
  let next = 0;
  let sent = 0;
  const worker = async () => {
    while (next < writes.length) {
      const made = await writes[next++]!();
      sent += made;
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_WRITES, writes.length) }, worker));
  return sent;
}

/** Merges histograms into a span's times item: read, add, write back if unchanged, else again. */
async function addHistograms(areaId: string, span: SpanRef, by: Dimension, measure: Measure, histograms: readonly [string, Histogram][]): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const { Item } = await documents.send(new GetCommand({ TableName: tableName, Key: { pk: aggregatePk(areaId, span), sk: timesSk(by) }, ConsistentRead: true }));
    const merged = histograms.map(([value, added]): HistogramWrite => {
      const { histogram, version } = storedHistogram(Item, measure, value);
      return { measure, value, histogram: mergeHistograms([histogram, added]), version };
    });
    try {
      await documents.send(new UpdateCommand(histogramsUpdate(areaId, span, by, merged)));
      return 1;
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException' || attempt >= ATTEMPTS) throw error;
      await pause(attempt);
    }
  }
}

const BATCH_KEYS = 100;

/** Every item of the keys that exists, in any order; keys DynamoDB leaves unprocessed are asked again. */
async function batchGet(keys: readonly Key[], options: { ConsistentRead?: boolean; ProjectionExpression?: string; ExpressionAttributeNames?: Record<string, string> } = {}): Promise<Record<string, unknown>[]> {
  const unique = [...new Map(keys.map((k) => [keyId(k), k])).values()];
  const chunks: Key[][] = [];
  for (let i = 0; i < unique.length; i += BATCH_KEYS) chunks.push(unique.slice(i, i + BATCH_KEYS));
  const pages = await Promise.all(chunks.map(async (chunk) => {
    const items: Record<string, unknown>[] = [];
    let pending: Record<string, unknown>[] = chunk;
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > ATTEMPTS) throw new Error(`DynamoDB left ${pending.length} aggregate reads unprocessed ${ATTEMPTS} times`);
      if (attempt > 1) await pause(attempt);
      const answer = await documents.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ...options } } }));
      items.push(...(answer.Responses?.[tableName] ?? []));
      pending = answer.UnprocessedKeys?.[tableName]?.Keys ?? [];
    }
    return items;
  }));
  return pages.flat();
}

/**
 * The stored totals of the given areas over the given spans (from `spansToRead`), for the given
 * dimensions: per area and span, the counts item and a times item per dimension, in batches of 100.
 */
export async function readAggregates(areaIds: readonly string[], spans: readonly SpanRef[], dimensions: readonly Dimension[] = DIMENSIONS): Promise<SpanTotals[]> {
  const wanted = [...new Set(areaIds)].flatMap((areaId) => spans.flatMap((span) => [...new Set(dimensions)].map((by) => ({ areaId, span, by }))));
  for (const { areaId, by } of wanted) if (!valuePatterns.area(areaId) || !dimensionSet.has(by)) throw new RangeError(`cannot read totals for area "${areaId}" by "${by}"`);
  const items = await batchGet(wanted.flatMap(({ areaId, span, by }) => [
    { pk: aggregatePk(areaId, span), sk: COUNTS_SK }, { pk: aggregatePk(areaId, span), sk: timesSk(by) },
  ]));
  const byKey = new Map(items.map((item) => [keyId(item as Key), item]));
  return wanted.flatMap(({ areaId, span, by }) => {
    const counted = byKey.get(keyId({ pk: aggregatePk(areaId, span), sk: COUNTS_SK }));
    const timed = byKey.get(keyId({ pk: aggregatePk(areaId, span), sk: timesSk(by) }));
    const counts = countsOf(counted ?? {}, by);
    if (Object.keys(counts).length === 0 && !timed) return [];
    return [{ areaId, unit: span.unit, label: span.label, by, counts, times: timesOf(timed ?? {}, by, 'acknowledge'), firstContactTimes: timesOf(timed ?? {}, by, 'firstContact') }];
  });
}

/** One dimension of a counts item as value → counters. Other attributes (pk, kind, ...) are skipped. */
function countsOf(item: Record<string, unknown>, by: Dimension): Record<string, Partial<Record<Counter, number>>> {
  const counts: Record<string, Partial<Record<Counter, number>>> = {};
  for (const [name, n] of Object.entries(item)) {
    const [prefix, dimension, counter, value, extra] = name.split(SEPARATOR);
    if (prefix !== 'c' || dimension !== by || typeof n !== 'number' || extra !== undefined || !counterSet.has(counter!) || !valuePatterns[by](value ?? '')) continue;
    (counts[value!] ??= {})[counter as Counter] = n;
  }
  return counts;
}

function timesOf(item: Record<string, unknown>, by: Dimension, measure: Measure): Record<string, Histogram> {
  const times: Record<string, Histogram> = {};
  for (const [name, text] of Object.entries(item)) {
    const [prefix, value, extra] = name.split(SEPARATOR);
    if (prefix !== HISTOGRAM_PREFIX[measure] || typeof text !== 'string' || extra !== undefined || !valuePatterns[by](value ?? '')) continue;
    times[value!] = decodeHistogram(text);
  }
  return times;
}
