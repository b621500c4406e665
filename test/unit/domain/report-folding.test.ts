import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BANDS } from '../../../functions/domain/config.js';
import { SOURCES } from '../../../functions/domain/referral.js';
import { OUTCOMES } from '../../../functions/domain/referral-record.js';
import {
  ADDITIONS_PER_UPDATE, factAttributes, factsIn, NEW_FACT_FILTER, planFold, storedFactOf, TRANSACTION_ITEMS, type FactRecord, type FoldWrite,
} from '../../../functions/domain/report-folding.js';
import {
  aggregateFacts, factIdFor, MEASURES, mergeHistograms, rollUp, SPAN_TIMES, type FactKind, type SpanTotals, type ThroughputFact,
} from '../../../functions/domain/throughput.js';
import { matchesPattern } from '../../../local/stream-poller.js';

/** Totals as one line per area, span, dimension and value, whatever writes they came in. */
function added(totals: Iterable<SpanTotals>): Record<string, string> {
  const lines = new Map<string, { counts: Record<string, number>; times: Record<string, Record<number, number>> }>();
  for (const total of totals) {
    for (const [value, counts] of Object.entries(total.counts)) {
      const line = lines.get(`${total.areaId} ${total.unit} ${total.label} ${total.by} ${value}`) ?? { counts: {}, times: {} };
      for (const [counter, n] of Object.entries(counts)) line.counts[counter] = (line.counts[counter] ?? 0) + (n ?? 0);
      lines.set(`${total.areaId} ${total.unit} ${total.label} ${total.by} ${value}`, line);
    }
    for (const measure of MEASURES) {
      for (const [value, histogram] of Object.entries(total[SPAN_TIMES[measure]])) {
        const line = lines.get(`${total.areaId} ${total.unit} ${total.label} ${total.by} ${value}`) ?? { counts: {}, times: {} };
        line.times[measure] = mergeHistograms([line.times[measure] ?? {}, histogram]);
        lines.set(`${total.areaId} ${total.unit} ${total.label} ${total.by} ${value}`, line);
      }
    }
  }
  const sortedJson = (o: Record<string, unknown>): string => JSON.stringify(Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1))));
  return Object.fromEntries([...lines].map(([id, line]) => [id, `${sortedJson(line.counts)} ${sortedJson(Object.fromEntries(Object.entries(line.times).map(([m, h]) => [m, sortedJson(h)])))}`]));
}

const DAY_MS = 86_400_000;
const KINDS: readonly FactKind[] = ['RECEIVED', 'ASSIGNED', 'ACKNOWLEDGED', 'DECLINED', 'REROUTED', 'BREACHED', 'CONTACTED', 'OUTCOME'];

/** A fact of a few referrals, teams and areas over ten weeks around a month's end and clock change. */
const aFact = fc.record({
  reference: fc.constantFrom('SR-AAAA-0001', 'SR-AAAA-0002', 'SR-AAAA-0003', 'SR-AAAA-0004'),
  kind: fc.constantFrom(...KINDS),
  teamId: fc.constantFrom('mdvs', 'victim-care', 'stalking-team'),
  areaId: fc.constantFrom('merseyside', 'cheshire'),
  outOfArea: fc.boolean(),
  at: fc.integer({ min: Date.parse('2026-09-20T00:00:00Z'), max: Date.parse('2026-09-20T00:00:00Z') + 70 * DAY_MS }),
  band: fc.constantFrom(...BANDS),
  source: fc.constantFrom(...SOURCES),
  seconds: fc.integer({ min: 0, max: 20 * 86_400 }),
  withinDeadline: fc.boolean(),
  outcome: fc.constantFrom(...OUTCOMES),
}).map(({ reference, kind, teamId, areaId, outOfArea, at, band, source, seconds, withinDeadline, outcome }): ThroughputFact => {
  const base = { at: new Date(at), band, source };
  if (kind === 'RECEIVED') return { ...base, kind, factId: factIdFor(kind, reference), areaId: outOfArea ? undefined : areaId };
  const team = { ...base, factId: factIdFor(kind, reference, teamId), areaId, teamId };
  if (kind === 'ACKNOWLEDGED') return { ...team, kind, withinDeadline, secondsToAcknowledge: seconds };
  if (kind === 'CONTACTED') return { ...team, kind, secondsToFirstContact: seconds };
  if (kind === 'OUTCOME') return { ...team, kind, outcome };
  return { ...team, kind };
});

