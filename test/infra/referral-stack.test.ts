import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { createReferralApp } from '../../lib/app.js';
import { HANDLER_MODULE_METADATA, PROJECT_ROOT } from '../../lib/constructs/referral-function.js';
import { EMAIL_REFUSED_ERRORS, LAMBDA_SERVICE_ERRORS, MAX_WAIT_RESUMES, PERMANENT_ERRORS, STATE } from '../../workflows/referral-workflow.js';
import { definitionText, everyState, everyStatesBlock, placeholderLogicalId, retryBudgetSeconds, taskFunction, type States } from './state-machine-definition.js';

interface Resource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}
interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
}

const outdir = mkdtempSync(path.join(tmpdir(), 'referral-stack-'));
const removeOutdir = () => rmSync(outdir, { recursive: true, force: true });
afterAll(removeOutdir);
// No bundling: these tests read the template, not the code inside the assets.
const template = (() => {
  try {
    return Template.fromStack(createReferralApp({ outdir, context: { 'aws:cdk:bundling-stacks': [] } }).stack);
  } catch (error) {
    removeOutdir(); // a failed synth (a cdk-nag finding, say) fails the file before afterAll is reached
    throw error;
  }
})();
const resources = template.toJSON().Resources as Record<string, Resource>;

const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
const idsOfType = (type: string) => Object.keys(resources).filter((id) => resources[id]!.Type === type);
const onlyIdOfType = (type: string): string => {
  const ids = idsOfType(type);
  expect(ids, `exactly one ${type}`).toHaveLength(1);
  return ids[0]!;
};
const getAttId = (value: unknown) => (value as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt']?.[0];

const functionIds = idsOfType('AWS::Lambda::Function');
const handlerModuleOf = (functionId: string) => resources[functionId]!.Metadata?.[HANDLER_MODULE_METADATA];
const functionFor = (handlerModule: string): string => {
  const id = functionIds.find((fn) => handlerModuleOf(fn) === handlerModule);
  if (!id) throw new Error(`No function runs ${handlerModule}`);
  return id;
};

/** Every statement a function's role carries: its default policy, any other attached policy, any inline one. */
const statementsOf = (functionId: string): Statement[] => {
  const roleId = getAttId(resources[functionId]!.Properties.Role)!;
  const attached = idsOfType('AWS::IAM::Policy')
    .map((id) => resources[id]!.Properties)
    .filter((p) => (p.Roles as { Ref: string }[]).some((role) => role.Ref === roleId));
  const inline = (resources[roleId]!.Properties.Policies as { PolicyDocument: unknown }[] | undefined) ?? [];
  return [...attached, ...inline].flatMap((p) => (p.PolicyDocument as { Statement: Statement[] }).Statement);
};
const everyStatement = (): { owner: string; statement: Statement }[] =>
  [...idsOfType('AWS::IAM::Policy'), ...idsOfType('AWS::IAM::Role')].flatMap((owner) => {
    const props = resources[owner]!.Properties;
    const documents = props.PolicyDocument ? [props.PolicyDocument] : ((props.Policies as { PolicyDocument: unknown }[] | undefined) ?? []).map((p) => p.PolicyDocument);
    return documents.flatMap((d) => (d as { Statement: Statement[] }).Statement.map((statement) => ({ owner, statement })));
  });

const stateMachineId = onlyIdOfType('AWS::StepFunctions::StateMachine');
const definition = JSON.parse(definitionText(resources[stateMachineId]!.Properties.DefinitionString)) as States;
const states = everyState(definition);
const stateNamed = (name: string) => {
  const found = states.find((s) => s.name === name);
  if (!found) throw new Error(`No state named "${name}"`);
  return found;
};

describe('referral data', () => {
  it('keeps every referral in one table keyed by pk and sk, billed per request', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ]),
      BillingMode: 'PAY_PER_REQUEST',
    });
  });

  it('can restore referrals to any point in the last 35 days', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  const keyIds = idsOfType('AWS::KMS::Key');
  const dataKeyId = keyIds.find((id) => id.startsWith('DataKey'))!;
  const logsKeyId = keyIds.find((id) => id.startsWith('LogsKey'))!;

  it('encrypts referrals with our own KMS key, which rotates', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [dataKeyId, 'Arn'] } },
    });
    // Referral data, logs, the alert topics (which AWS services publish to, so a key of their own), and
    // the staff's sealed session tokens (which the table's key must not open). The victim key is an HMAC key, which KMS cannot rotate: rotating it would lose every earlier marker.
    const encryptionKeys = keyIds.filter((id) => resources[id]!.Properties.KeySpec !== 'HMAC_256');
    expect(encryptionKeys).toHaveLength(4);
    for (const id of encryptionKeys) expect(resources[id]!.Properties.EnableKeyRotation, id).toBe(true);
  });

  it('encrypts every log group (functions, API access, workflow) with a key of its own that only CloudWatch Logs may use', () => {
    const groups = idsOfType('AWS::Logs::LogGroup');
    expect(groups.length).toBeGreaterThan(10);
    for (const id of groups) expect(resources[id]!.Properties.KmsKeyId, id).toEqual({ 'Fn::GetAtt': [logsKeyId, 'Arn'] });
    const policy = resources[logsKeyId]!.Properties.KeyPolicy as { Statement: { Principal?: { Service?: unknown }; Condition?: unknown }[] };
    const forLogs = policy.Statement.find((s) => JSON.stringify(s.Principal?.Service ?? '').includes('logs.'));
    expect(JSON.stringify(forLogs?.Condition)).toContain('kms:EncryptionContext:aws:logs:arn');
  });

  it('deletes records once their expiresAt retention date passes', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('tells every function that writes referral records how long to keep them: six years unless configured', () => {
    const writers = functionIds.filter((id) => (resources[id]!.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables?.TABLE_NAME);
    expect(writers.length).toBeGreaterThan(10);
    for (const id of writers) {
      expect((resources[id]!.Properties.Environment as { Variables: Record<string, unknown> }).Variables.RETENTION_DAYS, id).toBe('2192');
    }
  });

  it("gives each team an inbox index of its assignments, keyed by teamKey and teamSort", () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: 'teamKey', AttributeType: 'S' },
        { AttributeName: 'teamSort', AttributeType: 'S' },
      ]),
      GlobalSecondaryIndexes: Match.arrayWith([Match.objectLike({
        IndexName: 'byTeam',
        KeySchema: [{ AttributeName: 'teamKey', KeyType: 'HASH' }, { AttributeName: 'teamSort', KeyType: 'RANGE' }],
        Projection: { ProjectionType: 'ALL' },
      })]),
    });
  });

  it('keeps open work in a sparse index of its own, so open and overdue counts never read the whole history', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: Match.arrayWith([Match.objectLike({
        IndexName: 'openByArea',
        KeySchema: [{ AttributeName: 'openKey', KeyType: 'HASH' }, { AttributeName: 'openSort', KeyType: 'RANGE' }],
      })]),
    });
  });
});

