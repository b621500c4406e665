import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand, GetCommand, TransactWriteCommand, UpdateCommand, type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { BANDS } from '../domain/config.js';
import { SOURCES } from '../domain/referral.js';
import { spansOfDay, type Span } from '../domain/report-calendar.js';
import {
  aggregateKey, ALL_TEAMS, COUNTERS, decodeHistogram, DIMENSIONS, encodeHistogram, MEASURES, mergeHistograms, OUT_OF_AREA, SPAN_TIMES, valueIn,
  type AggregateKey, type Counter, type Dimension, type Histogram, type Measure, type SpanTotals, type ThroughputFact,
} from '../domain/throughput.js';
import { documents } from './aws-clients.js';
import { requiredEnv } from './environment.js';

/*
 * Storage of the commissioner aggregates (SPEC §7), in the service's single table. Every fact adds to
 * its area's totals for its London day, ISO week and month (report-calendar.ts), once per dimension:
 *
 *   pk AGGREGATE#<areaId>#<unit>#<label>   e.g. AGGREGATE#merseyside#month#2026-11
 *     sk counts               c|<dimension>|<counter>|<value> numbers, e.g. c|team|acknowledged|mdvs
 *     sk <dimension>|times    time to acknowledge: h|<value> a histogram as text, v|<value> its version;
 *                             time to first contact: fc|<value> and fcv|<value> likewise
 *   pk COUNTED#<factId>   sk COUNTED
 *     the fact has been added; holds the reference and fact kind only, and expires
 *
 * A report by team over a year by month reads 12 × 2 items with one BatchGetItem, whatever the number of
 * referrals: a counts item holds a number per dimension, counter and value (a few hundred at most), a
 * times item a histogram per value (a few KB; under 50 KB with every 5-minute bucket in use). Counts are
 * added with ADD, so any number of steps add to them at once; a histogram is text, so an
 * acknowledgement reads it, adds one, and writes it back on condition its version has not moved,
 * trying again if it has. Each fact updates 3 counts items (day, week, month) in one transaction with
 * its marker; an acknowledgement or first contact also updates 12 times items (3 spans × 4 dimensions).
 */

const tableName = requiredEnv('TABLE_NAME');

// A Standard workflow runs for at most a year, so no retried step can arrive after the marker expires.
const MARKER_DAYS = 400;

// Facts of the same area and month meet on the same items: DynamoDB cancels a transaction that meets
// another rather than queueing it, and an acknowledgement's histogram may have moved since it was read.
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

interface Target {
  readonly span: SpanRef;
  readonly by: Dimension;
  readonly value: string;
}

type Key = { pk: string; sk: string };
const keyId = (key: Key) => `${key.pk}\u0000${key.sk}`;

/** The stored histogram and version of each target, read consistently: what an acknowledgement or a contact adds to. */
async function readHistograms(areaId: string, measure: Measure, targets: readonly Target[]): Promise<Map<string, { histogram: Histogram; version: number | undefined }>> {
  const names: Record<string, string> = { '#pk': 'pk', '#sk': 'sk' };
  [...new Set(targets.map((t) => t.value))].forEach((value, i) => {
    names[`#h${i}`] = histogramName(measure, value);
    names[`#v${i}`] = versionName(measure, value);
  });
  const items = await batchGet(
    targets.map((t) => ({ pk: aggregatePk(areaId, t.span), sk: timesSk(t.by) })),
    { ConsistentRead: true, ProjectionExpression: Object.keys(names).join(', '), ExpressionAttributeNames: names },
  );
  const found = new Map(items.map((item) => [keyId(item as Key), item]));
  return new Map(targets.map((t) => {
    const item = found.get(keyId({ pk: aggregatePk(areaId, t.span), sk: timesSk(t.by) }));
    const text = item?.[histogramName(measure, t.value)];
    const version = item?.[versionName(measure, t.value)];
    return [targetId(t), { histogram: typeof text === 'string' ? decodeHistogram(text) : {}, version: typeof version === 'number' ? version : undefined }];
  }));
}

const targetId = (t: Target) => [t.span.unit, t.span.label, t.by, t.value].join('\u0000');

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

