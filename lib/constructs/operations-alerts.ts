import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

/** The environment variable the handlers' `alertOperations` reads. */
export const OPERATIONS_TOPIC_ENV = 'OPERATIONS_TOPIC_ARN';

/** Workflow run endings that leave a referral without its journey finished. */
export const UNFINISHED_EXECUTION_STATUSES = ['FAILED', 'TIMED_OUT', 'ABORTED'] as const;

// One error is usually a transient fault that the workflow or the caller retries (SPEC §10: absorbed,
// not escalated); this many within one five-minute period is a fault that is not going away.
const A_RUN_OF_ERRORS = 3;

export interface OperationsAlertsProps {
  /** SNS first sends this mailbox a confirmation link: nothing is delivered until someone follows it. */
  readonly operationsEmail: string;
}

export interface AlarmOptions {
  readonly threshold: number;
  /** What it means and where to look: the alarm's email carries it. */
  readonly description: string;
  readonly comparison?: cloudwatch.ComparisonOperator;
}

/**
 * Someone is always told (SPEC §9): alarms, workflow runs that end unfinished and undeliverable email
 * all reach the operations topic, which emails the operations mailbox. Handlers publish to it through
 * SNS rather than through our own SES sending, so an alert still arrives when SES is what failed.
 */
export class OperationsAlerts extends Construct {
  /** Encrypts the alert topics; the AWS services that publish to them are allowed to use it. */
  readonly key: kms.Key;
  readonly topic: sns.Topic;
  private readonly notify: cloudwatch.IAlarmAction;
  private readonly watched = new Set<lambda.IFunction>();

  constructor(scope: Construct, id: string, props: OperationsAlertsProps) {
    super(scope, id);
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(props.operationsEmail)) {
      throw new Error(`operationsEmail must be an email address, not "${props.operationsEmail}"`);
    }
    const stack = Stack.of(this);

