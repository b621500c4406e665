import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { OperationsAlerts } from './operations-alerts.js';

export interface TableStreamConsumerProps {
  /** The referral table, its stream on and encrypted with a customer managed key. */
  readonly table: dynamodb.Table;
  readonly consumer: lambda.Function;
  /** Lambda event filters (any one matches): the consumer is invoked only for the records it acts on. */
  readonly filters: readonly Record<string, unknown>[];
  /** Retries before a batch is parked: sized so an outage of what the consumer calls is waited out. */
  readonly retryAttempts: number;
  readonly alerts: OperationsAlerts;
  /** What an error of the consumer means, for the alarm a person reads. */
  readonly errorsMean: string;
  /** What a parked stretch of the stream means and what to do about it. */
  readonly parkedMeans: string;
  /** The alarm's id for parked records. */
  readonly parkedAlarmId: string;
}

/**
 * One consumer of the table's stream (SPEC §9, "the stream is the backbone"): in order, one batch at a
 * time, failures reported per record and bisected, bounded retries, and what it still cannot handle
 * parked on a queue whose depth raises an alarm. Each consumer has its own mapping and its own place in
 * the stream, so one that is stuck holds up no other.
 */
export class TableStreamConsumer extends Construct {
  /** Where the event source mapping records the stretches of the stream it gave up on. */
  readonly parked: sqs.Queue;

  constructor(scope: Construct, id: string, props: TableStreamConsumerProps) {
    super(scope, id);
    const { table, consumer, alerts } = props;
    const key = table.encryptionKey;
    if (!key) throw new Error('A stream consumer reads an encrypted table: give the table a customer managed key');

    // The mapping records which shard and sequence numbers it gave up on, not the records themselves;
    // they describe the table's stream, so the table's key protects them.
    this.parked = new sqs.Queue(this, 'Parked', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.parked).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the on-failure destination of a table stream mapping; its messages are read by a person after its depth alarm, never by a consumer that could fail them on again.',
    });

    const onFailure: lambda.IEventSourceDlq = {
      bind: () => {
        // Lambda sends to the queue as the function: SendMessage, and the two key calls an encrypted
        // queue needs from a producer (SqsDlq would grant GenerateDataKey* and ReEncrypt* as well).
        consumer.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.parked.queueArn] }));
        consumer.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [key.keyArn] }));
        return { destination: this.parked.queueArn };
      },
    };
    consumer.addEventSource(new DynamoEventSource(table, {
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      batchSize: 100,
      maxBatchingWindow: Duration.seconds(1),
      // One shard, one batch at a time: records are handled in the order they were written.
      parallelizationFactor: 1,
      reportBatchItemFailures: true,
      bisectBatchOnError: true,
      retryAttempts: props.retryAttempts,
      // The stream keeps a record for 24 hours; a record older than that is gone from it anyway.
      maxRecordAge: Duration.days(1),
      onFailure,
      filters: props.filters.map((filter) => lambda.FilterCriteria.filter(filter)),
    }));

    // The consumer reports a record it could not handle rather than throwing, so any error is news.
    alerts.watchErrors(consumer, { threshold: 1, description: props.errorsMean });
    alerts.alarm(props.parkedAlarmId, this.parked.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(5),
      statistic: cloudwatch.Stats.MAXIMUM,
    }), {
      threshold: 0,
      comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      description: props.parkedMeans,
    });
  }
}