/** Writes histograms back to a span's times item, on condition no one else has since they were read. */
function histogramsUpdate(areaId: string, span: SpanRef, by: Dimension, measure: Measure, histograms: readonly { value: string; histogram: Histogram; version: number | undefined }[]) {
  const names: Record<string, string> = { '#kind': 'kind', '#areaId': 'areaId', '#unit': 'unit', '#label': 'label', '#by': 'dimension' };
  const values: Record<string, unknown> = { ':kind': 'aggregate-times', ':areaId': areaId, ':unit': span.unit, ':label': span.label, ':by': by };
  const sets: string[] = [];
  const conditions: string[] = [];
  histograms.forEach(({ value, histogram, version }, i) => {
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

const pause = (attempt: number) => {
  const ceiling = Math.min(1_000, 25 * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, ceiling / 2 + Math.random() * ceiling / 2));
};

/**
 * Adds a fact to its aggregates, once. The marker and every addition are one transaction: a retried
 * step finds the marker, the transaction is cancelled, nothing is added twice. Returns false for a repeat.
 */
export async function recordFact(fact: ThroughputFact, reference: string, now: Date = new Date()): Promise<boolean> {
  const { key, counters, timing } = aggregateKey(fact);
  checkKey(key);
  const spans = spansOfDay(key.day);
  const targets: Target[] = spans.flatMap((span) => DIMENSIONS.map((by) => ({ span, by, value: valueIn(key, by) })));
  const additions = DIMENSIONS.flatMap((by) => counters.map((counter): Addition => [by, counter, valueIn(key, by), 1]));
  const marker = {
    Put: {
      TableName: tableName,
      Item: {
        pk: `COUNTED#${fact.factId}`, sk: 'COUNTED', kind: 'counted-fact', reference, fact: fact.kind,
        countedAt: now.toISOString(), expiresAt: Math.floor(now.getTime() / 1000) + MARKER_DAYS * 86_400,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
  for (let attempt = 1; ; attempt++) {
    const stored = timing === undefined ? undefined : await readHistograms(key.areaId, timing.measure, targets);
    const input: TransactWriteCommandInput = {
      TransactItems: [
        marker,
        ...spans.map((span) => ({ Update: countsUpdate(key.areaId, span, additions) })),
        ...(stored === undefined || timing === undefined ? [] : targets.map((t) => {
          const { histogram, version } = stored.get(targetId(t))!;
          return { Update: histogramsUpdate(key.areaId, t.span, t.by, timing.measure, [{ value: t.value, histogram: mergeHistograms([histogram, { [timing.bucket]: 1 }]), version }]) };
        })),
      ],
    };
    try {
      await documents.send(new TransactWriteCommand(input));
      return true;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const codes = (error.CancellationReasons ?? []).map((reason) => reason.Code);
      if (codes[0] === 'ConditionalCheckFailed') return false;
      // A histogram's version moved (another acknowledgement), or another transaction was on an item.
      const again = codes.some((code) => code === 'TransactionConflict' || code === 'ConditionalCheckFailed');
      if (!again || attempt >= ATTEMPTS) throw error;
      await pause(attempt);
    }
  }
}

// An update expression may be 4 KB at most: many values are added in a few writes.
const ADDITIONS_PER_WRITE = 60;
const HISTOGRAMS_PER_WRITE = 20;
const PARALLEL_WRITES = 16;

/**
 * Adds whole span totals at once (from `rollUp`), for seeding a local cloud or a benchmark with a
 * year in a few thousand writes. No markers: unlike recordFact this is not once-only, so the caller
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
    const merged = histograms.map(([value, histogram]) => {
      const text = Item?.[histogramName(measure, value)];
      const version = Item?.[versionName(measure, value)];
      return {
        value,
        histogram: mergeHistograms([typeof text === 'string' ? decodeHistogram(text) : {}, histogram]),
        version: typeof version === 'number' ? version : undefined,
      };
    });
    try {
      await documents.send(new UpdateCommand(histogramsUpdate(areaId, span, by, measure, merged)));
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
