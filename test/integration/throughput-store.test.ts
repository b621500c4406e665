import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { eventually } from '../support/local-cloud-client.js';
import type { AssignmentRecord } from '../../functions/domain/referral-record.js';
import { coverOf, spansOfDay, spansToRead, type SpanUnit } from '../../functions/domain/report-calendar.js';
import { factAttributes } from '../../functions/domain/report-folding.js';
import { publishableReport } from '../../functions/domain/suppression.js';
import {
  aggregateFacts, ALL_TEAMS, factIdFor, OUT_OF_AREA, REFERRAL_LEVEL, rollUp, throughputReport, type AggregateRow, type Dimension, type SpanTotals,
  type ThroughputFact,
} from '../../functions/domain/throughput.js';

const cloud = inject('localCloud');

let store: typeof import('../../functions/adapters/throughput-store.js');
let reportFacts: typeof import('../../functions/adapters/report-facts.js');

beforeAll(async () => {
  // The adapter reads its table and endpoint when it loads, as a Lambda does at cold start.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: cloud.dynamodbUrl, TABLE_NAME: cloud.tableName,
    AWS_REGION: 'eu-west-2', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local',
  });
  store = await import('../../functions/adapters/throughput-store.js');
  reportFacts = await import('../../functions/adapters/report-facts.js');
});

const table = DynamoDBDocumentClient.from(new DynamoDBClient({
  endpoint: cloud.dynamodbUrl, region: 'eu-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
}));

/** Areas of our own, so figures from the other integration tests' referrals never mix in. */
const anArea = () => `area-${randomBytes(4).toString('hex')}`;
const aReference = () => `SR-${randomBytes(4).toString('hex').toUpperCase()}`;

function assigned(reference: string, areaId: string, at: string, teamId = 'mdvs'): ThroughputFact {
  return { kind: 'ASSIGNED', factId: factIdFor('ASSIGNED', reference, teamId), at: new Date(at), areaId, teamId, band: 'HIGH', source: 'police' };
}

function acknowledged(reference: string, areaId: string, secondsToAcknowledge: number, withinDeadline: boolean, teamId = 'mdvs'): ThroughputFact {
  return {
    kind: 'ACKNOWLEDGED', factId: factIdFor('ACKNOWLEDGED', reference, teamId), at: new Date('2026-06-02T10:00:00Z'),
    areaId, teamId, band: 'HIGH', source: 'police', withinDeadline, secondsToAcknowledge,
  };
}

/** Every stored aggregate item of an area's span, as DynamoDB holds it. */
async function storedItems(areaId: string, unit: SpanUnit, label: string): Promise<Record<string, unknown>[]> {
  const { Items } = await table.send(new QueryCommand({
    TableName: cloud.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `AGGREGATE#${areaId}#${unit}#${label}` },
  }));
  return Items ?? [];
}

/** JSON with keys in order, so figures compare whatever order DynamoDB gave their attributes in. */
const sorted = (value: unknown): string => (typeof value === 'object' && value !== null
  ? `{${Object.keys(value).sort().map((k) => `${k}:${sorted((value as Record<string, unknown>)[k])}`).join(',')}}`
  : JSON.stringify(value));
/** Totals as comparable lines, whatever order they were read in. */
const lines = (totals: readonly SpanTotals[]) => totals.map((t) => `${t.areaId} ${t.unit} ${t.label} ${t.by} ${sorted(t.counts)} ${sorted(t.times)} ${sorted(t.firstContactTimes)}`).sort();
const only = (totals: readonly SpanTotals[], unit: SpanUnit, by: Dimension) => totals.filter((t) => t.unit === unit && t.by === by);

/** Folds facts straight into the totals, as the stream consumer does with a batch of fact items. */
const fold = (facts: readonly ThroughputFact[], reference = 'x', now?: Date) =>
  store.foldFacts(facts.map((fact) => ({ fact, reference, recordedAt: (now ?? new Date()).toISOString() })), now);

