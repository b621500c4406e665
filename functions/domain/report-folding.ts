import { spansOfDay } from './report-calendar.js';
import {
  aggregateFacts, aggregateKey, DIMENSIONS, rollUp, valueIn, type SpanTotals, type ThroughputFact,
} from './throughput.js';

/*
 * Folding facts into the commissioners' span totals off the request path (SPEC §7, §9 "the stream is
 * the backbone"). A step stores the fact it implies as an item of its own; the table's stream hands the
 * facts to a consumer in batches, and the consumer adds a batch to the totals a few writes at a time.
 *
 * Each write is one DynamoDB transaction holding, for a group of the batch's facts: one update per
 * counts item the group touches (every fact's counters added together), one update per times item that
 * any of its acknowledgements or first contacts touch (their histograms merged), and the marker
 * COUNTED#<factId> of each of its facts, put on condition it is not there yet. So a fact's marker exists
 * exactly when the fact is in the totals: a batch delivered twice, or one that failed half way, finds
 * the markers of what was already added and adds only the rest. The markers are the ones facts counted
 * one at a time always had, so facts counted before folding existed are skipped too.
 */

/** DynamoDB's limit on the items of one transaction. */
export const TRANSACTION_ITEMS = 100;

/**
 * A counts item's update names one attribute per dimension, counter and value it adds to, and an
 * update expression may be 4 KB: "#c123 :c123, " is 13 characters, so 250 additions keep well inside.
 */
export const ADDITIONS_PER_UPDATE = 250;

/** What one transaction of a fold adds: its facts' markers and their combined totals. */
export interface FoldWrite {
  /** In the order given; each is added once, by this write, or already was. */
  readonly facts: readonly ThroughputFact[];
  /** The facts added up per area, span and dimension (`rollUp`): a counts item per span, a times item per dimension. */
  readonly totals: readonly SpanTotals[];
}

const spanId = (areaId: string, unit: string, label: string) => `${areaId}\u0000${unit}\u0000${label}`;

/**
 * The writes that add `facts` to the totals, skipping any whose id is in `counted` and any repeat of
 * an id within the batch (the first stands: a fact id is one per referral, team and kind, so a repeat
 * is a retried step). Facts are packed so each write stays within a transaction's items and each counts
 * update within its expression size; a batch of live facts (one area, one day) is usually one write.
 */
export function planFold(facts: Iterable<ThroughputFact>, counted: ReadonlySet<string>, limits = { items: TRANSACTION_ITEMS, additions: ADDITIONS_PER_UPDATE }): FoldWrite[] {
  const seen = new Set(counted);
  const fresh: { fact: ThroughputFact; areaId: string; day: string }[] = [];
  for (const fact of facts) {
    if (seen.has(fact.factId)) continue;
    seen.add(fact.factId);
    const { key } = aggregateKey(fact);
    fresh.push({ fact, areaId: key.areaId, day: key.day });
  }
  // Facts of the same area and day share every span, so neighbours in this order share the most items.
  fresh.sort((a, b) => (a.areaId < b.areaId ? -1 : a.areaId > b.areaId ? 1 : a.day < b.day ? -1 : a.day > b.day ? 1 : 0));

  const writes: ThroughputFact[][] = [];
  let group: ThroughputFact[] = [];
  let spans = new Set<string>();
  let timed = new Set<string>();
  let additions = new Map<string, Set<string>>();
  const start = () => {
    if (group.length > 0) writes.push(group);
    group = [];
    spans = new Set();
    timed = new Set();
    additions = new Map();
  };
  for (const { fact, areaId, day } of fresh) {
    const { key, counters, timing } = aggregateKey(fact);
    const ids = spansOfDay(day).map((span) => spanId(areaId, span.unit, span.label));
    const names = DIMENSIONS.flatMap((by) => counters.map((counter) => `${by}|${counter}|${valueIn(key, by)}`));
    const fits = () => {
      const newSpans = ids.filter((id) => !spans.has(id)).length;
      const newTimed = timing ? ids.flatMap((id) => DIMENSIONS.map((by) => `${id}\u0000${by}`)).filter((id) => !timed.has(id)).length : 0;
      const tooManyAdditions = ids.some((id) => {
        const existing = additions.get(id);
        return (existing?.size ?? 0) + names.filter((n) => !existing?.has(n)).length > limits.additions;
      });
      return group.length + 1 + spans.size + newSpans + timed.size + newTimed <= limits.items && !tooManyAdditions;
    };
    if (!fits()) start();
    group.push(fact);
    for (const id of ids) {
      spans.add(id);
      if (timing) for (const by of DIMENSIONS) timed.add(`${id}\u0000${by}`);
      const inSpan = additions.get(id) ?? new Set<string>();
      for (const name of names) inSpan.add(name);
      additions.set(id, inSpan);
    }
  }
  start();
  return writes.map((grouped) => ({ facts: grouped, totals: rollUp(aggregateFacts(grouped)) }));
}

/* ---------------------------------------------------------------------------------------------------
 * The fact item a step stores, and how the consumer reads it back from a stream record. It carries what
 * the fact is counted by (when, where, which team, band, source, times) and the reference, as the
 * counted marker always has: nothing about the person.
 * ------------------------------------------------------------------------------------------------- */

/** The fact's partition: the stream filter below passes the consumer these and nothing else. */
export const FACT_PREFIX = 'FACT#';
export const FACT_SK = 'FACT';