describe('functions', () => {
  it('runs every function on Node.js 22 on arm64 with X-Ray tracing on', () => {
    expect(functionIds.length).toBeGreaterThanOrEqual(7);
    for (const id of functionIds) {
      expect(resources[id]!.Properties, id).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
      });
    }
  });

  it('records, for every function, the handler module under functions/<trigger>/ that it runs, and the module exists', () => {
    const modules = functionIds.map(handlerModuleOf);
    for (const module of modules) {
      // Handlers are laid out by what triggers them (README, layout).
      expect(module).toMatch(/^functions\/(api|pages|workflow|events)\/[a-z0-9-]+\.ts$/);
      expect(existsSync(path.join(PROJECT_ROOT, String(module))), String(module)).toBe(true);
    }
    expect(new Set(modules).size, 'one function per handler module').toBe(modules.length);
    expect(modules).toEqual(expect.arrayContaining([
      'functions/api/submit-referral.ts', 'functions/api/health-check.ts', 'functions/workflow/screen-referral.ts', 'functions/workflow/route-referral.ts',
      'functions/workflow/notify-team.ts', 'functions/workflow/notify-coordinator.ts', 'functions/workflow/record-referral-status.ts',
    ]));
  });

  it('gives every function its own log group, kept for six months', () => {
    const logGroups = functionIds.map((id) => (resources[id]!.Properties.LoggingConfig as { LogGroup?: { Ref: string } } | undefined)?.LogGroup?.Ref);
    for (const logGroup of logGroups) {
      expect(logGroup && resources[logGroup]?.Type).toBe('AWS::Logs::LogGroup');
      expect(resources[logGroup!]!.Properties.RetentionInDays).toBe(180);
    }
    expect(new Set(logGroups).size).toBe(functionIds.length);
  });
});

