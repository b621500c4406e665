import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { NEW_REFERRAL_FILTER } from '../../functions/domain/stream-records.js';
import type { OperationsAlerts } from './operations-alerts.js';

export interface ReferralOutboxProps {
  /** The referral table, its stream on and encrypted with a customer managed key. */
  readonly table: dynamodb.Table;
  readonly stateMachine: sfn.StateMachine;
  /** The stream consumer: starts the workflow of each new referral it is given. */
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
    const { table, stateMachine, starter, alerts } = props;
    const key = table.encryptionKey;
    if (!key) throw new Error('The outbox reads an encrypted table: give the table a customer managed key');

    // The mapping records which shard and sequence numbers it gave up on, not the records themselves;
    // they describe the table's stream, so the table's key protects them.
    this.failedStarts = new sqs.Queue(this, 'FailedStarts', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.failedStarts).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the on-failure destination of the outbox stream mapping; its messages are read by a person after its depth alarm, never by a consumer that could fail them on again.',
    });

    stateMachine.grantStartExecution(starter);
    const onFailure: lambda.IEventSourceDlq = {
      bind: () => {
        // Lambda sends to the queue as the function: SendMessage, and the two key calls an encrypted
        // queue needs from a producer (SqsDlq would grant GenerateDataKey* and ReEncrypt* as well).
        starter.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.failedStarts.queueArn] }));
        starter.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [key.keyArn] }));
        return { destination: this.failedStarts.queueArn };
      },
    };
    starter.addEventSource(new DynamoEventSource(table, {
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      batchSize: 100,
      maxBatchingWindow: Duration.seconds(1),
      // One shard, one batch at a time: referrals start in the order they were stored.
      parallelizationFactor: 1,
      reportBatchItemFailures: true,
      bisectBatchOnError: true,
      // Bounded, but enough that an outage of the workflow service is waited out rather than parked:
      // the only way a start fails is Step Functions being unreachable or throttling.
      retryAttempts: 100,
      // The stream keeps a record for 24 hours; a record older than that is gone from it anyway.
      maxRecordAge: Duration.days(1),
      onFailure,
      filters: [lambda.FilterCriteria.filter(NEW_REFERRAL_FILTER)],
    }));

    // The consumer reports a record it could not start rather than throwing, so any error is news.
    alerts.watchErrors(starter, {
      threshold: 1,
      description: 'The outbox stream consumer failed: new referrals wait on the table stream until it recovers or their batch is parked on the failed-starts queue.',
    });
    alerts.alarm('OutboxFailedStartsWaiting', this.failedStarts.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(5),
      statistic: cloudwatch.Stats.MAXIMUM,
    }), {
      threshold: 0,
      comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      description: 'The outbox gave up on a stretch of the table stream: a stored referral may have no workflow. Each message names the shard and sequence numbers; start the workflows of the referrals stored then (starting by reference is idempotent).',
    });
  }
}