/** A fact as its item holds it: plain attributes beside the item's keys. */
export type FactAttributes = Record<string, string | number | boolean>;

export interface StoredFact {
  readonly fact: ThroughputFact;
  readonly reference: string;
  /** When the step stored it: the fold's lag is measured from here. */
  readonly recordedAt: string;
}

export function factAttributes({ fact, reference, recordedAt }: StoredFact): FactAttributes {
  const { kind, factId, at, band, source } = fact;
  return {
    kind: 'report-fact', fact: kind, factId, reference, recordedAt, at: at.toISOString(), band, source,
    ...(fact.areaId === undefined ? {} : { areaId: fact.areaId }),
    ...(fact.kind === 'RECEIVED' ? {} : { teamId: fact.teamId }),
    ...(fact.kind === 'ACKNOWLEDGED' ? { withinDeadline: fact.withinDeadline, secondsToAcknowledge: fact.secondsToAcknowledge } : {}),
    ...(fact.kind === 'CONTACTED' ? { secondsToFirstContact: fact.secondsToFirstContact } : {}),
    ...(fact.kind === 'OUTCOME' ? { outcome: fact.outcome } : {}),
  };
}

const KINDS: readonly ThroughputFact['kind'][] = ['RECEIVED', 'ASSIGNED', 'ACKNOWLEDGED', 'DECLINED', 'REROUTED', 'BREACHED', 'CONTACTED', 'OUTCOME'];

/** A fact item read back; a RangeError names what is wrong with one that is not a fact. */
export function storedFactOf(item: Readonly<Record<string, unknown>>): StoredFact {
  const text = (name: string): string => {
    const value = item[name];
    if (typeof value !== 'string' || value === '') throw new RangeError(`a fact item needs ${name}`);
    return value;
  };
  const number = (name: string): number => {
    const value = item[name];
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new RangeError(`a fact item needs ${name} as a number`);
    return value;
  };
  const kind = text('fact') as ThroughputFact['kind'];
  if (!KINDS.includes(kind)) throw new RangeError(`"${kind}" is not a kind of fact`);
  const at = new Date(text('at'));
  if (Number.isNaN(at.getTime())) throw new RangeError('a fact item needs the time of the fact');
  const base = { factId: text('factId'), at, band: text('band'), source: text('source') } as Pick<ThroughputFact, 'factId' | 'at' | 'band' | 'source'>;
  const stored = (fact: ThroughputFact): StoredFact => {
    // The fact's kinds and key parts are checked where they are counted (aggregateKey and the store).
    aggregateKey(fact);
    return { fact, reference: text('reference'), recordedAt: text('recordedAt') };
  };
  if (kind === 'RECEIVED') return stored({ ...base, kind, areaId: typeof item.areaId === 'string' ? item.areaId : undefined });
  const team = { ...base, areaId: text('areaId'), teamId: text('teamId') };
  if (kind === 'ACKNOWLEDGED') {
    if (typeof item.withinDeadline !== 'boolean') throw new RangeError('an acknowledgement needs withinDeadline');
    return stored({ ...team, kind, withinDeadline: item.withinDeadline, secondsToAcknowledge: number('secondsToAcknowledge') });
  }
  if (kind === 'CONTACTED') return stored({ ...team, kind, secondsToFirstContact: number('secondsToFirstContact') });
  if (kind === 'OUTCOME') return stored({ ...team, kind, outcome: text('outcome') as never });
  return stored({ ...team, kind });
}

/** The new image of a stream record, DynamoDB JSON made plain: facts hold strings, numbers and booleans only. */
type Image = Readonly<Record<string, { readonly S?: string; readonly N?: string; readonly BOOL?: boolean } | undefined>>;

export interface FactRecord {
  readonly eventName?: string;
  readonly dynamodb?: { readonly Keys?: Image; readonly NewImage?: Image; readonly SequenceNumber?: string };
}

/**
 * The facts a batch of stream records newly stored, in stream order, each with its sequence number (for
 * reporting it when it cannot be folded), or the problem with an item that is not a fact.
 */
export type FactInRecord = { readonly sequenceNumber: string } & ({ readonly stored: StoredFact } | { readonly problem: string });

export function factsIn(records: readonly FactRecord[]): FactInRecord[] {
  return records.flatMap((record): FactInRecord[] => {
    if (record.eventName !== 'INSERT' || !record.dynamodb?.Keys?.pk?.S?.startsWith(FACT_PREFIX)) return [];
    const sequenceNumber = record.dynamodb.SequenceNumber ?? '';
    const plain: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(record.dynamodb.NewImage ?? {})) {
      if (value?.S !== undefined) plain[name] = value.S;
      else if (value?.N !== undefined) plain[name] = Number(value.N);
      else if (value?.BOOL !== undefined) plain[name] = value.BOOL;
    }
    try {
      return [{ sequenceNumber, stored: storedFactOf(plain) }];
    } catch (error) {
      return [{ sequenceNumber, problem: (error as Error).message }];
    }
  });
}

/**
 * The fold's event source mapping filter: new fact items only, so the consumer is not invoked for the
 * many other writes. Kept beside the rule it mirrors; the stack puts it in the template and the local
 * cloud reads it from there.
 */
export const NEW_FACT_FILTER = {
  eventName: ['INSERT'],
  dynamodb: { Keys: { pk: { S: [{ prefix: FACT_PREFIX }] } } },
} as const;
