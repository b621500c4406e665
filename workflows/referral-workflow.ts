import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';

/** The Lambda functions the workflow's Task states call. */
export interface ReferralWorkflowFunctions {
  readonly screenReferral: lambda.IFunction;
  readonly routeReferral: lambda.IFunction;
  readonly notifyTeam: lambda.IFunction;
  readonly notifyCoordinator: lambda.IFunction;
  readonly recordReferralStatus: lambda.IFunction;
}

/**
 * Errors a handler raises when trying again cannot help (the referral is missing, the input is malformed).
 * Everything else is treated as transient and retried with backoff before the failure path takes over.
 */
export const PERMANENT_ERRORS = ['PermanentFailure'];

/** State names are part of the contract with the local cloud, which binds each Task by name. */
export const STATE = {
  screen: 'Screen referral',
  route: 'Route referral',
  inArea: 'Is the referral in area?',
  outOfArea: 'Tell coordinator: out of area',
  notifyEach: 'Notify each assigned team',
  notifyTeam: 'Notify team',
  awaiting: 'Record awaiting acknowledgement',
  recordFailure: 'Record workflow failure',
  failureToCoordinator: 'Tell coordinator: workflow failed',
  routed: 'Referral routed',
  outOfAreaDone: 'Referral out of area',
  failed: 'Referral workflow failed',
} as const;

/**
 * Screen → route → notify every assigned team → await acknowledgement.
 * JSONPath only (the local emulator has no JSONata). Every Task retries transient errors with backoff;
 * whatever still fails is recorded on the referral and told to the coordinator — never silence.
 */
export class ReferralWorkflow extends Construct {
  readonly definition: sfn.IChainable;

  constructor(scope: Construct, id: string, fns: ReferralWorkflowFunctions) {
    super(scope, id);

    const invoke = (stateName: string, fn: lambda.IFunction, payload: Record<string, unknown>, resultPath: string | undefined) => {
      const task = new tasks.LambdaInvoke(this, stateName, {
        stateName,
        lambdaFunction: fn,
        payload: sfn.TaskInput.fromObject(payload),
        payloadResponseOnly: true,
        retryOnServiceExceptions: false,
        resultPath: resultPath ?? sfn.JsonPath.DISCARD,
      });
      task.addRetry({ errors: PERMANENT_ERRORS, maxAttempts: 0 });
      task.addRetry({
        errors: [sfn.Errors.ALL],
        interval: Duration.seconds(1),
        backoffRate: 2,
        maxAttempts: 4,
        maxDelay: Duration.seconds(30),
        jitterStrategy: sfn.JitterType.FULL,
      });
      return task;
    };
    const reference = sfn.JsonPath.stringAt('$.reference');

    const recordFailure = invoke(
      STATE.recordFailure,
      fns.recordReferralStatus,
      { reference, status: 'FAILED', error: sfn.JsonPath.stringAt('$.failure.Error') },
      undefined,
    );
    const failureToCoordinator = invoke(
      STATE.failureToCoordinator,
      fns.notifyCoordinator,
      { reference, reason: 'WORKFLOW_FAILED' },
      undefined,
    );
    const failurePath = recordFailure.next(failureToCoordinator).next(new sfn.Fail(this, STATE.failed, {
      error: 'ReferralWorkflowFailed',
      cause: 'A step failed after its retries; the coordinator has been told.',
    }));
    const onFailure = <T extends sfn.TaskStateBase | sfn.Map>(state: T): T => {
      state.addCatch(failurePath, { errors: [sfn.Errors.ALL], resultPath: '$.failure' });
      return state;
    };

    const screen = onFailure(invoke(STATE.screen, fns.screenReferral, { reference }, '$.screening'));
    const route = onFailure(invoke(STATE.route, fns.routeReferral, { reference }, '$.routing'));
    const outOfArea = onFailure(invoke(STATE.outOfArea, fns.notifyCoordinator, { reference, reason: 'OUT_OF_AREA' }, undefined));

    // One iteration per assignment: the acknowledgement wait for each team joins this branch.
    const notifyTeam = invoke(
      STATE.notifyTeam,
      fns.notifyTeam,
      { reference, teamId: sfn.JsonPath.stringAt('$.teamId') },
      undefined,
    );
    const notifyEach = onFailure(new sfn.Map(this, STATE.notifyEach, {
      stateName: STATE.notifyEach,
      itemsPath: '$.routing.assignments',
      itemSelector: {
        reference,
        teamId: sfn.JsonPath.stringAt('$$.Map.Item.Value.teamId'),
      },
      maxConcurrency: 10,
      resultPath: sfn.JsonPath.DISCARD,
    }).itemProcessor(notifyTeam));
    const awaiting = onFailure(invoke(STATE.awaiting, fns.recordReferralStatus, { reference, status: 'AWAITING_ACK' }, undefined));

    this.definition = screen
      .next(route)
      .next(new sfn.Choice(this, STATE.inArea)
        .when(sfn.Condition.stringEquals('$.routing.outcome', 'OUT_OF_AREA'),
          outOfArea.next(new sfn.Succeed(this, STATE.outOfAreaDone)))
        .otherwise(notifyEach.next(awaiting).next(new sfn.Succeed(this, STATE.routed))));
  }
}