describe('referral workflow', () => {
  it('is a Standard state machine with X-Ray tracing, logging every event but no execution data', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: false }),
    });
  });

  it('has exactly the named steps of the referral journey, starting with screening unless it is a re-assignment', () => {
    expect(definition.StartAt).toBe(STATE.isReassignment);
    const start = definition.States[STATE.isReassignment] as unknown as { Choices: { IsPresent: boolean; Variable: string; Next: string }[]; Default: string };
    expect(start.Default).toBe(STATE.screen);
    expect(start.Choices).toEqual([{ Variable: '$.reassignedTeamId', IsPresent: true, Next: STATE.followReassigned }]);
    expect(definition.States[STATE.followReassigned]).toMatchObject({ Next: STATE.eachAssignment, ResultPath: '$.routing' });
    expect(states.map((s) => s.name).sort()).toEqual(Object.values(STATE).sort());
  });

  it('sends a referral outside the area to the coordinator, and every other one to each of its teams', () => {
    expect(stateNamed(STATE.screen).state.Next).toBe(STATE.route);
    expect(stateNamed(STATE.route).state.Next).toBe(STATE.inArea);
    const choice = stateNamed(STATE.inArea).state;
    expect(choice.Type).toBe('Choice');
    expect(choice.Choices?.map((c) => c.Next)).toEqual([STATE.outOfArea]);
    const toTeams = stateNamed(choice.Default ?? '');
    expect(toTeams.state.Type, 'one iteration per assignment').toBe('Map');
    expect(stateNamed(STATE.notifyTeam).inside).toBe(toTeams.name);
  });

  it('runs each step with the handler it is named for', () => {
    const tasks = states.filter((s) => s.state.Type === 'Task');
    const handlerOfStep = Object.fromEntries(tasks.map((s) => [s.name, handlerModuleOf(placeholderLogicalId(taskFunction(s.state)) ?? '')]));
    for (const { name } of tasks) expect(handlerOfStep[name], `${name} calls one of our functions`).toMatch(/^functions\//);
    expect(handlerOfStep).toMatchObject({
      [STATE.screen]: 'functions/workflow/screen-referral.ts',
      [STATE.route]: 'functions/workflow/route-referral.ts',
      [STATE.outOfArea]: 'functions/workflow/notify-coordinator.ts',
      [STATE.notifyTeam]: 'functions/workflow/notify-team.ts',
      [STATE.recordFailure]: 'functions/workflow/record-referral-status.ts',
      [STATE.failureToCoordinator]: 'functions/workflow/notify-coordinator.ts',
    });
  });

  const waitStates: string[] = [STATE.waitForDeadline, STATE.waitForGrace];
  const retriersOf = (name: string) => stateNamed(name).state.Retry ?? [];
  const transientBudget = (name: string) => retryBudgetSeconds(retriersOf(name).at(-1)!);

  it('retries every step with backoff, but never retries an error that trying again cannot fix', () => {
    const tasks = states.filter((s) => s.state.Type === 'Task');
    expect(tasks.length).toBeGreaterThan(0);
    for (const { name, state } of tasks) {
      const retry = state.Retry ?? [];
      const permanent = retry.findIndex((r) => PERMANENT_ERRORS.every((e) => r.ErrorEquals.includes(e)));
      expect(permanent, `${name} retries permanent errors`).toBeGreaterThanOrEqual(0);
      expect(retry[permanent]!.MaxAttempts, name).toBe(0);
      // The documented retrier for the Lambda service's own errors, on every Lambda task.
      const service = retry.findIndex((r) => LAMBDA_SERVICE_ERRORS.every((e) => r.ErrorEquals.includes(e)));
      expect(service, `${name} has the Lambda service-exception retrier`).toBeGreaterThanOrEqual(0);
      expect(retry[service]!.MaxAttempts, name).toBeGreaterThan(0);
      expect(retry[service]!.JitterStrategy, name).toBe('FULL');
      if (waitStates.includes(name)) continue;
      // States.ALL must be the last retrier (AWS rejects it anywhere else), so it is the catch-all with backoff.
      const transient = retry.at(-1)!;
      expect(transient.ErrorEquals, name).toEqual(['States.ALL']);
      expect(permanent, name).toBeLessThan(retry.length - 1);
      expect(transient.BackoffRate, name).toBeGreaterThan(1);
      expect(transient.JitterStrategy, name).toBe('FULL');
    }
  });

  it('keeps retrying a transient error for at least five minutes before any step hands over to a person', () => {
    const tasks = states.filter((s) => s.state.Type === 'Task' && !waitStates.includes(s.name));
    for (const { name, state } of tasks) {
      const retry = state.Retry ?? [];
      const service = retry.find((r) => LAMBDA_SERVICE_ERRORS.every((e) => r.ErrorEquals.includes(e)))!;
      // Computed from the template: even four standard deviations short of the mean, more than 300 s.
      expect(transientBudget(name).floor, `${name}: States.ALL`).toBeGreaterThanOrEqual(300);
      expect(retryBudgetSeconds(service).floor, `${name}: Lambda service errors`).toBeGreaterThanOrEqual(300);
    }
  });

  it('resumes a wait that failed for a passing reason from the stored deadline, a bounded number of times, each resume with the full budget', () => {
    for (const name of waitStates) {
      const { state } = stateNamed(name);
      // A retry in place would count the whole window again: only the Lambda service's errors are
      // retried there, for seconds.
      const service = (state.Retry ?? []).find((r) => LAMBDA_SERVICE_ERRORS.every((e) => r.ErrorEquals.includes(e)))!;
      const drift = (service.IntervalSeconds ?? 1) * Array.from({ length: service.MaxAttempts ?? 3 }, (_, n) => Math.min((service.BackoffRate ?? 2) ** n, (service.MaxDelaySeconds ?? 60) / (service.IntervalSeconds ?? 1))).reduce((a, b) => a + b, 0);
      expect(drift, `${name}: the most a retry in place can shift the deadline, in seconds`).toBeLessThanOrEqual(10);
      expect((state.Retry ?? []).some((r) => r.ErrorEquals.includes('States.ALL')), name).toBe(false);
      const last = state.Catch!.at(-1)!;
      expect(last.ErrorEquals, name).toEqual(['States.ALL']);
      expect(last.Next, name).toBe(STATE.countResume);
    }
    const choice = stateNamed(STATE.resumeOrGiveUp).state as unknown as { Choices: { Variable: string; NumericGreaterThan: number; Next: string }[]; Default: string };
    expect(stateNamed(STATE.countResume).state.Next).toBe(STATE.resumeOrGiveUp);
    expect(choice.Choices).toEqual([{ Variable: '$.resumes', NumericGreaterThan: MAX_WAIT_RESUMES, Next: STATE.assignmentFailed }]);
    expect(choice.Default).toBe(STATE.resumeWait);
    expect(handlerModuleOf(placeholderLogicalId(taskFunction(stateNamed(STATE.resumeWait).state)) ?? '')).toBe('functions/workflow/notify-team.ts');
    expect(stateNamed(STATE.resumeWait).state.Next).toBe(STATE.whereIsIt);
    expect(transientBudget(STATE.resumeWait).floor).toBeGreaterThanOrEqual(300);
    const map = stateNamed(STATE.eachAssignment).state as { ItemSelector?: Record<string, unknown> };
    expect(map.ItemSelector?.resumes).toBe(0);
  });

  it('tells the coordinator at once, by name, when SES refuses a team address', () => {
    for (const name of [STATE.notifyTeam, STATE.remind, STATE.reroute]) {
      const refused = stateNamed(name).state.Catch?.find((c) => EMAIL_REFUSED_ERRORS.every((e) => c.ErrorEquals.includes(e)));
      expect(refused?.Next, name).toBe(STATE.emailRefused);
      // Caught before the catch-all that would treat it as any other failure.
      expect(stateNamed(name).state.Catch!.indexOf(refused!), name).toBeLessThan(stateNamed(name).state.Catch!.length - 1);
    }
    expect(stateNamed(STATE.emailRefused).state.Parameters).toMatchObject({ reason: 'EMAIL_UNDELIVERABLE', 'error.$': '$.failure.Error' });
  });

  it('gives the steps that handle failures a longer retry budget than the steps whose failures they handle', () => {
    const steps = [STATE.screen, STATE.route, STATE.notifyTeam, STATE.remind, STATE.breach, STATE.reroute, STATE.resumeWait];
    const longestStep = Math.max(...steps.map((step) => transientBudget(step).mean));
    for (const lastResort of [STATE.recordFailure, STATE.failureToCoordinator, STATE.assignmentFailed, STATE.emailRefused]) {
      expect(transientBudget(lastResort).floor, lastResort).toBeGreaterThan(longestStep);
    }
  });

  it('sends whatever still fails after its retries down the failure path, never into silence', () => {
    const failurePath: string[] = [STATE.recordFailure, STATE.failureToCoordinator];
    const toFailurePath = [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: STATE.recordFailure }];
    const tasks = states.filter((s) => s.state.Type === 'Task' && !failurePath.includes(s.name));
    expect(tasks.length).toBeGreaterThan(0);
    for (const { name, state, inside } of tasks) {
      // A Task inside a Map cannot catch to a state outside it: the Map's own Catch covers it.
      const catcher = inside ? stateNamed(inside).state : state;
      expect(catcher.Catch, `${name} (caught by ${inside ?? 'itself'})`).toEqual(toFailurePath);
    }
    expect(stateNamed(STATE.recordFailure).state.Next).toBe(STATE.failureToCoordinator);
    expect(stateNamed(STATE.failureToCoordinator).state.Next).toBe(STATE.failed);
    expect(stateNamed(STATE.failed).state.Type).toBe('Fail');
  });

  it('uses JSONPath only, which the local Step Functions emulator can run', () => {
    for (const block of everyStatesBlock(definition)) expect(block.QueryLanguage ?? 'JSONPath').toBe('JSONPath');
    for (const { name, state } of states) expect(state.QueryLanguage ?? 'JSONPath', name).toBe('JSONPath');
    expect(definitionText(resources[stateMachineId]!.Properties.DefinitionString)).not.toContain('{%');
  });
});