describe('throughput aggregates in DynamoDB', () => {
  it('counts a fact delivered twice (a batch delivered again) once, in its day, week and month', async () => {
    const area = anArea();
    const fact = assigned(aReference(), area, '2026-06-02T10:00:00Z');
    expect(await fold([fact, fact], 'SR-ONCE')).toEqual({ added: 1, alreadyCounted: 0, failed: [] });
    expect(await fold([fact], 'SR-ONCE')).toEqual({ added: 0, alreadyCounted: 1, failed: [] });
    const totals = await store.readAggregates([area], spansOfDay('2026-06-02'), ['team', 'band']);
    expect(lines(totals)).toEqual([
      `${area} day 2026-06-02 band {HIGH:{assigned:1}} {} {}`,
      `${area} day 2026-06-02 team {mdvs:{assigned:1}} {} {}`,
      `${area} month 2026-06 band {HIGH:{assigned:1}} {} {}`,
      `${area} month 2026-06 team {mdvs:{assigned:1}} {} {}`,
      `${area} week 2026-W23 band {HIGH:{assigned:1}} {} {}`,
      `${area} week 2026-W23 team {mdvs:{assigned:1}} {} {}`,
    ]);
  });

  it('counts the same fact once even when folds of it race each other', async () => {
    const area = anArea();
    const fact = acknowledged(aReference(), area, 600, true);
    const outcomes = await Promise.all(Array.from({ length: 6 }, () => fold([fact], 'SR-RACE')));
    expect(outcomes.map((o) => o.added).reduce((a, b) => a + b)).toBe(1);
    expect(outcomes.flatMap((o) => o.failed)).toEqual([]);
    const [month] = await store.readAggregates([area], [spansOfDay('2026-06-02')[2]], ['team']);
    expect(month?.counts).toEqual({ mdvs: { acknowledged: 1, acknowledgedWithinDeadline: 1 } });
    expect(month?.times).toEqual({ mdvs: { 2: 1 } });
  });

  it('adds counts and times to acknowledge across referrals, concurrent acknowledgements included', async () => {
    const area = anArea();
    const seconds = [600, 700, 4_000, 90, 100, 650, 6_000, 610];
    await Promise.all([
      ...seconds.map((s, i) => fold([acknowledged(aReference(), area, s, i !== 2, i % 2 ? 'victim-care' : 'mdvs')])),
      ...Array.from({ length: 12 }, () => fold([assigned(aReference(), area, '2026-06-02T09:00:00Z')])),
    ]);
    const totals = await store.readAggregates([area], spansOfDay('2026-06-02'));
    expect(totals).toHaveLength(12);
    for (const unit of ['day', 'week', 'month'] as const) {
      expect(only(totals, unit, 'team')[0]?.counts).toEqual({
        mdvs: { assigned: 12, acknowledged: 4, acknowledgedWithinDeadline: 3 }, 'victim-care': { acknowledged: 4, acknowledgedWithinDeadline: 4 },
      });
      // 600–899 s are in bucket 2, 0–299 s in 0, 4,000 s in 13, 6,000 s in 20.
      expect(only(totals, unit, 'team')[0]?.times).toEqual({ mdvs: { 0: 1, 2: 1, 13: 1, 20: 1 }, 'victim-care': { 0: 1, 2: 3 } });
      expect(only(totals, unit, 'band')[0]?.times).toEqual({ HIGH: { 0: 2, 2: 4, 13: 1, 20: 1 } });
      expect(only(totals, unit, 'area')[0]?.counts).toEqual({ [area]: { assigned: 12, acknowledged: 8, acknowledgedWithinDeadline: 7 } });
    }
  });

  it('keeps one counts item per span and a times item per dimension, however many referrals they count', async () => {
    const area = anArea();
    const received = (source: 'self' | 'police' | 'agency', at: string): ThroughputFact => {
      const reference = aReference();
      return { kind: 'RECEIVED', factId: factIdFor('RECEIVED', reference), at: new Date(at), areaId: area, band: 'MEDIUM', source };
    };
    await Promise.all([
      fold([received('self', '2026-06-02T08:00:00Z')]),
      fold([received('agency', '2026-06-02T09:00:00Z')]),
      fold([received('agency', '2026-06-02T10:00:00Z')]),
      fold([assigned(aReference(), area, '2026-06-02T11:00:00Z', 'victim-care')]),
      fold([acknowledged(aReference(), area, 90, true, 'victim-care')]),
      fold([assigned(aReference(), area, '2026-06-03T11:00:00Z')]),
    ]);

    const items = await storedItems(area, 'day', '2026-06-02');
    expect(items.map((item) => item.sk).sort()).toEqual(['area|times', 'band|times', 'counts', 'source|times', 'team|times']);
    const figures = (sk: string) => {
      const { pk, sk: _sk, kind: _kind, areaId: _area, unit, label, dimension: _by, ...rest } = items.find((item) => item.sk === sk)!;
      expect([pk, unit, label]).toEqual([`AGGREGATE#${area}#day#2026-06-02`, 'day', '2026-06-02']);
      return rest;
    };
    const counts = figures('counts');
    expect(Object.fromEntries(Object.entries(counts).filter(([name]) => name.startsWith('c|team|')))).toEqual({
      [`c|team|received|${ALL_TEAMS}`]: 3, 'c|team|assigned|victim-care': 1, 'c|team|acknowledged|victim-care': 1, 'c|team|acknowledgedWithinDeadline|victim-care': 1,
    });
    expect(Object.fromEntries(Object.entries(counts).filter(([name]) => name.startsWith('c|source|')))).toEqual({
      'c|source|received|self': 1, 'c|source|received|agency': 2, 'c|source|assigned|police': 1, 'c|source|acknowledged|police': 1, 'c|source|acknowledgedWithinDeadline|police': 1,
    });
    // A number per dimension, counter and value in use: this size however many referrals it counts.
    expect(Object.keys(counts)).toHaveLength(17);
    for (const name of Object.keys(counts)) expect(name).toMatch(/^c\|(team|band|source|area)\|[a-zA-Z]+\|[\w-]+$/);
    expect(figures('team|times')).toEqual({ 'h|victim-care': '0:1', 'v|victim-care': 1 });
    expect((await storedItems(area, 'month', '2026-06')).find((item) => item.sk === 'counts')).toMatchObject({ 'c|team|assigned|mdvs': 1, 'c|team|assigned|victim-care': 1 });
  });

  it('adds whole span totals in bulk (for seeding) on top of recorded facts', async () => {
    const area = anArea();
    const recorded = acknowledged(aReference(), area, 700, true);
    await fold([recorded]);
    const rows: AggregateRow[] = [
      { day: '2026-06-02', areaId: area, teamId: 'mdvs', band: 'HIGH', source: 'police', counters: { assigned: 4, acknowledged: 3, acknowledgedWithinDeadline: 2 }, histogram: { 1: 2, 700: 1 } },
      { day: '2026-06-02', areaId: area, teamId: REFERRAL_LEVEL, band: 'HIGH', source: 'police', counters: { received: 4 }, histogram: {} },
      { day: '2026-07-09', areaId: area, teamId: 'victim-care', band: 'STANDARD', source: 'self', counters: { breached: 1 }, histogram: {} },
      {
        day: '2026-07-10', areaId: area, teamId: 'victim-care', band: 'STANDARD', source: 'self',
        counters: { contacted: 2, outcomeSupportAccepted: 1, outcomeReferredElsewhere: 1 }, histogram: {}, firstContactHistogram: { 40: 1, 300: 1 },
      },
    ];
    expect(await store.addAggregates(rollUp(rows))).toBeGreaterThan(0);
    const spans = [...spansOfDay('2026-06-02'), ...spansOfDay('2026-07-09'), spansOfDay('2026-07-10')[0]];
    expect(lines(await store.readAggregates([area], spans))).toEqual(lines(rollUp([...rows, ...aggregateFacts([recorded])])));
  });

  it('counts first contacts and outcomes recorded through the steps’ API once each, and reads exact figures back', async () => {
    const area = anArea();
    const submittedAt = '2026-06-02T08:00:00Z';
    const assignment = (teamId: string, band: 'HIGH' | 'STANDARD'): AssignmentRecord => ({
      reference: aReference(), teamId, areaId: area, band, reason: 'test', source: 'police', status: 'ACKNOWLEDGED', assignedAt: '2026-06-02T08:00:05Z',
    });
    const [first, second, third] = [assignment('mdvs', 'HIGH'), assignment('mdvs', 'HIGH'), assignment('victim-care', 'STANDARD')];
    await Promise.all([
      reportFacts.countFirstContact(first, new Date('2026-06-02T09:02:00Z'), submittedAt), // 62 minutes after submission
      reportFacts.countFirstContact(second, new Date('2026-06-02T11:02:00Z'), submittedAt), // 182 minutes
      reportFacts.countFirstContact(third, new Date('2026-06-04T08:02:00Z'), submittedAt), // 2 days 2 minutes
    ]);
    // A later successful contact, and a retried step, are not first contacts: each counts nothing.
    await reportFacts.countFirstContact(first, new Date('2026-06-05T10:00:00Z'), submittedAt);
    await reportFacts.countFirstContact(second, new Date('2026-06-02T11:02:00Z'), submittedAt);
    await Promise.all([
      reportFacts.countOutcome(first, 'support-accepted', new Date('2026-06-10T10:00:00Z')),
      reportFacts.countOutcome(second, 'support-accepted', new Date('2026-06-11T10:00:00Z')),
      reportFacts.countOutcome(third, 'unable-to-contact', new Date('2026-06-12T10:00:00Z')),
    ]);
    await reportFacts.countOutcome(first, 'support-accepted', new Date('2026-06-10T10:00:00Z'));
    // Folded off the request path: the totals have them once every fact's marker is there (one transaction).
    const factIds = [first, second, third].flatMap((a) => [factIdFor('CONTACTED', a.reference, a.teamId), factIdFor('OUTCOME', a.reference, a.teamId)]);
    await eventually(async () => {
      for (const factId of factIds) {
        const { Item } = await table.send(new GetCommand({ TableName: cloud.tableName, Key: { pk: `COUNTED#${factId}`, sk: 'COUNTED' }, ConsistentRead: true }));
        if (!Item) return false;
      }
      return true;
    }, 'the first contacts and outcomes folded into the totals');

    const june = { from: '2026-06-01', to: '2026-06-30', groupBy: 'month' } as const;
    const byTeam = throughputReport(await store.readAggregates([area], spansToRead(june.from, june.to, june.groupBy), ['team']), { ...june, by: 'team' });
    const figures = (value: string) => {
      const f = byTeam.valueTotals.find((t) => t.value === value)!;
      return [f.contacted, f.medianMinutesToFirstContact, f.p90MinutesToFirstContact, f.outcomeSupportAccepted, f.outcomeUnableToContact, f.outcomeNotAppropriate];
    };
    // 62 and 182 minutes are in the 5-minute buckets 60–65 and 180–185, read at their middles.
    expect(figures('mdvs')).toEqual([2, 63, 183, 2, 0, 0]);
    expect(figures('victim-care')).toEqual([1, 2_883, 2_883, 0, 1, 0]);
    expect([byTeam.total.contacted, byTeam.total.medianMinutesToFirstContact, byTeam.total.p90MinutesToFirstContact]).toEqual([3, 183, 2_883]);
    const byBand = throughputReport(await store.readAggregates([area], spansToRead(june.from, june.to, june.groupBy), ['band']), { ...june, by: 'band' });
    expect(byBand.valueTotals.map((t) => [t.value, t.contacted, t.outcomeSupportAccepted, t.outcomeUnableToContact])).toEqual([
      ['STANDARD', 1, 0, 1], ['MEDIUM', 0, 0, 0], ['HIGH', 2, 2, 0],
    ]);
    // Dated at the contact: the third is counted on 4 June, not on the day of submission.
    const fourthOfJune = throughputReport(await store.readAggregates([area], spansOfDay('2026-06-04'), ['team']), { from: '2026-06-04', to: '2026-06-04', groupBy: 'week', by: 'team' });
    expect(fourthOfJune.total.contacted).toBe(1);
    // Published: a handful of contacts is <5, and the times made of them are hidden with them.
    const published = publishableReport(byTeam).valueTotals.find((t) => t.value === 'mdvs')!;
    expect([published.contacted, published.medianMinutesToFirstContact, published.p90MinutesToFirstContact, published.outcomeSupportAccepted]).toEqual(['<5', '[c]', '[c]', '<5']);

    // Stored beside time to acknowledge in the same times item, under names of their own.
    const times = (await storedItems(area, 'month', '2026-06')).find((item) => item.sk === 'team|times')!;
    expect(new Set(Object.keys(times).filter((name) => name.includes('|mdvs')))).toEqual(new Set(['fc|mdvs', 'fcv|mdvs']));
    const { Item } = await table.send(new GetCommand({ TableName: cloud.tableName, Key: { pk: `COUNTED#${first.reference}#mdvs#CONTACTED`, sk: 'COUNTED' } }));
    expect(Item).toMatchObject({ reference: first.reference, fact: 'CONTACTED' });
  });

  it('folds a stream batch delivered twice once, finishes one that was half added, and skips facts counted before folding', async () => {
    type Handler = (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse>;
    const { handler } = await import('../../functions/events/fold-report-facts.js') as unknown as { handler: Handler };
    const area = anArea();
    const halfAdded = acknowledged(aReference(), area, 650, true);
    const fresh = acknowledged(aReference(), area, 650, true);
    const countedOneAtATime = acknowledged(aReference(), area, 650, true);
    const image = (fact: ThroughputFact) => Object.fromEntries(Object.entries({
      pk: `FACT#${fact.factId}`, sk: 'FACT', ...factAttributes({ fact, reference: fact.factId.split('#')[0]!, recordedAt: new Date().toISOString() }),
    }).map(([name, value]) => [name, typeof value === 'string' ? { S: value } : typeof value === 'number' ? { N: String(value) } : { BOOL: value }]));
    const batch = [halfAdded, fresh, countedOneAtATime].map((fact, i) => ({
      eventName: 'INSERT', dynamodb: { Keys: { pk: { S: `FACT#${fact.factId}` }, sk: { S: 'FACT' } }, NewImage: image(fact), SequenceNumber: String(100 + i) },
    })) as DynamoDBStreamEvent['Records'];

    // A first delivery that stopped after its first fact, and a fact counted (marker and totals) the old way.
    await fold([halfAdded]);
    await fold([countedOneAtATime]);
    const context = { getRemainingTimeInMillis: () => 60_000 } as Context;
    expect(await handler({ Records: batch }, context)).toEqual({ batchItemFailures: [] });
    expect(await handler({ Records: batch }, context)).toEqual({ batchItemFailures: [] });

    const [month] = await store.readAggregates([area], [spansOfDay('2026-06-02')[2]], ['team']);
    expect(month?.counts).toEqual({ mdvs: { acknowledged: 3, acknowledgedWithinDeadline: 3 } });
    expect(month?.times).toEqual({ mdvs: { 2: 3 } });
  });

  it('reads only the areas and spans asked for, each London day in its own', async () => {
    const [area, otherArea] = [anArea(), anArea()];
    const facts = [
      assigned(aReference(), area, '2026-01-31T23:30:00Z'), // 31 January in London (GMT)
      assigned(aReference(), area, '2026-02-01T00:30:00Z'),
      assigned(aReference(), area, '2026-03-15T12:00:00Z'),
      assigned(aReference(), area, '2026-03-31T22:00:00Z'), // 23:00 on 31 March in London (BST)
      assigned(aReference(), area, '2026-03-31T23:30:00Z'), // already 1 April in London
      assigned(aReference(), otherArea, '2026-02-10T12:00:00Z'),
    ];
    await fold(facts);
    const assignedIn = (totals: SpanTotals[]) => totals.map((t) => `${t.areaId} ${t.label} ${t.counts.HIGH?.assigned}`).sort();
    expect(assignedIn(await store.readAggregates([area], coverOf('2026-02-01', '2026-03-31'), ['band']))).toEqual([
      `${area} 2026-02 1`, `${area} 2026-03 2`,
    ]);
    expect(assignedIn(await store.readAggregates([area, otherArea], coverOf('2026-01-31', '2026-04-01'), ['band']))).toEqual([
      `${area} 2026-01-31 1`, `${area} 2026-02 1`, `${area} 2026-03 2`, `${area} 2026-04-01 1`, `${otherArea} 2026-02 1`,
    ].sort());
  });

  it('keeps a referral no area covers under OUT_OF_AREA, read only when asked for', async () => {
    const reference = aReference();
    const at = new Date('2031-05-17T12:00:00Z');
    const fact: ThroughputFact = { kind: 'RECEIVED', factId: factIdFor('RECEIVED', reference), at, areaId: undefined, band: 'STANDARD', source: 'self' };
    // The out-of-area totals are shared with every other referral: count what this one adds.
    const receivedOn = async (areaIds: string[]) => (await store.readAggregates(areaIds, spansOfDay('2031-05-17'), ['source']))
      .filter((t) => t.areaId === OUT_OF_AREA && t.unit === 'day')
      .reduce((sum, t) => sum + (t.counts.self?.received ?? 0), 0);
    const before = await receivedOn([OUT_OF_AREA]);
    await fold([fact], reference);
    expect(await receivedOn([OUT_OF_AREA])).toBe(before + 1);
    expect(await receivedOn(['merseyside', anArea()])).toBe(0);
  });

  it('keeps no more than the reference and the kind of fact on the marker, and lets it expire', async () => {
    const reference = aReference();
    const fact = assigned(reference, anArea(), '2026-06-02T10:00:00Z');
    const now = new Date('2026-06-02T10:00:05Z');
    await store.foldFacts([{ fact, reference, recordedAt: '2026-06-02T10:00:04.000Z' }], now);
    const { Item } = await table.send(new GetCommand({ TableName: cloud.tableName, Key: { pk: `COUNTED#${fact.factId}`, sk: 'COUNTED' } }));
    expect(Item).toEqual({
      pk: `COUNTED#${reference}#mdvs#ASSIGNED`, sk: 'COUNTED', kind: 'counted-fact', reference, fact: 'ASSIGNED',
      recordedAt: '2026-06-02T10:00:04.000Z', countedAt: now.toISOString(), expiresAt: Math.floor(now.getTime() / 1000) + 400 * 86_400,
    });
  });

  it('stores a step\u2019s fact as one item of its own, once, with what it is counted by and nothing about the person', async () => {
    const reference = aReference();
    const area = anArea();
    const fact = acknowledged(reference, area, 700, false);
    const now = new Date('2026-06-02T10:00:05Z');
    expect(await store.storeFact(fact, reference, now)).toBe(true);
    // A retried step writes nothing: no second item, no second stream record.
    expect(await store.storeFact({ ...fact, secondsToAcknowledge: 9_999 } as ThroughputFact, reference, new Date('2026-06-03T10:00:00Z'))).toBe(false);
    const { Item } = await table.send(new GetCommand({ TableName: cloud.tableName, Key: { pk: `FACT#${fact.factId}`, sk: 'FACT' } }));
    expect(Item).toEqual({
      pk: `FACT#${reference}#mdvs#ACKNOWLEDGED`, sk: 'FACT', kind: 'report-fact', fact: 'ACKNOWLEDGED', factId: fact.factId, reference,
      recordedAt: now.toISOString(), at: '2026-06-02T10:00:00.000Z', band: 'HIGH', source: 'police', areaId: area, teamId: 'mdvs',
      withinDeadline: false, secondsToAcknowledge: 700, expiresAt: Math.floor(now.getTime() / 1000) + 400 * 86_400,
    });
    // The table's stream brings it to the fold, which counts it once.
    const [month] = await eventually(async () => {
      const totals = await store.readAggregates([area], [spansOfDay('2026-06-02')[2]], ['team']);
      return totals.length > 0 && totals;
    }, 'the stored fact folded into the totals');
    expect(month?.counts).toEqual({ mdvs: { acknowledged: 1 } });
    expect(month?.times).toEqual({ mdvs: { 2: 1 } });
  });

  it('refuses an area id that could be read as another key, before reading anything', async () => {
    await expect(store.readAggregates(['merseyside#day'], spansOfDay('2026-06-02'))).rejects.toThrow(RangeError);
  });

  it('refuses a team id that could be read back as another value, and counts nothing', async () => {
    const area = anArea();
    const reference = aReference();
    const fact: ThroughputFact = { ...assigned(reference, area, '2026-06-02T10:00:00Z'), teamId: 'mdvs|HIGH' } as ThroughputFact;
    await expect(store.storeFact(fact, reference)).rejects.toThrow(RangeError);
    const { Item } = await table.send(new GetCommand({ TableName: cloud.tableName, Key: { pk: `FACT#${fact.factId}`, sk: 'FACT' } }));
    expect(Item).toBeUndefined();
    // Nor does the fold count one written some other way: it reports it, to be parked.
    expect(await fold([fact], reference)).toEqual({ added: 0, alreadyCounted: 0, failed: [fact.factId] });
    expect(await storedItems(area, 'month', '2026-06')).toEqual([]);
  });
});