/** The facts stored: one per id, since a step's fact item is written once and a repeat writes nothing. */
const storedFacts = fc.uniqueArray(aFact, { selector: (f) => f.factId, minLength: 1, maxLength: 60 });

/** The items one write touches, as the store's transaction holds them. */
function itemsOf(write: FoldWrite): number {
  const spans = new Set(write.totals.map((t) => `${t.areaId} ${t.unit} ${t.label}`));
  const timed = write.totals.filter((t) => MEASURES.some((m) => Object.keys(t[SPAN_TIMES[m]]).length > 0));
  return write.facts.length + spans.size + timed.length;
}

describe('folding a batch of facts into the span totals', () => {
  it('adds each distinct fact once, whatever the batches, their repeats, and where a delivery broke off', () => {
    const deliveries = (n: number) => fc.array(fc.record({
      batch: fc.array(fc.nat({ max: n - 1 }), { maxLength: 120 }),
      // The write (counting from the first) where this delivery's Lambda crashed or timed out, if it did.
      breaksAt: fc.option(fc.nat({ max: 6 }), { nil: undefined }),
    }), { maxLength: 6 });
    const limits = fc.constantFrom({ items: TRANSACTION_ITEMS, additions: ADDITIONS_PER_UPDATE }, { items: 20, additions: 8 });
    fc.assert(fc.property(storedFacts.chain((facts) => fc.tuple(fc.constant(facts), deliveries(facts.length), fc.nat({ max: facts.length }), limits)),
      ([facts, runs, countedBefore, limit]) => {
        // Facts counted one at a time before folding existed have their markers and are in the totals already.
        const markers = new Set(facts.slice(0, countedBefore).map((f) => f.factId));
        const totals: SpanTotals[] = rollUp(aggregateFacts(facts.slice(0, countedBefore)));
        const deliver = (batch: readonly ThroughputFact[], breaksAt?: number) => {
          const writes = planFold(batch, new Set(batch.map((f) => f.factId).filter((id) => markers.has(id))), limit);
          for (const [i, write] of writes.entries()) {
            if (i === breaksAt) return;
            // The transaction's condition: every marker new, or nothing is written.
            expect(write.facts.every((f) => !markers.has(f.factId))).toBe(true);
            expect(itemsOf(write)).toBeLessThanOrEqual(limit.items);
            for (const f of write.facts) markers.add(f.factId);
            totals.push(...write.totals);
          }
        };
        for (const { batch, breaksAt } of runs) deliver(batch.map((i) => facts[i]!), breaksAt);
        // The mapping delivers until a batch succeeds: every stored fact is delivered whole at last.
        deliver(facts);
        expect(added(totals)).toEqual(added(rollUp(aggregateFacts(facts))));
      }), { numRuns: 300 });
  });

  it('makes one write of a batch of live facts, with one update per span item however many facts it holds', () => {
    const at = new Date('2026-11-03T10:00:00Z');
    const facts: ThroughputFact[] = Array.from({ length: 40 }, (_, i) => ({
      kind: 'ACKNOWLEDGED', factId: factIdFor('ACKNOWLEDGED', `SR-AAAA-${String(i).padStart(4, '0')}`, 'mdvs'), at,
      areaId: 'merseyside', teamId: 'mdvs', band: 'HIGH', source: 'police', withinDeadline: true, secondsToAcknowledge: 60 * i,
    }));
    const writes = planFold([...facts, ...facts.slice(0, 10)], new Set());
    expect(writes).toHaveLength(1);
    // 40 markers, a counts item for the day, week and month, and a times item for each of those per dimension.
    expect(itemsOf(writes[0]!)).toBe(40 + 3 + 12);
    const month = writes[0]!.totals.find((t) => t.unit === 'month' && t.by === 'team')!;
    expect(month.counts).toEqual({ mdvs: { acknowledged: 40, acknowledgedWithinDeadline: 40 } });
  });

  it('skips facts already counted, and splits a batch that would not fit one transaction', () => {
    const facts: ThroughputFact[] = Array.from({ length: 150 }, (_, i) => ({
      kind: 'ASSIGNED', factId: factIdFor('ASSIGNED', `SR-AAAA-${String(i).padStart(4, '0')}`, 'mdvs'), at: new Date('2026-11-03T10:00:00Z'),
      areaId: 'merseyside', teamId: 'mdvs', band: 'HIGH', source: 'police',
    }));
    const writes = planFold(facts, new Set(facts.slice(0, 5).map((f) => f.factId)));
    expect(writes.map((w) => w.facts.length)).toEqual([97, 48]);
    for (const write of writes) expect(itemsOf(write)).toBeLessThanOrEqual(TRANSACTION_ITEMS);
    expect(planFold(facts, new Set(facts.map((f) => f.factId)))).toEqual([]);
  });
});