    this.key = new kms.Key(this, 'AlertsKey', {
      description: 'Encrypts operations alerts and email delivery events',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // An AWS service can publish to a topic encrypted with a customer managed key only if the key's
    // policy lets it (SNS: "compatibility between event sources from AWS services and encrypted topics").
    // No source conditions on the key: AWS documents none for EventBridge's use of it, and an alert the
    // key refused would be lost without a sound. The topic policies below carry the conditions instead.
    this.key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AlarmsAndEventBridgeRulesPublishToAlertTopics',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com'), new iam.ServicePrincipal('events.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
    }));

    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'Referral service operations',
      masterKey: this.key,
      enforceSSL: true,
    });
    new sns.Subscription(this, 'Mailbox', {
      topic: this.topic,
      protocol: sns.SubscriptionProtocol.EMAIL,
      endpoint: props.operationsEmail,
    });
    // Only this account's alarms: once the topic has a policy, SNS's default one (which let them in) is gone.
    this.topic.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'ThisAccountsAlarmsPublish',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [this.topic.topicArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
      },
    }));
    this.notify = new cloudwatchActions.SnsAction(this.topic);
  }

  /**
   * Lets a function tell operations: the topic's ARN in its environment and leave to publish to this
   * topic only, in one call, so a function never has one without the other.
   */
  bind(fn: lambda.Function): void {
    fn.addEnvironment(OPERATIONS_TOPIC_ENV, this.topic.topicArn);
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [this.topic.topicArn] }));
    // The two calls SNS makes for a publisher to an encrypted topic; grantPublish would add GenerateDataKey*.
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [this.key.keyArn] }));
  }

  /** An alarm that emails operations once its one evaluation period breaches; no data is no news. */
  alarm(id: string, metric: cloudwatch.IMetric, options: AlarmOptions): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      metric,
      threshold: options.threshold,
      comparisonOperator: options.comparison ?? cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: options.description,
    });
    alarm.addAlarmAction(this.notify);
    return alarm;
  }

  /** Alarms on a function's errors; a function watched this way keeps its own threshold. */
  watchErrors(fn: lambda.Function, options: { threshold: number; description: string }): cloudwatch.Alarm {
    this.watched.add(fn);
    return this.alarm(`${fn.node.id}Errors`, fn.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }), options);
  }

  /** Alarms on the errors of every function under `scope` not already watched, so none is forgotten. */
  watchEveryFunction(scope: Construct): void {
    const functions = scope.node.findAll().filter((c): c is lambda.Function => c instanceof lambda.Function && !this.watched.has(c));
    for (const fn of functions) {
      this.watchErrors(fn, {
        threshold: A_RUN_OF_ERRORS,
        description: `${fn.node.id} failed ${A_RUN_OF_ERRORS} or more times in five minutes. Its log group says why (error names and references only).`,
      });
    }
  }

  /** Server errors answered by the API: a victim or an agency saw a failure page. */
  watchApi(stage: apigw.HttpStage): cloudwatch.Alarm {
    return this.alarm('ApiServerErrors', stage.metricServerError({ period: Duration.minutes(5) }), {
      threshold: A_RUN_OF_ERRORS,
      description: `The HTTP API answered ${A_RUN_OF_ERRORS} or more requests with a 5xx in five minutes. The access log gives the routes; the functions' logs the errors.`,
    });
  }

  /**
   * A flood of referrals (SPEC §8, abuse): the JSON API and the online form each count `ReferralReceived`
   * for a referral they store. Per-client limits (lib/edge-protection-stack.ts) stop one client; this
   * tells a person when many together, or one the limits miss, send far more than victims do.
   */
  watchReferralRate(threshold: number): cloudwatch.Alarm {
    const received = new cloudwatch.Metric({
      namespace: 'StalkingReferrals',
      metricName: 'ReferralReceived',
      dimensionsMap: { service: 'referral-service' },
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(5),
    });
    return this.alarm('UnusualReferralRate', received, {
      threshold,
      description: `${threshold} or more referrals were received in five minutes, far above the usual rate: a flood of submissions, or a partner system resending. Teams are emailed for each; check the API access log's routes and the WAF web ACL's blocked counts.`,
    });
  }

  /**
   * Every run of the workflow that ends unfinished is counted by an alarm and told one by one by an
   * EventBridge rule, which says which run. The rule passes on the run's name, ARN and status only:
   * an execution's input must never reach an email.
   */
  watchWorkflow(stateMachine: sfn.StateMachine): void {
    const period = Duration.minutes(1);
    const alarms: [string, cloudwatch.Metric, string][] = [
      ['WorkflowExecutionsFailed', stateMachine.metricFailed({ period }), 'failed'],
      ['WorkflowExecutionsTimedOut', stateMachine.metricTimedOut({ period }), 'timed out'],
      ['WorkflowExecutionsAborted', stateMachine.metricAborted({ period }), 'were aborted'],
    ];
    for (const [id, metric, ended] of alarms) {
      this.alarm(id, metric, {
        threshold: 1,
        description: `Referral workflow executions ${ended}: a referral's journey stopped before its end. The operations emails name each execution.`,
      });
    }

    const rule = new events.Rule(this, 'WorkflowEndedUnfinished', {
      description: 'Tells operations about each referral workflow run that failed, timed out or was aborted',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { status: [...UNFINISHED_EXECUTION_STATUSES], stateMachineArn: [stateMachine.stateMachineArn] },
      },
    });
    const message = events.RuleTargetInput.fromText(
      `Referral workflow run ${events.EventField.fromPath('$.detail.name')} ended ${events.EventField.fromPath('$.detail.status')}. `
      + `Its execution history says which step stopped it and why: ${events.EventField.fromPath('$.detail.executionArn')}`);
    // A target of our own rather than SnsTopic's, which grants EventBridge the topic with no condition.
    rule.addTarget({ bind: () => ({ arn: this.topic.topicArn, input: message }) });
    this.topic.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'WorkflowRulePublishes',
      principals: [new iam.ServicePrincipal('events.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [this.topic.topicArn],
      conditions: { ArnEquals: { 'aws:SourceArn': rule.ruleArn } },
    }));
  }
}
