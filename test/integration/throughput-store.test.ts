import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import {
  factIdFor, OUT_OF_AREA, REFERRAL_LEVEL, type AggregateRow, type ThroughputFact,
} from '../../functions/domain/throughput.js';

const cloud = inject('localCloud');

let store: typeof import('../../functions/adapters/throughput-store.js');

beforeAll(async () => {
  // The adapter reads its table and endpoint when it loads, as a Lambda does at cold start.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: cloud.dynamodbUrl, TABLE_NAME: cloud.tableName,
    AWS_REGION: 'eu-west-2', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local',
  });
  store = await import('../../functions/adapters/throughput-store.js');
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

/** Every stored aggregate item of an area's month, as DynamoDB holds it. */
async function storedItems(areaId: string, month: string): Promise<Record<string, unknown>[]> {
  const { Items } = await table.send(new QueryCommand({
    TableName: cloud.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `AGGREGATE#${areaId}#${month}` },
  }));
  return Items ?? [];
}

const summary = (rows: AggregateRow[]) => rows.map((r) => `${r.areaId} ${r.day} ${r.teamId} ${JSON.stringify(r.counters)}`).sort();

describe('throughput aggregates in DynamoDB', () => {
  it('counts a fact recorded twice (a retried step) once', async () => {
    const area = anArea();
    const fact = assigned(aReference(), area, '2026-06-02T10:00:00Z');
    expect(await store.recordFact(fact, 'SR-ONCE')).toBe(true);
    expect(await store.recordFact(fact, 'SR-ONCE')).toBe(false);
    const rows = await store.readAggregates([area], '2026-06-01', '2026-06-30');
    expect(rows).toEqual([{
      day: '2026-06-02', areaId: area, teamId: 'mdvs', band: 'HIGH', source: 'police', counters: { assigned: 1 }, histogram: {},
    }]);
  });

  it('counts the same fact once even when its retries race each other', async () => {
    const area = anArea();
    const fact = assigned(aReference(), area, '2026-06-02T10:00:00Z');
    const outcomes = await Promise.all(Array.from({ length: 6 }, () => store.recordFact(fact, 'SR-RACE')));
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    const [row] = await store.readAggregates([area], '2026-06-02', '2026-06-02');
    expect(row?.counters.assigned).toBe(1);
  });

  it('adds counts and time-to-acknowledge buckets across referrals, concurrent ones included', async () => {
    const area = anArea();
    await Promise.all([
      store.recordFact(acknowledged(aReference(), area, 600, true), 'x'),
      store.recordFact(acknowledged(aReference(), area, 700, true), 'x'),
      store.recordFact(acknowledged(aReference(), area, 4_000, false), 'x'),
      ...Array.from({ length: 12 }, () => store.recordFact(assigned(aReference(), area, '2026-06-02T09:00:00Z'), 'x')),
    ]);
    const rows = await store.readAggregates([area], '2026-06-02', '2026-06-02');
    expect(rows).toHaveLength(1);
    expect(rows[0]?.counters).toEqual({ assigned: 12, acknowledged: 3, acknowledgedWithinDeadline: 2 });
    // 600 s and 700 s are in the 10–15 minute bucket (2); 4,000 s in 65–70 minutes (13).
    expect(rows[0]?.histogram).toEqual({ 2: 2, 13: 1 });
  });

  it('keeps one item per area per London day, however many teams, bands and sources it counts', async () => {
    const area = anArea();
    const received = (source: 'self' | 'police' | 'agency', at: string): ThroughputFact => {
      const reference = aReference();
      return { kind: 'RECEIVED', factId: factIdFor('RECEIVED', reference), at: new Date(at), areaId: area, band: 'MEDIUM', source };
    };
    await Promise.all([
      store.recordFact(received('self', '2026-06-02T08:00:00Z'), 'x'),
      store.recordFact(received('agency', '2026-06-02T09:00:00Z'), 'x'),
      store.recordFact(received('agency', '2026-06-02T10:00:00Z'), 'x'),
      store.recordFact(assigned(aReference(), area, '2026-06-02T11:00:00Z', 'victim-care'), 'x'),
      store.recordFact(acknowledged(aReference(), area, 90, true, 'victim-care'), 'x'),
      store.recordFact(assigned(aReference(), area, '2026-06-03T11:00:00Z'), 'x'),
    ]);

    const items = await storedItems(area, '2026-06');
    expect(items.map((item) => item.sk)).toEqual(['2026-06-02', '2026-06-03']);
    const { pk: _pk, sk: _sk, kind: _kind, areaId: _area, day: _day, ...figures } = items[0]!;
    expect(figures).toEqual({
      'c|received|-|MEDIUM|self': 1,
      'c|received|-|MEDIUM|agency': 2,
      'c|assigned|victim-care|HIGH|police': 1,
      'c|acknowledged|victim-care|HIGH|police': 1,
      'c|acknowledgedWithinDeadline|victim-care|HIGH|police': 1,
      'h|victim-care|HIGH|police|0': 1,
    });

    const rows = await store.readAggregates([area], '2026-06-02', '2026-06-02');
    const byCombination = (r: AggregateRow) => `${r.teamId}|${r.band}|${r.source}`;
    expect([...rows].sort((a, b) => byCombination(a).localeCompare(byCombination(b)))).toEqual([
      { day: '2026-06-02', areaId: area, teamId: '-', band: 'MEDIUM', source: 'agency', counters: { received: 2 }, histogram: {} },
      { day: '2026-06-02', areaId: area, teamId: '-', band: 'MEDIUM', source: 'self', counters: { received: 1 }, histogram: {} },
      {
        day: '2026-06-02', areaId: area, teamId: 'victim-care', band: 'HIGH', source: 'police',
        counters: { assigned: 1, acknowledged: 1, acknowledgedWithinDeadline: 1 }, histogram: { 0: 1 },
      },
    ]);
  });

  it('adds whole rows in bulk (for seeding) into the same items, read back as the rows they were', async () => {
    const area = anArea();
    await store.recordFact(assigned(aReference(), area, '2026-06-02T10:00:00Z'), 'x');
    const rows: AggregateRow[] = [
      { day: '2026-06-02', areaId: area, teamId: 'mdvs', band: 'HIGH', source: 'police', counters: { assigned: 4, acknowledged: 3, acknowledgedWithinDeadline: 2 }, histogram: { 1: 2, 700: 1 } },
      { day: '2026-06-02', areaId: area, teamId: REFERRAL_LEVEL, band: 'HIGH', source: 'police', counters: { received: 4 }, histogram: {} },
      { day: '2026-07-09', areaId: area, teamId: 'victim-care', band: 'STANDARD', source: 'self', counters: { breached: 1 }, histogram: {} },
    ];
    expect(await store.addAggregates(rows)).toBe(2);
    const read = await store.readAggregates([area], '2026-06-01', '2026-07-31');
    const byKey = (r: AggregateRow) => `${r.day}|${r.teamId}`;
    expect([...read].sort((a, b) => byKey(a).localeCompare(byKey(b)))).toEqual([
      rows[1], { ...rows[0], counters: { assigned: 5, acknowledged: 3, acknowledgedWithinDeadline: 2 } }, rows[2],
    ]);
    expect((await storedItems(area, '2026-06')).map((item) => item.sk)).toEqual(['2026-06-02']);
  });

  it('reads only the areas and London days asked for, across month partitions', async () => {
    const [area, otherArea] = [anArea(), anArea()];
    const facts = [
      assigned(aReference(), area, '2026-01-31T23:30:00Z'), // 31 January in London (GMT)
      assigned(aReference(), area, '2026-02-01T00:30:00Z'),
      assigned(aReference(), area, '2026-03-15T12:00:00Z'),
      assigned(aReference(), area, '2026-03-31T22:00:00Z'), // 23:00 on 31 March in London (BST)
      assigned(aReference(), area, '2026-03-31T23:30:00Z'), // already 1 April in London
      assigned(aReference(), otherArea, '2026-02-10T12:00:00Z'),
    ];
    for (const fact of facts) await store.recordFact(fact, 'x');
    const rows = await store.readAggregates([area], '2026-02-01', '2026-03-31');
    expect(summary(rows)).toEqual([
      `${area} 2026-02-01 mdvs {"assigned":1}`,
      `${area} 2026-03-15 mdvs {"assigned":1}`,
      `${area} 2026-03-31 mdvs {"assigned":1}`,
    ]);
    const both = await store.readAggregates([area, otherArea], '2026-01-01', '2026-04-30');
    expect(both.map((r) => `${r.areaId} ${r.day}`).sort()).toEqual([
      `${area} 2026-01-31`, `${area} 2026-02-01`, `${area} 2026-03-15`, `${area} 2026-03-31`, `${area} 2026-04-01`, `${otherArea} 2026-02-10`,
    ].sort());
  });

  it('keeps a referral no area covers under OUT_OF_AREA, read only when asked for', async () => {
    const reference = aReference();
    const at = new Date('2031-05-17T12:00:00Z');
    const fact: ThroughputFact = { kind: 'RECEIVED', factId: factIdFor('RECEIVED', reference), at, areaId: undefined, band: 'STANDARD', source: 'self' };
    // The out-of-area partition is shared with every other referral: count what this one adds.
    const receivedOn = async (areaIds: string[]) => (await store.readAggregates(areaIds, '2031-05-17', '2031-05-17'))
      .filter((r) => r.areaId === OUT_OF_AREA && r.teamId === REFERRAL_LEVEL && r.band === 'STANDARD' && r.source === 'self')
      .reduce((sum, r) => sum + (r.counters.received ?? 0), 0);
    const before = await receivedOn([OUT_OF_AREA]);
    await store.recordFact(fact, reference);
    expect(await receivedOn([OUT_OF_AREA])).toBe(before + 1);
    expect(await receivedOn(['merseyside', anArea()])).toBe(0);
  });

  it('keeps no more than the reference and the kind of fact on the marker, and lets it expire', async () => {
    const reference = aReference();
    const fact = assigned(reference, anArea(), '2026-06-02T10:00:00Z');
    const now = new Date('2026-06-02T10:00:05Z');
    await store.recordFact(fact, reference, now);
    const { Item } = await table.send(new GetCommand({ TableName: cloud.tableName, Key: { pk: `COUNTED#${fact.factId}`, sk: 'COUNTED' } }));
    expect(Item).toEqual({
      pk: `COUNTED#${reference}#mdvs#ASSIGNED`, sk: 'COUNTED', kind: 'counted-fact', reference, fact: 'ASSIGNED',
      countedAt: now.toISOString(), expiresAt: Math.floor(now.getTime() / 1000) + 400 * 86_400,
    });
  });

  it('refuses days that are not days, before reading anything', async () => {
    await expect(store.readAggregates(['merseyside'], '2026-6-1', '2026-06-30')).rejects.toThrow(RangeError);
  });

  it('refuses a team id that could be read back as another combination, and counts nothing', async () => {
    const area = anArea();
    const reference = aReference();
    const fact: ThroughputFact = { ...assigned(reference, area, '2026-06-02T10:00:00Z'), teamId: 'mdvs|HIGH' } as ThroughputFact;
    await expect(store.recordFact(fact, reference)).rejects.toThrow(RangeError);
    expect(await storedItems(area, '2026-06')).toEqual([]);
  });
});