describe('fact items and the stream records that bring them', () => {
  const record = (eventName: string, item: Record<string, string | number | boolean>, sequenceNumber: string): FactRecord => ({
    eventName,
    dynamodb: {
      Keys: { pk: { S: String(item.pk) }, sk: { S: String(item.sk) } },
      NewImage: Object.fromEntries(Object.entries(item).map(([k, v]) => [k, typeof v === 'string' ? { S: v } : typeof v === 'number' ? { N: String(v) } : { BOOL: v }])),
      SequenceNumber: sequenceNumber,
    },
  });

  it('reads back every kind of fact exactly as it was stored', () => {
    fc.assert(fc.property(aFact, (fact) => {
      const item = { pk: `FACT#${fact.factId}`, sk: 'FACT', ...factAttributes({ fact, reference: 'SR-AAAA-0001', recordedAt: '2026-11-03T10:00:00.000Z' }), expiresAt: 1 };
      expect(factsIn([record('INSERT', item, '7')])).toEqual([{ sequenceNumber: '7', stored: { fact, reference: 'SR-AAAA-0001', recordedAt: '2026-11-03T10:00:00.000Z' } }]);
      expect(matchesPattern(NEW_FACT_FILTER as unknown as Record<string, unknown>, record('INSERT', item, '7'))).toBe(true);
    }));
  });

  it('passes on new fact items only, as the event source filter does', () => {
    const fact = { pk: 'FACT#SR-AAAA-0001#mdvs#ASSIGNED', sk: 'FACT', fact: 'ASSIGNED', factId: 'SR-AAAA-0001#mdvs#ASSIGNED', reference: 'SR-AAAA-0001', recordedAt: 'x', at: '2026-11-03T10:00:00Z', band: 'HIGH', source: 'police', areaId: 'merseyside', teamId: 'mdvs' };
    const others = [
      record('MODIFY', fact, '2'), record('REMOVE', fact, '3'),
      record('INSERT', { ...fact, pk: 'COUNTED#SR-AAAA-0001#mdvs#ASSIGNED', sk: 'COUNTED' }, '4'),
      record('INSERT', { ...fact, pk: 'REFERRAL#SR-AAAA-0001', sk: 'REFERRAL' }, '5'),
    ];
    expect(factsIn(others)).toEqual([]);
    for (const other of others) expect(matchesPattern(NEW_FACT_FILTER as unknown as Record<string, unknown>, other)).toBe(false);
    expect(factsIn([record('INSERT', fact, '1')]).map((r) => r.sequenceNumber)).toEqual(['1']);
  });

  it('names what is wrong with an item that is not a fact, rather than counting it', () => {
    expect(() => storedFactOf({ fact: 'LIKED', factId: 'x', at: '2026-11-03T10:00:00Z', band: 'HIGH', source: 'police', reference: 'r', recordedAt: 'x' })).toThrow(/not a kind of fact/);
    expect(() => storedFactOf({ fact: 'ACKNOWLEDGED', factId: 'x', at: '2026-11-03T10:00:00Z', band: 'HIGH', source: 'police', reference: 'r', recordedAt: 'x', areaId: 'a', teamId: 't', withinDeadline: true })).toThrow(/secondsToAcknowledge/);
    const [broken] = factsIn([record('INSERT', { pk: 'FACT#x', sk: 'FACT', fact: 'OUTCOME', factId: 'x', at: 'soon' }, '9')]);
    expect(broken).toMatchObject({ sequenceNumber: '9', problem: expect.stringContaining('time') });
  });
});
