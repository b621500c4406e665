import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { NEW_REFERRAL_FILTER } from '../../functions/domain/stream-records.js';
import type { OperationsAlerts } from './operations-alerts.js';
import { TableStreamConsumer } from './table-stream-consumer.js';

export interface ReferralOutboxProps {
  /** The referral table, its stream on and encrypted with a customer managed key. */
  readonly table: dynamodb.Table;
  /** The stream consumer: starts the workflow of each new referral it is given (bound to it already). */
  readonly starter: lambda.Function;
  readonly alerts: OperationsAlerts;
}

/**
 * The outbox (SPEC §9, "the table's stream is the backbone"): every referral the table stores reaches
 * its workflow through the table's stream, whatever became of the request that stored it. A batch that
 * still fails after its retries is parked on a queue whose depth raises an alarm.
 */
export class ReferralOutbox extends Construct {
  /** Where the event source mapping records the stretches of the stream it gave up on. */
  readonly failedStarts: sqs.Queue;

  constructor(scope: Construct, id: string, props: ReferralOutboxProps) {
    super(scope, id);
    const { table, starter, alerts } = props;
    this.failedStarts = new TableStreamConsumer(this, 'Starts', {
      table, consumer: starter, alerts,
      filters: [NEW_REFERRAL_FILTER],
      // Bounded, but enough that an outage of the workflow service is waited out rather than parked:
      // the only way a start fails is Step Functions being unreachable or throttling.
      retryAttempts: 100,
      errorsMean: 'The outbox stream consumer failed: new referrals wait on the table stream until it recovers or their batch is parked on the failed-starts queue.',
      parkedAlarmId: 'OutboxFailedStartsWaiting',
      parkedMeans: 'The outbox gave up on a stretch of the table stream: a stored referral may have no workflow. Each message names the shard and sequence numbers; start the workflows of the referrals stored then (starting by reference is idempotent).',
    }).parked;
  }
}