describe('email', () => {
  it('only sends email over TLS, from an identity that uses the TLS configuration set', () => {
    const configurationSetId = onlyIdOfType('AWS::SES::ConfigurationSet');
    template.hasResourceProperties('AWS::SES::ConfigurationSet', { DeliveryOptions: { TlsPolicy: 'REQUIRE' } });
    template.hasResourceProperties('AWS::SES::EmailIdentity', {
      ConfigurationSetAttributes: { ConfigurationSetName: { Ref: configurationSetId } },
    });
  });

  const identityArn = () => JSON.stringify({ Ref: onlyIdOfType('AWS::SES::EmailIdentity') });
  const configurationSetArn = () => JSON.stringify({ Ref: onlyIdOfType('AWS::SES::ConfigurationSet') });
  const sendsOnlyAsTheService = (owner: string, statement: Statement) => {
    expect(list(statement.Action), owner).toEqual(['ses:SendEmail']);
    const targets = list(statement.Resource).map((r) => JSON.stringify(r));
    expect(targets, owner).toHaveLength(2);
    expect(targets.find((t) => t.includes(':identity/')), owner).toContain(identityArn());
    expect(targets.find((t) => t.includes(':configuration-set/')), owner).toContain(configurationSetArn());
  };

  it('lets the notify functions send email, but only as the sender identity through its configuration set', () => {
    for (const handlerModule of ['functions/workflow/notify-team.ts', 'functions/workflow/notify-coordinator.ts']) {
      const sesStatements = statementsOf(functionFor(handlerModule)).filter((s) => list(s.Action).some((a) => a.startsWith('ses:')));
      expect(sesStatements, handlerModule).toHaveLength(1);
      sendsOnlyAsTheService(handlerModule, sesStatements[0]!);
    }
  });

  it('grants no email action beyond SendEmail as the service, and none on every resource', () => {
    const sesStatements = everyStatement().filter(({ statement }) => list(statement.Action).some((a) => a.startsWith('ses:') || a === '*'));
    expect(sesStatements.length).toBeGreaterThan(0);
    for (const { owner, statement } of sesStatements) sendsOnlyAsTheService(owner, statement);
  });
});

