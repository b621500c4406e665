import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { VICTIM_UPDATE_FILTERS } from '../../functions/domain/victim-updates.js';
import { NEW_REFERRAL_FILTER } from '../../functions/domain/stream-records.js';
import { NEW_FACT_FILTER } from '../../functions/domain/report-folding.js';
import { createReferralApp } from '../../lib/app.js';
import { HANDLER_MODULE_METADATA } from '../../lib/constructs/referral-function.js';

interface Resource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}
interface Statement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Principal?: unknown;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

const outdirs: string[] = [];
afterAll(() => outdirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
// No bundling: these tests read the template, not the code inside the assets.
const synthesize = (context: Record<string, unknown> = {}) => {
  const outdir = mkdtempSync(path.join(tmpdir(), 'referral-reliability-'));
  outdirs.push(outdir);
  return Template.fromStack(createReferralApp({ outdir, context: { 'aws:cdk:bundling-stacks': [], ...context } }).stack)
    .toJSON().Resources as Record<string, Resource>;
};
const resources = synthesize();

const list = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const idsOfType = (type: string) => Object.keys(resources).filter((id) => resources[id]!.Type === type);
const onlyIdOfType = (type: string, startingWith = ''): string => {
  const ids = idsOfType(type).filter((id) => id.startsWith(startingWith));
  expect(ids, `exactly one ${type} ${startingWith}`).toHaveLength(1);
  return ids[0]!;
};
const propertiesOf = (id: string) => resources[id]!.Properties;
const getAttId = (value: unknown) => (value as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt']?.[0];

const functionIds = idsOfType('AWS::Lambda::Function');
const functionFor = (handlerModule: string): string => {
  const id = functionIds.find((fn) => resources[fn]!.Metadata?.[HANDLER_MODULE_METADATA] === handlerModule);
  if (!id) throw new Error(`No function runs ${handlerModule}`);
  return id;
};
const environmentOf = (functionId: string) =>
  (propertiesOf(functionId).Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};

/** Every statement a function's role carries, from each policy attached to it. */
const statementsOf = (functionId: string): Statement[] => {
  const roleId = getAttId(propertiesOf(functionId).Role)!;
  return idsOfType('AWS::IAM::Policy')
    .map(propertiesOf)
    .filter((p) => (p.Roles as { Ref: string }[]).some((role) => role.Ref === roleId))
    .flatMap((p) => (p.PolicyDocument as { Statement: Statement[] }).Statement);
};
const everyIdentityStatement = (): { owner: string; statement: Statement }[] =>
  [...idsOfType('AWS::IAM::Policy'), ...idsOfType('AWS::IAM::Role')].flatMap((owner) => {
    const props = propertiesOf(owner);
    const documents = props.PolicyDocument ? [props.PolicyDocument] : list(props.Policies as { PolicyDocument: unknown }[]).map((p) => p.PolicyDocument);
    return documents.flatMap((d) => (d as { Statement: Statement[] }).Statement.map((statement) => ({ owner, statement })));
  });
const policyStatements = (type: string, resourceRef: string): Statement[] => idsOfType(type)
  .map(propertiesOf)
  .filter((p) => JSON.stringify(p.Topics ?? p.Queues).includes(`"${resourceRef}"`))
  .flatMap((p) => (p.PolicyDocument as { Statement: Statement[] }).Statement);
const keyStatements = (keyId: string) => (propertiesOf(keyId).KeyPolicy as { Statement: Statement[] }).Statement;
const servicesOf = (statement: Statement) => list((statement.Principal as { Service?: string | string[] } | undefined)?.Service);
const refusesPlainHttp = (statements: Statement[]) => statements.some((s) =>
  s.Effect === 'Deny' && JSON.stringify(s.Condition) === JSON.stringify({ Bool: { 'aws:SecureTransport': 'false' } }));

const tableId = onlyIdOfType('AWS::DynamoDB::Table');
const stateMachineId = onlyIdOfType('AWS::StepFunctions::StateMachine');
const dataKeyId = onlyIdOfType('AWS::KMS::Key', 'DataKey');
const consumerId = functionFor('functions/events/start-referral-workflows.ts');
const recorderId = functionFor('functions/events/record-email-event.ts');
const operationsTopicId = onlyIdOfType('AWS::SNS::Topic', 'OperationsTopic');
const emailEventsTopicId = onlyIdOfType('AWS::SNS::Topic', 'EmailEventsTopic');
const mappingsOf = (functionId: string) => idsOfType('AWS::Lambda::EventSourceMapping')
  .filter((id) => (propertiesOf(id).FunctionName as { Ref?: string }).Ref === functionId);
const [mappingId] = mappingsOf(consumerId);
const mapping = propertiesOf(mappingId!);
const parkedQueueOf = (properties: Record<string, unknown>) =>
  getAttId((properties.DestinationConfig as { OnFailure?: { Destination?: unknown } } | undefined)?.OnFailure?.Destination);
const failedStartsQueueId = parkedQueueOf(mapping);
const victimUpdaterId = functionFor('functions/events/send-victim-updates.ts');
const folderId = functionFor('functions/events/fold-report-facts.ts');

describe('the table stream\u2019s consumers', () => {
  it('are the outbox, the victim updates and the report fold, each with one mapping of its own on the table\u2019s stream', () => {
    const all = idsOfType('AWS::Lambda::EventSourceMapping');
    expect(all).toHaveLength(3);
    expect(mappingsOf(consumerId)).toHaveLength(1);
    expect(mappingsOf(victimUpdaterId)).toHaveLength(1);
    expect(mappingsOf(folderId)).toHaveLength(1);
    for (const id of all) expect(propertiesOf(id).EventSourceArn).toEqual({ 'Fn::GetAtt': [tableId, 'StreamArn'] });
  });

  it('give the victim-updates consumer its filters, bounded retries, bisection and a parked queue of its own', () => {
    const updates = propertiesOf(mappingsOf(victimUpdaterId)[0]!);
    const filters = (updates.FilterCriteria as { Filters: { Pattern: string }[] }).Filters.map((f) => JSON.parse(f.Pattern) as unknown);
    expect(filters).toEqual(VICTIM_UPDATE_FILTERS);
    expect(updates).toMatchObject({ StartingPosition: 'TRIM_HORIZON', BisectBatchOnFunctionError: true, FunctionResponseTypes: ['ReportBatchItemFailures'] });
    expect(updates.MaximumRetryAttempts).toBeGreaterThanOrEqual(1);
    expect(updates.MaximumRetryAttempts).toBeLessThanOrEqual(1_000);
    const parked = parkedQueueOf(updates);
    expect(resources[parked ?? '']?.Type).toBe('AWS::SQS::Queue');
    expect(parked).not.toBe(failedStartsQueueId);
  });

  it('let the victim-updates consumer send email and use the table, and start no workflow', () => {
    const actions = statementsOf(victimUpdaterId).flatMap((s) => list(s.Action));
    expect(actions).toContain('ses:SendEmail');
    expect(actions).toContain('dynamodb:GetItem');
    expect(actions.filter((a) => a.startsWith('states:'))).toEqual([]);
  });
});

describe('the report fold, a consumer of the table stream', () => {
  const fold = () => propertiesOf(mappingsOf(folderId)[0]!);

  it('is given new fact items only, by exactly the filter the domain defines, in batches of 100', () => {
    const filters = (fold().FilterCriteria as { Filters: { Pattern: string }[] }).Filters.map((f) => JSON.parse(f.Pattern) as unknown);
    expect(filters).toEqual([NEW_FACT_FILTER]);
    expect(filters).toEqual([{ eventName: ['INSERT'], dynamodb: { Keys: { pk: { S: [{ prefix: 'FACT#' }] } } } }]);
    expect(fold()).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [tableId, 'StreamArn'] }, FunctionName: { Ref: folderId }, StartingPosition: 'TRIM_HORIZON', BatchSize: 100,
      BisectBatchOnFunctionError: true, FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(fold().MaximumRetryAttempts).toBeGreaterThanOrEqual(1);
    expect(fold().MaximumRetryAttempts).toBeLessThanOrEqual(1_000);
  });

  it('parks what it gives up on in a queue of its own', () => {
    const parked = parkedQueueOf(fold());
    expect(resources[parked ?? '']?.Type).toBe('AWS::SQS::Queue');
    expect(parked).not.toBe(failedStartsQueueId);
    expect(parked).not.toBe(parkedQueueOf(propertiesOf(mappingsOf(victimUpdaterId)[0]!)));
  });

  it('reaches the counted markers and the report totals only: batch reads, puts and updates, never a referral, a scan or a delete', () => {
    const tableStatements = statementsOf(folderId).filter((s) => list(s.Action).some((a) => a.startsWith('dynamodb:') && !['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'].includes(a)));
    expect(tableStatements).toEqual([expect.objectContaining({
      Effect: 'Allow',
      Action: ['dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      Resource: { 'Fn::GetAtt': [tableId, 'Arn'] },
      Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['COUNTED#*', 'AGGREGATE#*'] } },
    })]);
    const actions = statementsOf(folderId).flatMap((s) => list(s.Action));
    expect(actions.filter((a) => a.startsWith('states:') || a.startsWith('ses:'))).toEqual([]);
  });

  it('is told the table and nothing else of the service', () => {
    const { TABLE_NAME, RETENTION_DAYS: _retention, ...rest } = environmentOf(folderId);
    expect(TABLE_NAME).toEqual({ Ref: tableId });
    expect(Object.keys(rest).filter((name) => !name.startsWith('POWERTOOLS_') && name !== 'NODE_OPTIONS')).toEqual([]);
  });
});

