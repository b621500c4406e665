import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { LocalCloudClient } from '../test/support/local-cloud-client.js';
import { summarize, type LatencySummary } from './stats.js';

/**
 * `npm run bench`, the report totals' lag (issue 17): the steps store their facts and the table stream's
 * fold adds them to the span totals, so the totals are eventually consistent. This says how eventually:
 * per fact, from the moment its step stored it (the fact's `recordedAt`, copied onto its COUNTED#
 * marker) to the fold that added it (the marker's `countedAt`, taken as the fold began its batch: the
 * transaction lands a few milliseconds later). Both times are the local cloud's one clock.
 */
export interface AggregationLag {
  readonly what: string;
  readonly facts: number;
  /** From the end of the load to the last fact folded. */
  readonly drainedInS: number;
  readonly lagMs: LatencySummary;
}

/** Every fact item and counted marker of the table, by a scan: the bench's own throw-away cloud. */
async function factsAndMarkers(client: LocalCloudClient): Promise<{ facts: Set<string>; lagsById: Map<string, number> }> {
  const facts = new Set<string>();
  const lagsById = new Map<string, number>();
  let start: Record<string, unknown> | undefined;
  do {
    const page = await client.documents.send(new ScanCommand({
      TableName: client.cloud.tableName, ExclusiveStartKey: start, ConsistentRead: true,
      FilterExpression: 'begins_with(pk, :fact) OR begins_with(pk, :counted)',
      ExpressionAttributeValues: { ':fact': 'FACT#', ':counted': 'COUNTED#' },
      ProjectionExpression: 'pk, recordedAt, countedAt',
    }));
    for (const item of page.Items ?? []) {
      const pk = String(item.pk);
      if (pk.startsWith('FACT#')) facts.add(pk.slice('FACT#'.length));
      else if (typeof item.recordedAt === 'string' && typeof item.countedAt === 'string') {
        lagsById.set(pk.slice('COUNTED#'.length), Date.parse(item.countedAt) - Date.parse(item.recordedAt));
      }
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return { facts, lagsById };
}

/** Waits for the fold to add every stored fact (at most `timeoutMs`), then summarises their lags. */
export async function measureAggregationLag(client: LocalCloudClient, timeoutMs: number): Promise<AggregationLag> {
  const began = performance.now();
  for (;;) {
    const { facts, lagsById } = await factsAndMarkers(client);
    const waiting = [...facts].filter((id) => !lagsById.has(id)).length;
    if (facts.size > 0 && waiting === 0) {
      return {
        what: 'per report fact of the run (RECEIVED, ASSIGNED, ...): from its step storing it to the table-stream fold adding it to the span totals (marker countedAt − recordedAt)',
        facts: facts.size,
        drainedInS: Math.round((performance.now() - began) / 100) / 10,
        lagMs: summarize([...facts].map((id) => lagsById.get(id)!)),
      };
    }
    if (performance.now() - began > timeoutMs) throw new Error(`${waiting} of ${facts.size} facts still not folded after ${timeoutMs / 1000} s`);
    await sleep(1_000);
  }
}
