import middy from '@middy/core';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { startReferralWorkflow } from '../adapters/workflow-starter.js';
import { newReferralsIn } from '../domain/stream-records.js';
import { taskDefaults } from '../platform/middleware.js';
import { logger, metrics } from '../platform/observability.js';

/**
 * The outbox (SPEC §9): every referral the table stores reaches its workflow, whatever happened to the
 * request that stored it. Starting by name is idempotent, so a referral the request already started,
 * or a batch delivered twice, starts nothing more. A record that cannot be started is reported on its
 * own: the event source mapping retries from it (bisecting the batch), then parks it on its on-failure
 * queue, whose depth raises an alarm.
 */
const startReferralWorkflows = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  const batchItemFailures: DynamoDBBatchResponse['batchItemFailures'] = [];
  for (const { reference, sequenceNumber } of newReferralsIn(event.Records)) {
    // In order: once one fails, later records of the shard wait for it (the mapping resumes from here).
    if (batchItemFailures.length > 0) {
      batchItemFailures.push({ itemIdentifier: sequenceNumber });
      continue;
    }
    try {
      const outcome = await startReferralWorkflow(reference);
      if (outcome === 'started') {
        metrics.addMetric('WorkflowStartedFromStream', MetricUnit.Count, 1);
        logger.info('Workflow started from the table stream', { reference });
      }
    } catch (error) {
      logger.warn('Could not start a workflow from the table stream', { reference, errorName: (error as Error).name });
      batchItemFailures.push({ itemIdentifier: sequenceNumber });
    }
  }
  if (batchItemFailures.length > 0) metrics.addMetric('WorkflowStartFailed', MetricUnit.Count, batchItemFailures.length);
  return { batchItemFailures };
};

export const handler = middy(startReferralWorkflows).use(taskDefaults());