describe('HTTP API', () => {
  const routeTarget = (routeKey: string): string | undefined => {
    const route = idsOfType('AWS::ApiGatewayV2::Route').map((id) => resources[id]!.Properties).find((p) => p.RouteKey === routeKey);
    if (!route) return undefined;
    const integrationId = JSON.stringify(route.Target).match(/"Ref":"([A-Za-z0-9]+)"/)?.[1];
    return getAttId(resources[integrationId ?? '']?.Properties.IntegrationUri);
  };

  it('accepts referrals at POST /api/referrals and answers health checks at GET /healthz', () => {
    expect(routeTarget('POST /api/referrals')).toBe(functionFor('functions/api/submit-referral.ts'));
    expect(routeTarget('GET /healthz')).toBe(functionFor('functions/api/health-check.ts'));
  });

  it('logs every request to a log group, recording no caller IP, path or query string', () => {
    const stageId = onlyIdOfType('AWS::ApiGatewayV2::Stage');
    const { AccessLogSettings: access } = resources[stageId]!.Properties as { AccessLogSettings?: { DestinationArn: unknown; Format: string } };
    expect(access).toBeDefined();
    expect(resources[getAttId(access!.DestinationArn) ?? '']?.Type).toBe('AWS::Logs::LogGroup');
    expect(access!.Format).toContain('$context.requestId');
    expect(access!.Format).not.toMatch(/\$context\.(path|identity|authorizer)|querystring|sourceIp|userAgent/i);
  });

  it('throttles requests before they reach the functions', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: Match.anyValue(), ThrottlingBurstLimit: Match.anyValue() },
    });
    const { DefaultRouteSettings: limits } = resources[onlyIdOfType('AWS::ApiGatewayV2::Stage')]!.Properties as {
      DefaultRouteSettings: { ThrottlingRateLimit: number; ThrottlingBurstLimit: number };
    };
    expect(limits.ThrottlingRateLimit).toBeGreaterThan(0);
    expect(limits.ThrottlingBurstLimit).toBeGreaterThanOrEqual(limits.ThrottlingRateLimit);
  });
});