describe('the table stream, read by the outbox', () => {
  it('keeps a stream of every change to the one table, with old and new images for every consumer', () => {
    expect(propertiesOf(tableId).StreamSpecification).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
  });

  it('feeds the stream to the workflow starter from its oldest record, in order, in batches of 100', () => {
    expect(mapping).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [tableId, 'StreamArn'] },
      FunctionName: { Ref: consumerId },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      ParallelizationFactor: 1,
    });
    expect(mapping.MaximumBatchingWindowInSeconds).toBeGreaterThanOrEqual(1);
    expect(mapping.MaximumBatchingWindowInSeconds).toBeLessThanOrEqual(5);
  });

  it('splits a failing batch, retries it a bounded number of times and gives up on records older than a day', () => {
    expect(mapping.BisectBatchOnFunctionError).toBe(true);
    // -1 would mean "until the record expires": unbounded, and silent all that time.
    expect(mapping.MaximumRetryAttempts).toBeGreaterThanOrEqual(1);
    expect(mapping.MaximumRetryAttempts).toBeLessThanOrEqual(1_000);
    expect(mapping.MaximumRecordAgeInSeconds).toBeGreaterThanOrEqual(60);
    expect(mapping.MaximumRecordAgeInSeconds).toBeLessThanOrEqual(86_400);
  });

  it('lets the starter report the one record it could not start, so the batch resumes from there', () => {
    expect(mapping.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
  });

  it('passes the starter new referral items only, by exactly the filter the domain defines', () => {
    const filters = (mapping.FilterCriteria as { Filters: { Pattern: string }[] }).Filters;
    expect(filters).toHaveLength(1);
    expect(JSON.parse(filters[0]!.Pattern)).toEqual(NEW_REFERRAL_FILTER);
  });

  it('parks a batch it gives up on in a queue encrypted with the table key, reachable only over TLS, kept 14 days', () => {
    expect(resources[failedStartsQueueId ?? '']?.Type).toBe('AWS::SQS::Queue');
    const queue = propertiesOf(failedStartsQueueId!);
    expect(queue.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [dataKeyId, 'Arn'] });
    expect(queue.MessageRetentionPeriod).toBe(14 * 24 * 60 * 60);
    expect(refusesPlainHttp(policyStatements('AWS::SQS::QueuePolicy', failedStartsQueueId!))).toBe(true);
  });

  it('lets the starter read the stream and send to its queue, and neither read nor write the table itself', () => {
    const statements = statementsOf(consumerId);
    const actions = statements.flatMap((s) => list(s.Action));
    expect(statements).toContainEqual(expect.objectContaining({ Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': [failedStartsQueueId, 'Arn'] } }));
    expect(statements).toContainEqual(expect.objectContaining({
      Action: expect.arrayContaining(['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator']),
      Resource: { 'Fn::GetAtt': [tableId, 'StreamArn'] },
    }));
    const decrypt = statements.filter((s) => list(s.Action).includes('kms:Decrypt'));
    expect(decrypt.length).toBeGreaterThan(0);
    for (const s of decrypt) expect(s.Resource).toEqual({ 'Fn::GetAtt': [dataKeyId, 'Arn'] });
    expect(actions.filter((a) => /^dynamodb:(Get|Put|Update|Delete|Batch|Query|Scan|Transact)/.test(a) && a !== 'dynamodb:GetRecords' && a !== 'dynamodb:GetShardIterator')).toEqual([]);
    expect(actions.filter((a) => a.includes('*') && a.startsWith('kms:'))).toEqual([]);
  });

  it('lets the starter start executions of this state machine and nothing else in Step Functions', () => {
    const workflowStatements = statementsOf(consumerId).filter((s) => list(s.Action).some((a) => a.startsWith('states:') || a === '*'));
    expect(workflowStatements).toEqual([expect.objectContaining({ Effect: 'Allow', Action: 'states:StartExecution', Resource: { Ref: stateMachineId } })]);
  });

  it('tells the starter the state machine ARN exactly as the intake functions are told it, and nothing else', () => {
    const { STATE_MACHINE_ARN, ...rest } = environmentOf(consumerId);
    expect(STATE_MACHINE_ARN).toEqual(environmentOf(functionFor('functions/api/submit-referral.ts')).STATE_MACHINE_ARN);
    expect(Object.keys(rest).filter((name) => !name.startsWith('POWERTOOLS_') && name !== 'NODE_OPTIONS')).toEqual([]);
  });
});

describe('the operations topic', () => {
  const alertsKeyId = getAttId(propertiesOf(operationsTopicId).KmsMasterKeyId)!;
  const topicStatements = policyStatements('AWS::SNS::TopicPolicy', operationsTopicId);

  it('is encrypted with a rotating key of its own, not the referral data key', () => {
    expect(resources[alertsKeyId]?.Type).toBe('AWS::KMS::Key');
    expect(alertsKeyId).not.toBe(dataKeyId);
    expect(propertiesOf(alertsKeyId).EnableKeyRotation).toBe(true);
  });

  it('refuses anything published over plain HTTP', () => {
    expect(refusesPlainHttp(topicStatements)).toBe(true);
  });

  it('emails the operations mailbox, operations@referrals.example unless the operationsEmail context says otherwise', () => {
    const emailTo = (r: Record<string, Resource>, topicId: string) => Object.values(r)
      .filter((s) => s.Type === 'AWS::SNS::Subscription' && s.Properties.Protocol === 'email' && JSON.stringify(s.Properties.TopicArn) === JSON.stringify({ Ref: topicId }))
      .map((s) => s.Properties.Endpoint);
    expect(emailTo(resources, operationsTopicId)).toEqual(['operations@referrals.example']);
    const other = synthesize({ operationsEmail: 'duty-desk@stalking-referrals.example' });
    expect(emailTo(other, Object.keys(other).find((id) => id.startsWith('OperationsTopic') && other[id]!.Type === 'AWS::SNS::Topic')!))
      .toEqual(['duty-desk@stalking-referrals.example']);
  });

  it('lets this account’s CloudWatch alarms and this stack’s workflow rule publish, and lets both services use its key', () => {
    const alarms = topicStatements.find((s) => s.Effect === 'Allow' && servicesOf(s).includes('cloudwatch.amazonaws.com'));
    expect(alarms?.Action).toBe('sns:Publish');
    expect(alarms?.Condition?.StringEquals).toEqual({ 'aws:SourceAccount': { Ref: 'AWS::AccountId' } });
    expect(JSON.stringify(alarms?.Condition?.ArnLike)).toContain(':alarm:*');

    const rule = topicStatements.find((s) => s.Effect === 'Allow' && servicesOf(s).includes('events.amazonaws.com'));
    expect(rule?.Action).toBe('sns:Publish');
    expect(rule?.Condition).toEqual({ ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [onlyIdOfType('AWS::Events::Rule'), 'Arn'] } } });

    for (const service of ['cloudwatch.amazonaws.com', 'events.amazonaws.com']) {
      const grant = keyStatements(alertsKeyId).find((s) => s.Effect === 'Allow' && servicesOf(s).includes(service));
      expect(list(grant?.Action), service).toEqual(expect.arrayContaining(['kms:Decrypt', 'kms:GenerateDataKey*']));
    }
  });

  const publishers = ['functions/workflow/notify-team.ts', 'functions/workflow/notify-coordinator.ts', 'functions/workflow/escalate-assignment.ts',
    'functions/workflow/reroute-assignment.ts', 'functions/events/record-email-event.ts'];

  it('may be published to only by the notify, escalate, re-route and email-event functions', () => {
    const publisherRoles = new Set(publishers.map((entry) => getAttId(propertiesOf(functionFor(entry)).Role)));
    const publishing = everyIdentityStatement().filter(({ statement }) => list(statement.Action).some((a) => a === 'sns:Publish' || a === 'sns:*' || a === '*'));
    const owners = new Set(publishing.map(({ owner }) => list(propertiesOf(owner).Roles as { Ref: string }[])[0]?.Ref));
    expect(owners).toEqual(publisherRoles);
    for (const { owner, statement } of publishing) {
      expect(statement.Action, owner).toBe('sns:Publish');
      expect(statement.Resource, owner).toEqual({ Ref: operationsTopicId });
    }
  });

  it('is named to those functions, and to them only, by the same OPERATIONS_TOPIC_ARN', () => {
    const told = functionIds.filter((id) => 'OPERATIONS_TOPIC_ARN' in environmentOf(id)).sort();
    expect(told).toEqual(publishers.map(functionFor).sort());
    for (const id of told) expect(environmentOf(id).OPERATIONS_TOPIC_ARN, id).toEqual({ Ref: operationsTopicId });
  });

  it('lets its publishers use its key for exactly the two calls publishing needs', () => {
    for (const entry of publishers) {
      const onKey = statementsOf(functionFor(entry)).filter((s) => JSON.stringify(s.Resource) === JSON.stringify({ 'Fn::GetAtt': [alertsKeyId, 'Arn'] }));
      expect(onKey.flatMap((s) => list(s.Action)).sort(), entry).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    }
  });
});

