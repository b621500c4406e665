import { BatchGetCommand, DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { factAttributes } from '../../functions/domain/report-folding.js';
import { factIdFor, type ThroughputFact } from '../../functions/domain/throughput.js';

process.env.TABLE_NAME = 'referrals';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
const documents = mockClient(DynamoDBDocumentClient);

type Handler = (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse>;
let handler: Handler;
beforeAll(async () => {
  handler = (await import('../../functions/events/fold-report-facts.js')).handler as unknown as Handler;
});
beforeEach(() => {
  documents.reset();
  // No markers yet: nothing in these batches was counted before.
  documents.on(BatchGetCommand).resolves({ Responses: { referrals: [] } });
});

const assigned = (reference: string, areaId: string): ThroughputFact => ({
  kind: 'ASSIGNED', factId: factIdFor('ASSIGNED', reference, 'mdvs'), at: new Date('2026-11-03T10:00:00Z'), areaId, teamId: 'mdvs', band: 'HIGH', source: 'self',
});
const inserted = (item: Record<string, string | number | boolean>, sequenceNumber: string) => ({
  eventName: 'INSERT', dynamodb: {
    Keys: { pk: { S: String(item.pk) }, sk: { S: 'FACT' } }, SequenceNumber: sequenceNumber,
    NewImage: Object.fromEntries(Object.entries(item).map(([k, v]) => [k, typeof v === 'string' ? { S: v } : typeof v === 'number' ? { N: String(v) } : { BOOL: v }])),
  },
});
const factRecord = (fact: ThroughputFact, sequenceNumber: string) =>
  inserted({ pk: `FACT#${fact.factId}`, sk: 'FACT', ...factAttributes({ fact, reference: 'SR-AAAA-0001', recordedAt: '2026-11-03T10:00:01Z' }) }, sequenceNumber);
const run = (records: unknown[]) => handler({ Records: records } as DynamoDBStreamEvent, {} as Context);

describe('the report fold on the table stream', () => {
  it('adds a whole batch of one area and day in one transaction: the markers, and one update per counts item', async () => {
    documents.on(TransactWriteCommand).resolves({});
    const facts = ['SR-AAAA-0001', 'SR-AAAA-0002', 'SR-AAAA-0003'].map((reference) => assigned(reference, 'merseyside'));
    expect(await run(facts.map((fact, i) => factRecord(fact, String(i))))).toEqual({ batchItemFailures: [] });
    const [transaction] = documents.commandCalls(TransactWriteCommand);
    const items = transaction!.args[0].input.TransactItems!;
    expect(items.filter((i) => i.Put).map((i) => i.Put!.Item!.pk)).toEqual(facts.map((f) => `COUNTED#${f.factId}`));
    expect(items.filter((i) => i.Update).map((i) => i.Update!.Key!.pk)).toEqual([
      'AGGREGATE#merseyside#day#2026-11-03', 'AGGREGATE#merseyside#week#2026-W45', 'AGGREGATE#merseyside#month#2026-11',
    ]);
    expect(documents.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it('reports the records of the facts it could not add, and of an item that is not a fact, and no others', async () => {
    // 150 facts of one day do not fit one transaction: two writes, of 97 and 53.
    const facts = Array.from({ length: 150 }, (_, i) => assigned(`SR-AAAA-${String(i).padStart(4, '0')}`, 'merseyside'));
    const last = `COUNTED#${facts[149]!.factId}`;
    // The second write fails for good (not a conflict, which would be tried again).
    documents.on(TransactWriteCommand).callsFake((input: { TransactItems: { Put?: { Item: { pk: string } } }[] }) => {
      if (input.TransactItems.some((i) => i.Put?.Item.pk === last)) throw Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
      return {};
    });
    const broken = inserted({ pk: 'FACT#x', sk: 'FACT', fact: 'ASSIGNED' }, 'broken');
    const { batchItemFailures } = await run([...facts.map((fact, i) => factRecord(fact, String(i))), broken]);
    expect(batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['broken', ...Array.from({ length: 53 }, (_, i) => String(97 + i))].sort());
    expect(documents.commandCalls(TransactWriteCommand)).toHaveLength(2);
  });

  it('is not called for, and ignores, records that are not new facts', async () => {
    expect(await run([{ eventName: 'MODIFY', dynamodb: { Keys: { pk: { S: 'FACT#x' } }, SequenceNumber: '1' } }, { eventName: 'INSERT', dynamodb: { Keys: { pk: { S: 'REFERRAL#SR-AAAA-0001' } }, SequenceNumber: '2' } }]))
      .toEqual({ batchItemFailures: [] });
    expect(documents.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });
});
