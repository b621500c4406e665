import { Duration, type Stack } from 'aws-cdk-lib';
import { NEW_FACT_FILTER } from '../../functions/domain/report-folding.js';
import type { OperationsAlerts } from './operations-alerts.js';
import { ReferralFunction } from './referral-function.js';
import type { PartitionGrant, ReferralStore } from './referral-store.js';
import { TableStreamConsumer } from './table-stream-consumer.js';

/**
 * What the fold reaches (functions/adapters/throughput-store.ts, foldFacts): the counted markers, read
 * in batches and put on condition, and the span totals, read in batches and updated, all in
 * transactions. Not the facts themselves (they come on the stream), nor any referral.
 */
export const REPORT_FOLD: PartitionGrant = { partitions: ['COUNTED#*', 'AGGREGATE#*'], actions: ['BatchGetItem', 'PutItem', 'UpdateItem'] };

export interface ReportFoldingProps {
  readonly store: ReferralStore;
  readonly alerts: OperationsAlerts;
}

/**
 * The commissioners' totals (SPEC §7) are folded from the table's stream (SPEC §9), off the request
 * path: the steps store facts, and this consumer adds them up a batch at a time. Created in the stack's
 * own scope (see ReferralStack).
 */
export class ReportFolding {
  constructor(stack: Stack, props: ReportFoldingProps) {
    const { store, alerts } = props;
    const fold = new ReferralFunction(stack, 'FoldReportFacts', {
      entry: 'functions/events/fold-report-facts.ts',
      description: "Adds the facts the steps store to the commissioners' report totals, each once",
      // A batch of 100 facts is a few transactions, each retried on a conflict with a growing pause.
      timeout: Duration.minutes(1),
    });
    store.bind(fold, [REPORT_FOLD]);
    new TableStreamConsumer(stack, 'ReportFacts', {
      table: store.table, consumer: fold, alerts,
      filters: [NEW_FACT_FILTER],
      // Only DynamoDB is called: an outage long enough to spend these is an outage of the table itself.
      retryAttempts: 100,
      errorsMean: "The report-facts stream consumer failed: the commissioners' report totals lag behind until it recovers (no fact is lost; they wait on the table stream).",
      parkedAlarmId: 'ReportFactsParked',
      parkedMeans: "The report-facts consumer gave up on a stretch of the table stream: report totals miss the facts stored then. Each message names the shard and sequence numbers; the FACT# items are still in the table, and folding them again counts each once.",
    });
  }
}