describe('starting the workflow', () => {
  it('lets the submit function start executions of the referral state machine', () => {
    const statements = statementsOf(functionFor('functions/api/submit-referral.ts'));
    expect(statements).toContainEqual(expect.objectContaining({
      Effect: 'Allow',
      Action: 'states:StartExecution',
      Resource: { Ref: stateMachineId },
    }));
  });

  it('lets no other function than the two intake routes (JSON API and online form), the outbox and the two ways to re-assign start executions', () => {
    const submit = new Set(['functions/api/submit-referral.ts', 'functions/pages/victim-form.ts', 'functions/events/start-referral-workflows.ts', 'functions/api/reassign-referral.ts', 'functions/pages/agency-portal.ts']
      .flatMap((entry) => statementsOf(functionFor(entry))));
    const starters = everyStatement().filter(({ statement }) => list(statement.Action).some((a) => a === 'states:StartExecution' || a === 'states:*' || a === '*'));
    expect(starters.length).toBeGreaterThan(0);
    for (const { owner, statement } of starters) expect(submit.has(statement), owner).toBe(true);
  });
});

describe('sign-in for agencies, coordinators and commissioners', () => {
  it('has one user pool requiring MFA with an authenticator app, and a group per team and role', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', { MfaConfiguration: 'ON', EnabledMfas: ['SOFTWARE_TOKEN_MFA'] });
    const groups = idsOfType('AWS::Cognito::UserPoolGroup').map((id) => resources[id]!.Properties.GroupName);
    expect(groups).toEqual(expect.arrayContaining(['mdvs', 'victim-care', 'housing-support', 'coordinator-merseyside', 'commissioner-merseyside']));
  });

  it('has every agency route verify the staff token in its own function, which knows the pool (SPEC §8: 401 and 503)', () => {
    // No API Gateway authorizer: an HTTP API's cannot answer 503 for a key outage, nor 401 for an id token.
    expect(idsOfType('AWS::ApiGatewayV2::Authorizer')).toEqual([]);
    const routes = idsOfType('AWS::ApiGatewayV2::Route').map((id) => resources[id]!.Properties);
    const agencyRoutes = [
      'GET /api/referrals/{reference}', 'GET /api/teams/{teamId}/assignments',
      'POST /api/referrals/{reference}/assignments/{teamId}/acknowledge', 'POST /api/referrals/{reference}/assignments/{teamId}/decline',
      'POST /api/referrals/{reference}/erase', 'POST /api/referrals/{reference}/reassign', 'POST /api/referrals/{reference}/signpost',
      'POST /api/referrals/{reference}/assignments/{teamId}/contact-attempts', 'POST /api/referrals/{reference}/assignments/{teamId}/outcome',
      'GET /api/reports/throughput',
    ];
    const integrations = new Map(idsOfType('AWS::ApiGatewayV2::Integration')
      .map((id) => [id, getAttId(resources[id]!.Properties.IntegrationUri)]));
    for (const key of agencyRoutes) {
      const route = routes.find((r) => r.RouteKey === key);
      expect(route, key).toBeDefined();
      const target = ((route!.Target as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1].find((p) => typeof p === 'object') as { Ref: string }).Ref;
      const functionId = integrations.get(target)!;
      const source = readFileSync(path.join(PROJECT_ROOT, String(handlerModuleOf(functionId))), 'utf8');
      expect(source, key).toMatch(/\.use\(staffToken\((\{[^)]*\})?\)\)/);
      const variables = (resources[functionId]!.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(Object.keys(variables), key).toEqual(expect.arrayContaining(['JWT_ISSUER', 'JWKS_URI', 'USER_POOL_CLIENT_ID']));
    }
  });

  it('issues partner systems machine credentials: a resource server with the referrals/submit scope and a client-credentials client per partner', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolResourceServer', {
      Identifier: 'referrals', Scopes: [{ ScopeName: 'submit', ScopeDescription: Match.anyValue() }],
    });
    // The token endpoint is served on the pool's domain.
    template.resourceCountIs('AWS::Cognito::UserPoolDomain', 1);
    const partnerClient = idsOfType('AWS::Cognito::UserPoolClient').map((id) => resources[id]!.Properties)
      .find((p) => p.ClientName === 'partner-merseyside-police');
    expect(partnerClient).toMatchObject({
      GenerateSecret: true, AllowedOAuthFlows: ['client_credentials'], AllowedOAuthFlowsUserPoolClient: true,
    });
    expect(JSON.stringify(partnerClient!.AllowedOAuthScopes)).toContain('/submit');
    // The portal's client stays without OAuth flows: a staff member cannot use the partners' grant.
    const portal = idsOfType('AWS::Cognito::UserPoolClient').map((id) => resources[id]!.Properties).find((p) => p.ClientName !== 'partner-merseyside-police');
    expect(portal!.AllowedOAuthFlows).toBeUndefined();
  });

  it('tells the submit function which partner client is which organisation, and how to verify its token', () => {
    const variables = (resources[functionFor('functions/api/submit-referral.ts')]!.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(Object.keys(variables)).toEqual(expect.arrayContaining(['JWT_ISSUER', 'JWKS_URI', 'PARTNER_CLIENTS']));
    const partnerClientId = idsOfType('AWS::Cognito::UserPoolClient').find((id) => resources[id]!.Properties.ClientName === 'partner-merseyside-police')!;
    const rendered = JSON.stringify(variables.PARTNER_CLIENTS);
    expect(rendered).toContain(partnerClientId);
    expect(rendered).toContain('Merseyside Police');
  });

  it('limits anonymous submissions, by API and by form, more tightly than the rest of the API', () => {
    const stage = resources[onlyIdOfType('AWS::ApiGatewayV2::Stage')]!.Properties;
    const whole = (stage.DefaultRouteSettings as { ThrottlingRateLimit: number }).ThrottlingRateLimit;
    const routes = stage.RouteSettings as Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }>;
    for (const key of ['POST /api/referrals', 'POST /refer/{page}']) {
      expect(routes[key], key).toBeDefined();
      expect(routes[key]!.ThrottlingRateLimit, key).toBeLessThan(whole);
      expect(routes[key]!.ThrottlingBurstLimit, key).toBeGreaterThan(0);
    }
  });
});

