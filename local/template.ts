import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { HANDLER_MODULE_METADATA } from '../lib/handler-module.js';

/** The parts of a CloudFormation template the local cloud reads. */
export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}
export interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
}

export const LOCAL_REGION = 'eu-west-2';
export const LOCAL_ACCOUNT = '000000000000';

/** The stack the local cloud runs (lib/app.ts's STACK_NAME, named here so reading it needs no CDK). */
export const LOCAL_STACK_NAME = 'StalkingReferralService';

/**
 * Synthesizes the CDK app exactly as `cdk synth` does, minus asset bundling (the local cloud runs the
 * handler modules directly), and returns the stack's template. aws-cdk-lib is loaded only here, when
 * a synthesis is due: a start that finds its template cached never pays for it (local/template-cache.ts).
 */
export async function synthesizeTemplate(outdir: string): Promise<CfnTemplate> {
  const { createReferralApp, STACK_NAME } = await import('../lib/app.js');
  if (STACK_NAME !== LOCAL_STACK_NAME) throw new Error(`The app's stack is ${STACK_NAME}; the local cloud reads ${LOCAL_STACK_NAME}`);
  const { app } = createReferralApp({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
  app.synth();
  return readTemplate(outdir);
}

export function readTemplate(outdir: string): CfnTemplate {
  return JSON.parse(readFileSync(path.join(outdir, `${LOCAL_STACK_NAME}.template.json`), 'utf8')) as CfnTemplate;
}

export const localLambdaArn = (logicalId: string) => `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${logicalId}`;
export const localStateMachineArn = (logicalId: string) => `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${logicalId}`;
export const localTopicArn = (name: string) => `arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${name}`;
/** DynamoDB Local names its stream only once the table exists; the local cloud reads it from there. */
export const LOCAL_STREAM_ARN_PLACEHOLDER = 'local:table-stream';

/**
 * Resolves the intrinsic functions the stack uses into the local cloud's names: a table is called by
 * its logical id, a function's ARN ends in its logical id, the API's endpoint is the local gateway.
 */
export function resolveIntrinsics(value: unknown, template: CfnTemplate, gatewayUrl: string): unknown {
  const resolve = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(resolve);
    if (v === null || typeof v !== 'object') return v;
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length === 1) {
      const [fn, arg] = entries[0]!;
      if (fn === 'Ref') return ref(String(arg));
      if (fn === 'Fn::GetAtt') {
        const [id, attribute] = arg as [string, string];
        return getAtt(id, attribute);
      }
      if (fn === 'Fn::Join') {
        const [separator, parts] = arg as [string, unknown[]];
        return (resolve(parts) as unknown[]).map(String).join(separator);
      }
      if (fn === 'Fn::Select') {
        const [index, list] = arg as [number, unknown[]];
        return (resolve(list) as unknown[])[Number(index)];
      }
      if (fn === 'Fn::Split') {
        const [separator, source] = arg as [string, unknown];
        return String(resolve(source)).split(separator);
      }
      if (fn.startsWith('Fn::')) throw new Error(`The local cloud cannot resolve ${fn}`);
    }
    return Object.fromEntries(entries.map(([k, inner]) => [k, resolve(inner)]));
  };
  const ref = (id: string): string => {
    if (id === 'AWS::Region') return LOCAL_REGION;
    if (id === 'AWS::AccountId') return LOCAL_ACCOUNT;
    if (id === 'AWS::Partition') return 'aws';
    if (id === 'AWS::URLSuffix') return 'amazonaws.com';
    if (id === 'AWS::StackName') return 'local';
    const resource = template.Resources[id];
    if (!resource) throw new Error(`Ref to unknown resource ${id}`);
    if (resource.Type === 'AWS::StepFunctions::StateMachine') return localStateMachineArn(String(resource.Properties?.StateMachineName ?? id));
    if (resource.Type === 'AWS::Lambda::Function') return id;
    if (resource.Type === 'AWS::SNS::Topic') return localTopicArn(String(resource.Properties?.TopicName ?? id));
    return id;
  };
  const getAtt = (id: string, attribute: string): string => {
    const resource = template.Resources[id];
    if (!resource) throw new Error(`GetAtt on unknown resource ${id}`);
    if (resource.Type === 'AWS::Lambda::Function' && attribute === 'Arn') return localLambdaArn(id);
    if (resource.Type === 'AWS::ApiGatewayV2::Api' && attribute === 'ApiEndpoint') return gatewayUrl;
    if (resource.Type === 'AWS::DynamoDB::Table' && attribute === 'Arn') return `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT}:table/${id}`;
    if (resource.Type === 'AWS::DynamoDB::Table' && attribute === 'StreamArn') return LOCAL_STREAM_ARN_PLACEHOLDER;
    return `arn:aws:local:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${id}/${attribute}`;
  };
  return resolve(value);
}

export interface LocalFunction {
  readonly logicalId: string;
  readonly arn: string;
  readonly handlerModule: string;
  readonly environment: Record<string, string>;
}

export interface LocalRoute {
  readonly method: string;
  readonly path: string;
  readonly functionLogicalId: string;
}

/** A Lambda event source mapping on the table's stream, as the template configures it. */
export interface LocalStreamMapping {
  readonly logicalId: string;
  readonly functionArn: string;
  readonly batchSize: number;
  readonly startingPosition: 'TRIM_HORIZON' | 'LATEST';
  readonly bisectBatchOnFunctionError: boolean;
  /** -1: until the record expires, as in AWS. */
  readonly maximumRetryAttempts: number;
  readonly maximumRecordAgeInSeconds: number;
  readonly reportBatchItemFailures: boolean;
  /** Event filter patterns (a record passes when it matches any); none means every record. */
  readonly filters: Record<string, unknown>[];
  /** Where records go when their retries are spent (a queue ARN in AWS; logged and kept locally). */
  readonly onFailure?: string;
}