describe('alarms', () => {
  const alarms = idsOfType('AWS::CloudWatch::Alarm').map(propertiesOf);
  const alarmsOn = (namespace: string, metricName: string) => alarms.filter((a) => a.Namespace === namespace && a.MetricName === metricName);
  const dimensionsOf = (alarm: Record<string, unknown>) =>
    Object.fromEntries((alarm.Dimensions as { Name: string; Value: unknown }[]).map((d) => [d.Name, d.Value]));

  it('tells operations from every alarm, on one breaching period of one to five minutes, and stays quiet without data', () => {
    expect(alarms.length).toBeGreaterThan(functionIds.length);
    for (const alarm of alarms) {
      const label = String(alarm.MetricName);
      expect(alarm.AlarmActions, label).toEqual([{ Ref: operationsTopicId }]);
      expect(alarm.EvaluationPeriods, label).toBe(1);
      expect(alarm.Period, label).toBeGreaterThanOrEqual(60);
      expect(alarm.Period, label).toBeLessThanOrEqual(300);
      expect(alarm.TreatMissingData, label).toBe('notBreaching');
      expect(String(alarm.AlarmDescription ?? '').length, `${label} says what it means`).toBeGreaterThan(40);
    }
  });

  it.each(['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted'])('alarms on a single workflow execution counted in %s', (metricName) => {
    const [alarm, ...more] = alarmsOn('AWS/States', metricName);
    expect(more).toEqual([]);
    expect(dimensionsOf(alarm!)).toEqual({ StateMachineArn: { Ref: stateMachineId } });
    expect(alarm).toMatchObject({ Statistic: 'Sum', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
  });

  it('alarms on the errors of every function in the stack, each its own alarm', () => {
    const watched = alarmsOn('AWS/Lambda', 'Errors').map((a) => (dimensionsOf(a).FunctionName as { Ref: string }).Ref);
    expect(watched.sort()).toEqual([...functionIds].sort());
    for (const alarm of alarmsOn('AWS/Lambda', 'Errors')) {
      expect(alarm.Statistic).toBe('Sum');
      expect(alarm.Threshold).toBeGreaterThanOrEqual(1);
    }
  });

  it('alarms on server errors the HTTP API answers on its $default stage', () => {
    const [alarm, ...more] = alarmsOn('AWS/ApiGateway', '5xx');
    expect(more).toEqual([]);
    expect(dimensionsOf(alarm!)).toEqual({ ApiId: { Ref: onlyIdOfType('AWS::ApiGatewayV2::Api') }, Stage: '$default' });
    expect(alarm!.Statistic).toBe('Sum');
  });

  it('alarms on the first error of the stream consumer, which reports failed records rather than throwing', () => {
    const consumer = alarmsOn('AWS/Lambda', 'Errors').find((a) => JSON.stringify(dimensionsOf(a).FunctionName) === JSON.stringify({ Ref: consumerId }));
    expect(consumer).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
  });

  it('alarms as soon as one batch waits on any consumer\u2019s parked queue', () => {
    const alarms = alarmsOn('AWS/SQS', 'ApproximateNumberOfMessagesVisible');
    const parkedQueues = [failedStartsQueueId, ...[victimUpdaterId, folderId].map((id) => parkedQueueOf(propertiesOf(mappingsOf(id)[0]!)))];
    expect(alarms.map((alarm) => dimensionsOf(alarm))).toEqual(expect.arrayContaining(parkedQueues.map((id) => ({ QueueName: { 'Fn::GetAtt': [id, 'QueueName'] } }))));
    expect(alarms).toHaveLength(3);
    for (const alarm of alarms) expect(alarm).toMatchObject({ Statistic: 'Maximum', Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
  });
});

describe('the rule for workflow runs that end unfinished', () => {
  const rule = propertiesOf(onlyIdOfType('AWS::Events::Rule'));
  const targets = rule.Targets as { Arn: unknown; Input?: unknown; InputPath?: unknown; InputTransformer?: { InputPathsMap: Record<string, string>; InputTemplate: string } }[];

  it('matches executions of this state machine that failed, timed out or were aborted', () => {
    expect(rule.State).toBe('ENABLED');
    expect(rule.EventPattern).toEqual({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [{ Ref: stateMachineId }] },
    });
  });

  it('tells the operations topic the execution’s name, ARN and status, and never its input or output', () => {
    expect(targets).toHaveLength(1);
    const [target] = targets;
    expect(target!.Arn).toEqual({ Ref: operationsTopicId });
    expect(target!.Input).toBeUndefined();
    expect(target!.InputPath).toBeUndefined();
    const paths = Object.values(target!.InputTransformer!.InputPathsMap);
    expect(paths.sort()).toEqual(['$.detail.executionArn', '$.detail.name', '$.detail.status']);
    expect(JSON.stringify(target)).not.toContain('$.detail.input');
    expect(JSON.stringify(target)).not.toContain('$.detail.output');
    for (const key of Object.keys(target!.InputTransformer!.InputPathsMap)) expect(target!.InputTransformer!.InputTemplate).toContain(`<${key}>`);
  });
});

describe('email that did not arrive', () => {
  const destination = propertiesOf(onlyIdOfType('AWS::SES::ConfigurationSetEventDestination'));
  const { EventDestination: eventDestination } = destination as { EventDestination: Record<string, unknown> };

  it('sends the configuration set’s bounces, complaints, rejections, rendering failures and delays to the email events topic', () => {
    expect(destination.ConfigurationSetName).toEqual({ Ref: onlyIdOfType('AWS::SES::ConfigurationSet') });
    expect(eventDestination.Enabled).toBe(true);
    expect(eventDestination.SnsDestination).toEqual({ TopicARN: { Ref: emailEventsTopicId } });
    expect([...(eventDestination.MatchingEventTypes as string[])].sort()).toEqual(['bounce', 'complaint', 'deliveryDelay', 'reject', 'renderingFailure']);
  });

  it('lets SES publish to that topic only for this account and configuration set, over TLS, with the alerts key', () => {
    const statements = policyStatements('AWS::SNS::TopicPolicy', emailEventsTopicId);
    expect(refusesPlainHttp(statements)).toBe(true);
    const ses = statements.filter((s) => s.Effect === 'Allow');
    expect(ses).toHaveLength(1);
    expect(servicesOf(ses[0]!)).toEqual(['ses.amazonaws.com']);
    expect(ses[0]!.Action).toBe('sns:Publish');
    expect(Object.keys(ses[0]!.Condition?.StringEquals ?? {}).map((k) => k.toLowerCase())).toEqual(expect.arrayContaining(['aws:sourceaccount', 'aws:sourcearn']));
    const keyId = getAttId(propertiesOf(emailEventsTopicId).KmsMasterKeyId)!;
    expect(keyId).toBe(getAttId(propertiesOf(operationsTopicId).KmsMasterKeyId));
    const keyGrant = keyStatements(keyId).find((s) => servicesOf(s).includes('ses.amazonaws.com'));
    expect(list(keyGrant?.Action)).toEqual(expect.arrayContaining(['kms:Decrypt', 'kms:GenerateDataKey*']));
  });

  it('delivers every event on the topic to RecordEmailEvent, which SNS may invoke for that topic only', () => {
    const subscriptions = idsOfType('AWS::SNS::Subscription').map(propertiesOf).filter((s) => JSON.stringify(s.TopicArn) === JSON.stringify({ Ref: emailEventsTopicId }));
    expect(subscriptions).toEqual([{ Protocol: 'lambda', TopicArn: { Ref: emailEventsTopicId }, Endpoint: { 'Fn::GetAtt': [recorderId, 'Arn'] } }]);
    const permissions = idsOfType('AWS::Lambda::Permission').map(propertiesOf).filter((p) => p.Principal === 'sns.amazonaws.com');
    expect(permissions).toEqual([expect.objectContaining({ FunctionName: { 'Fn::GetAtt': [recorderId, 'Arn'] }, SourceArn: { Ref: emailEventsTopicId } })]);
  });

  it('gives RecordEmailEvent what NotifyCoordinator has (table, mail, portal, email as the service), plus the operations topic', () => {
    const coordinator = functionFor('functions/workflow/notify-coordinator.ts');
    expect(environmentOf(recorderId)).toEqual({ ...environmentOf(coordinator), OPERATIONS_TOPIC_ARN: { Ref: operationsTopicId } });
    const sesOf = (id: string) => statementsOf(id).filter((s) => list(s.Action).some((a) => a.startsWith('ses:')));
    expect(sesOf(recorderId)).toEqual(sesOf(coordinator));
    const tableActions = (id: string) => statementsOf(id).filter((s) => JSON.stringify(s.Resource).includes(tableId)).flatMap((s) => list(s.Action)).sort();
    expect(tableActions(recorderId)).toEqual(tableActions(coordinator));
  });
});
