import middy from '@middy/core';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { foldFacts } from '../adapters/throughput-store.js';
import { factsIn, type FactRecord } from '../domain/report-folding.js';
import { taskDefaults } from '../platform/middleware.js';
import { logger, metrics } from '../platform/observability.js';

/**
 * The commissioners' totals (SPEC §7), kept off the request path: the steps store facts, and this
 * consumer of the table's stream adds each batch of them to the span totals in a few combined writes
 * (foldFacts), each fact once however often its batch is delivered. Records it could not fold are
 * reported: the mapping delivers them again (bisecting), then parks them, and the queue's depth alarms.
 */
const foldReportFacts = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  const found = factsIn(event.Records as readonly FactRecord[]);
  const failures = new Set<string>();
  for (const record of found) {
    if ('problem' in record) {
      logger.error('A fact item that cannot be folded', { problem: record.problem, sequenceNumber: record.sequenceNumber });
      failures.add(record.sequenceNumber);
    }
  }
  const stored = found.flatMap((record) => ('stored' in record ? [record.stored] : []));
  const { added, alreadyCounted, failed } = await foldFacts(stored);
  const failedIds = new Set(failed);
  for (const record of found) if ('stored' in record && failedIds.has(record.stored.fact.factId)) failures.add(record.sequenceNumber);

  metrics.addMetric('ReportFactsFolded', MetricUnit.Count, added);
  if (alreadyCounted > 0) metrics.addMetric('ReportFactsAlreadyCounted', MetricUnit.Count, alreadyCounted);
  if (failures.size > 0) metrics.addMetric('ReportFactsNotFolded', MetricUnit.Count, failures.size);
  return { batchItemFailures: [...failures].map((itemIdentifier) => ({ itemIdentifier })) };
};

export const handler = middy(foldReportFacts).use(taskDefaults());