describe('the acknowledgement waits', () => {
  const machineId = onlyIdOfType('AWS::StepFunctions::StateMachine');
  const definition = JSON.parse(definitionText(resources[machineId]!.Properties.DefinitionString)) as States;
  const waits = everyState(definition).filter((s) => /:states:::lambda:invoke\.waitForTaskToken$/.test(s.state.Resource ?? ''));

  it('waits with a task token for the deadline and for the grace period, nowhere else', () => {
    expect(waits.map((w) => w.name).sort()).toEqual([STATE.waitForDeadline, STATE.waitForGrace].sort());
    for (const wait of waits) {
      const payload = wait.state.Parameters?.Payload as Record<string, unknown>;
      expect(payload['taskToken.$']).toBe('$$.Task.Token');
    }
  });

  it('reads its timeout from a path that names the same number before and after Parameters', () => {
    // AWS resolves TimeoutSecondsPath against the state input; aws-local-stepfunctions against the input
    // after Parameters. Both must give the stored deadline's seconds.
    const input = { Payload: { reference: 'SR-7KQ2-9XMD', teamId: 'mdvs', secondsToWait: 4321 } };
    const at = (value: unknown, jsonPath: string) => jsonPath.replace(/^\$\.?/, '').split('.').filter(Boolean)
      .reduce<unknown>((v, key) => (v as Record<string, unknown> | undefined)?.[key], value);
    const applyParameters = (template: unknown): unknown => {
      if (typeof template !== 'object' || template === null) return template;
      return Object.fromEntries(Object.entries(template).map(([key, value]) => key.endsWith('.$')
        ? [key.slice(0, -2), String(value).startsWith('$$') ? 'token' : at(input, String(value))]
        : [key, applyParameters(value)]));
    };
    for (const wait of waits) {
      const path = (wait.state as { TimeoutSecondsPath?: string }).TimeoutSecondsPath!;
      expect(path, wait.name).toBeDefined();
      expect(at(input, path), `${wait.name} against its input`).toBe(4321);
      expect(at(applyParameters(wait.state.Parameters), path), `${wait.name} against its Parameters`).toBe(4321);
    }
  });

  it('never retries a decline or a timeout: each is caught and moves the ladder on', () => {
    for (const wait of waits) {
      const noRetry = wait.state.Retry?.[0];
      expect(noRetry?.MaxAttempts).toBe(0);
      expect(noRetry?.ErrorEquals).toEqual(expect.arrayContaining(['AssignmentDeclined', 'States.Timeout']));
      const caught = (wait.state.Catch ?? []).flatMap((c) => c.ErrorEquals);
      expect(caught).toEqual(expect.arrayContaining(['AssignmentDeclined', 'States.Timeout', ...PERMANENT_ERRORS, 'States.ALL']));
      expect(caught.at(-1)).toBe('States.ALL');
    }
  });
});

describe('the throughput report route', () => {
  it('answers GET /api/reports/throughput, verifying the token in its function', () => {
    const route = idsOfType('AWS::ApiGatewayV2::Route').map((id) => resources[id]!.Properties)
      .find((r) => r.RouteKey === 'GET /api/reports/throughput');
    expect(route).toBeDefined();
    expect(route!.AuthorizationType ?? 'NONE').toBe('NONE');
    expect(functionFor('functions/api/report-throughput.ts')).toBeDefined();
  });

  it('may read the table and decrypt it, and change nothing', () => {
    const actions = statementsOf(functionFor('functions/api/report-throughput.ts')).flatMap((s) => list(s.Action));
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:Query', 'dynamodb:GetItem', 'kms:Decrypt']));
    const writes = actions.filter((a) => /^dynamodb:(Put|Update|Delete|BatchWrite|TransactWrite)/.test(a) || /^kms:(Encrypt|GenerateDataKey|ReEncrypt)/.test(a));
    expect(writes).toEqual([]);
    expect(actions.some((a) => /^(states|ses|sns|s3):/.test(a))).toBe(false);
  });
});