/** What the local cloud needs from the template, all read from the one definition CDK deploys. */
export interface LocalStack {
  readonly table: { logicalId: string; properties: Record<string, unknown> };
  readonly stateMachine: { logicalId: string; arn: string; definition: Record<string, unknown> };
  readonly functions: LocalFunction[];
  readonly routes: LocalRoute[];
  readonly streamMappings: LocalStreamMapping[];
  /** The whole template, for the emulator pieces that read their own parts of it (topics, email events). */
  readonly template: CfnTemplate;
}

function onlyResource(template: CfnTemplate, type: string): [string, CfnResource] {
  const found = Object.entries(template.Resources).filter(([, r]) => r.Type === type);
  if (found.length !== 1) throw new Error(`Expected exactly one ${type} in the template, found ${found.length}`);
  return found[0]!;
}

export function readLocalStack(template: CfnTemplate, gatewayUrl: string): LocalStack {
  const [tableId, table] = onlyResource(template, 'AWS::DynamoDB::Table');
  const [machineId, machine] = onlyResource(template, 'AWS::StepFunctions::StateMachine');
  const definitionString = resolveIntrinsics(machine.Properties?.DefinitionString, template, gatewayUrl);
  if (typeof definitionString !== 'string') throw new Error('State machine has no DefinitionString');

  const functions = Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::Lambda::Function' && r.Metadata?.[HANDLER_MODULE_METADATA])
    .map(([logicalId, r]): LocalFunction => {
      const variables = (r.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
      return {
        logicalId,
        arn: localLambdaArn(logicalId),
        handlerModule: String(r.Metadata![HANDLER_MODULE_METADATA]),
        environment: resolveIntrinsics(variables, template, gatewayUrl) as Record<string, string>,
      };
    });

  const integrations = new Map(Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::ApiGatewayV2::Integration')
    .map(([id, r]) => {
      const uri = r.Properties?.IntegrationUri as { 'Fn::GetAtt'?: [string, string] } | undefined;
      return [id, uri?.['Fn::GetAtt']?.[0]] as const;
    }));
  const routes = Object.values(template.Resources)
    .filter((r) => r.Type === 'AWS::ApiGatewayV2::Route')
    .map((r): LocalRoute => {
      const [method, routePath] = String(r.Properties?.RouteKey).split(' ') as [string, string];
      const target = resolveTarget(r.Properties?.Target);
      const functionLogicalId = integrations.get(target);
      if (!functionLogicalId) throw new Error(`Route ${method} ${routePath} has no Lambda integration`);
      // No route has an API Gateway authorizer (the agency functions verify their tokens themselves, SPEC §8):
      // one appearing must not be served locally as if it were open.
      if (r.Properties?.AuthorizerId !== undefined) throw new Error(`Route ${method} ${routePath} names an authorizer, which the local gateway does not emulate`);
      return { method, path: routePath, functionLogicalId };
    });

  return {
    streamMappings: readStreamMappings(template, tableId),
    template,
    table: { logicalId: tableId, properties: table.Properties ?? {} },
    stateMachine: {
      logicalId: machineId,
      arn: localStateMachineArn(String(machine.Properties?.StateMachineName ?? machineId)),
      definition: JSON.parse(definitionString),
    },
    functions,
    routes,
  };
}

function readStreamMappings(template: CfnTemplate, tableId: string): LocalStreamMapping[] {
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::Lambda::EventSourceMapping')
    .map(([logicalId, r]): LocalStreamMapping => {
      const p = r.Properties ?? {};
      const source = (p.EventSourceArn as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt'];
      if (!source || source[0] !== tableId || source[1] !== 'StreamArn') {
        throw new Error(`Event source mapping ${logicalId}: the local cloud runs mappings on the table's stream only`);
      }
      const functionRef = (p.FunctionName as { Ref?: string } | undefined)?.Ref;
      if (!functionRef) throw new Error(`Event source mapping ${logicalId} does not name a function by Ref`);
      const filters = ((p.FilterCriteria as { Filters?: { Pattern: string }[] } | undefined)?.Filters ?? [])
        .map((f) => JSON.parse(f.Pattern) as Record<string, unknown>);
      const onFailure = (p.DestinationConfig as { OnFailure?: { Destination?: unknown } } | undefined)?.OnFailure?.Destination;
      return {
        logicalId,
        functionArn: localLambdaArn(functionRef),
        batchSize: Number(p.BatchSize ?? 100),
        startingPosition: p.StartingPosition === 'LATEST' ? 'LATEST' : 'TRIM_HORIZON',
        bisectBatchOnFunctionError: p.BisectBatchOnFunctionError === true,
        maximumRetryAttempts: Number(p.MaximumRetryAttempts ?? -1),
        maximumRecordAgeInSeconds: Number(p.MaximumRecordAgeInSeconds ?? -1),
        reportBatchItemFailures: ((p.FunctionResponseTypes as string[] | undefined) ?? []).includes('ReportBatchItemFailures'),
        filters,
        ...(onFailure !== undefined ? { onFailure: JSON.stringify(onFailure) } : {}),
      };
    });
}

/** A route's target is `integrations/<IntegrationId>`, written as a Join around a Ref. */
function resolveTarget(target: unknown): string {
  const join = (target as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  const parts = join?.[1] ?? [];
  const refPart = parts.find((p): p is { Ref: string } => typeof p === 'object' && p !== null && 'Ref' in p);
  if (!refPart) throw new Error('Route target is not an integration reference');
  return refPart.Ref;
}
