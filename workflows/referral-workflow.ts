import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { DECLINED_ERROR, EMAIL_REFUSED_ERRORS, LAMBDA_SERVICE_ERRORS, PERMANENT_ERRORS } from './workflow-contract.js';

export { DECLINED_ERROR, EMAIL_REFUSED_ERRORS, LAMBDA_SERVICE_ERRORS, PERMANENT_ERRORS };

/** The Lambda functions the workflow's Task states call. */
export interface ReferralWorkflowFunctions {
  readonly screenReferral: lambda.IFunction;
  readonly routeReferral: lambda.IFunction;
  readonly notifyTeam: lambda.IFunction;
  readonly awaitAcknowledgement: lambda.IFunction;
  readonly escalateAssignment: lambda.IFunction;
  readonly rerouteAssignment: lambda.IFunction;
  readonly notifyCoordinator: lambda.IFunction;
  readonly recordReferralStatus: lambda.IFunction;
}

/** State names are part of the contract with the local cloud, which binds each Task by name. */
export const STATE = {
  screen: 'Screen referral',
  route: 'Route referral',
  inArea: 'Is the referral in area?',
  outOfArea: 'Tell coordinator: out of area',
  eachAssignment: 'Follow each assignment',
  notifyTeam: 'Notify team',
  whereIsIt: 'Where is the assignment?',
  waitForDeadline: 'Wait for acknowledgement',
  remind: 'Remind team and duty manager',
  waitForGrace: 'Wait for acknowledgement in grace period',
  breach: 'Record breach',
  reroute: 'Re-route declined assignment',
  anotherTeam: 'Is there another team?',
  settled: 'Assignment settled',
  assignmentFailed: 'Tell coordinator: assignment failed',
  emailRefused: 'Tell coordinator: team email refused',
  countResume: 'Count a resumed wait',
  resumeOrGiveUp: 'Resume the wait or hand it to a person?',
  resumeWait: 'Resume the wait from the stored deadline',
  assignmentNeedsPerson: 'Assignment needs a person',
  recordOutcome: 'Record acknowledgement outcome',
  recordFailure: 'Record workflow failure',
  failureToCoordinator: 'Tell coordinator: workflow failed',
  routed: 'Referral settled',
  isReassignment: 'Is this a re-assignment?',
  followReassigned: 'Follow the re-assigned team',
  outOfAreaDone: 'Referral out of area',
  failed: 'Referral workflow failed',
} as const;

/**
 * Where the number of seconds to wait lives. AWS resolves TimeoutSecondsPath against the state's input;
 * aws-local-stepfunctions resolves it against the input after Parameters. The wait states take their
 * input under `Payload` and pass it on under `Payload`, so this one path names the same number for both.
 */
export const SECONDS_TO_WAIT_PATH = '$.Payload.secondsToWait';

/**
 * Transient errors (throttling, time-outs, a dependency down) are retried with full jitter, doubling
 * from a second up to a minute between attempts: about eleven minutes in all on average, and more than
 * five all but certainly (SPEC §10), so an outage shorter than that hands nothing to a person. Standard
 * workflows are charged per state transition, not for time spent waiting, so a long budget costs little.
 */
export const STEP_RETRY = { intervalSeconds: 1, backoffRate: 2, maxDelaySeconds: 60, maxAttempts: 27 } as const;
/** The steps that tell a person a step failed outlast the steps whose failures they report. */
export const LAST_RESORT_RETRY = { ...STEP_RETRY, maxAttempts: 50 } as const;
/**
 * A wait is never retried where it stands: its timeout would count the window again from the retry.
 * Lambda service errors get a few quick tries (seconds of drift at most); anything else transient
 * resumes the assignment from its stored deadline, at most this many times per assignment.
 */
export const MAX_WAIT_RESUMES = 5;
const WAIT_SERVICE_RETRY = { intervalSeconds: 1, backoffRate: 2, maxDelaySeconds: 4, maxAttempts: 3 } as const;

/**
 * Screen → route → for each assigned team: notify, wait for acknowledgement until the deadline, remind
 * and tell the duty manager, wait out the grace period, record a breach; a decline re-routes to the
 * team's fallback. JSONPath only (the local emulator has no JSONata). Every Lambda step retries transient
 * errors with backoff; whatever still fails is recorded and told to the coordinator — never silence.
 * Bounded: each assignment takes at most one deadline wait and one grace wait, and a decline can only
 * move along a fallback chain that the config proves acyclic.
 */
export class ReferralWorkflow extends Construct {
  readonly definition: sfn.IChainable;

  constructor(scope: Construct, id: string, fns: ReferralWorkflowFunctions) {
    super(scope, id);

    type Budget = { intervalSeconds: number; backoffRate: number; maxDelaySeconds: number; maxAttempts: number };
    const retrier = (errors: string[], budget: Budget): sfn.RetryProps => ({
      errors,
      interval: Duration.seconds(budget.intervalSeconds),
      backoffRate: budget.backoffRate,
      maxDelay: Duration.seconds(budget.maxDelaySeconds),
      maxAttempts: budget.maxAttempts,
      jitterStrategy: sfn.JitterType.FULL,
    });
    // Retriers are matched in order: the Lambda service's own errors, then errors no retry can cure
    // (none burned), then everything else as transient. States.ALL must come last.
    const withRetries = <T extends sfn.TaskStateBase>(task: T, notRetried: string[] = [], lastResort = false): T => {
      const budget = lastResort ? LAST_RESORT_RETRY : STEP_RETRY;
      task.addRetry(retrier(LAMBDA_SERVICE_ERRORS, budget));
      task.addRetry({ errors: [...notRetried, ...PERMANENT_ERRORS], maxAttempts: 0 });
      task.addRetry(retrier([sfn.Errors.ALL], budget));
      return task;
    };
    const invoke = (stateName: string, fn: lambda.IFunction, payload: Record<string, unknown>, resultPath: string | undefined, lastResort = false) =>
      withRetries(new tasks.LambdaInvoke(this, stateName, {
        stateName,
        lambdaFunction: fn,
        payload: sfn.TaskInput.fromObject(payload),
        payloadResponseOnly: true,
        // The documented Lambda retrier is added by withRetries, with the same budget as the rest.
        retryOnServiceExceptions: false,
        resultPath: resultPath ?? sfn.JsonPath.DISCARD,
      }), [], lastResort);
    const reference = sfn.JsonPath.stringAt('$.reference');

    const recordFailure = invoke(
      STATE.recordFailure,
      fns.recordReferralStatus,
      { reference, status: 'FAILED', error: sfn.JsonPath.stringAt('$.failure.Error') },
      undefined,
      true,
    );
    const failureToCoordinator = invoke(
      STATE.failureToCoordinator,
      fns.notifyCoordinator,
      { reference, reason: 'WORKFLOW_FAILED' },
      undefined,
      true,
    );
    // If the failure cannot even be recorded (the table is what failed), the coordinator is still told.
    recordFailure.addCatch(failureToCoordinator, { errors: [sfn.Errors.ALL], resultPath: '$.recordFailureError' });
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

    // One iteration per assignment. Its state is `{ Payload: { reference, teamId, ... } }` throughout.
    const assignment = {
      reference: sfn.JsonPath.stringAt('$.Payload.reference'),
      teamId: sfn.JsonPath.stringAt('$.Payload.teamId'),
    };
    const settled = new sfn.Succeed(this, STATE.settled);
    const notifyTeam = invoke(STATE.notifyTeam, fns.notifyTeam, assignment, '$.Payload');
    const waitFor = (stateName: string, stage: 'DEADLINE' | 'GRACE') => {
      const wait = new tasks.LambdaInvoke(this, stateName, {
        stateName,
        lambdaFunction: fns.awaitAcknowledgement,
        integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
        // The token goes to the function, which keeps it server-side on the assignment: never in a link.
        payload: sfn.TaskInput.fromObject({
          ...assignment,
          stage,
          secondsToWait: sfn.JsonPath.numberAt(SECONDS_TO_WAIT_PATH),
          taskToken: sfn.JsonPath.taskToken,
        }),
        taskTimeout: sfn.Timeout.at(SECONDS_TO_WAIT_PATH),
        retryOnServiceExceptions: false,
        resultPath: sfn.JsonPath.DISCARD,
      });
      wait.addRetry({ errors: [DECLINED_ERROR, sfn.Errors.TIMEOUT, ...PERMANENT_ERRORS], maxAttempts: 0 });
      wait.addRetry(retrier(LAMBDA_SERVICE_ERRORS, WAIT_SERVICE_RETRY));
      return wait;
    };
    const waitForDeadline = waitFor(STATE.waitForDeadline, 'DEADLINE');
    const waitForGrace = waitFor(STATE.waitForGrace, 'GRACE');
    const remind = invoke(STATE.remind, fns.escalateAssignment, { ...assignment, action: 'REMIND' }, '$.Payload');
    const breach = invoke(STATE.breach, fns.escalateAssignment, { ...assignment, action: 'BREACH' }, '$.Payload');
    const reroute = invoke(STATE.reroute, fns.rerouteAssignment, assignment, '$.Payload');

    // Retriers come before catchers: the waits' first retrier lets a decline and a timeout through.
    for (const wait of [waitForDeadline, waitForGrace]) {
      wait.addCatch(reroute, { errors: [DECLINED_ERROR], resultPath: '$.declined' });
    }
    waitForDeadline.addCatch(remind, { errors: [sfn.Errors.TIMEOUT], resultPath: '$.timedOut' });
    waitForGrace.addCatch(breach, { errors: [sfn.Errors.TIMEOUT], resultPath: '$.timedOut' });

    // One team's ladder failing must not stop the others': the coordinator takes that assignment on.
    const needsPerson = new sfn.Succeed(this, STATE.assignmentNeedsPerson);
    const assignmentFailed = invoke(STATE.assignmentFailed, fns.notifyCoordinator, { ...assignment, reason: 'ASSIGNMENT_FAILED' }, undefined, true)
      .next(needsPerson);
    // SES refused the team's address: no retry can help, so the coordinator hears at once, by name.
    const emailRefused = invoke(STATE.emailRefused, fns.notifyCoordinator, {
      ...assignment, reason: 'EMAIL_UNDELIVERABLE', error: sfn.JsonPath.stringAt('$.failure.Error'),
    }, undefined, true)
      .next(needsPerson);
    notifyTeam.addCatch(emailRefused, { errors: EMAIL_REFUSED_ERRORS, resultPath: '$.failure' });
    for (const step of [remind, reroute]) step.addCatch(emailRefused, { errors: EMAIL_REFUSED_ERRORS, resultPath: '$.failure' });

    // A wait that failed for a passing reason starts again from the stored deadline (so its window does
    // not drift by the time the failure took), a bounded number of times.
    const resumeWait = invoke(STATE.resumeWait, fns.notifyTeam, assignment, '$.Payload');
    const countResume = new sfn.Pass(this, STATE.countResume, {
      stateName: STATE.countResume,
      parameters: { 'Payload.$': '$.Payload', 'resumes.$': 'States.MathAdd($.resumes, 1)' },
    });
    for (const wait of [waitForDeadline, waitForGrace]) {
      wait.addCatch(assignmentFailed, { errors: PERMANENT_ERRORS, resultPath: '$.failure' });
      wait.addCatch(countResume, { errors: [sfn.Errors.ALL], resultPath: '$.failure' });
    }
    for (const step of [notifyTeam, remind, breach, reroute, resumeWait]) {
      step.addCatch(assignmentFailed, { errors: [sfn.Errors.ALL], resultPath: '$.failure' });
    }

    const whereIsIt = new sfn.Choice(this, STATE.whereIsIt)
      .when(sfn.Condition.stringEquals('$.Payload.stage', 'DEADLINE'), waitForDeadline)
      .when(sfn.Condition.stringEquals('$.Payload.stage', 'GRACE'), waitForGrace)
      .when(sfn.Condition.stringEquals('$.Payload.stage', 'DECLINED'), reroute)
      .otherwise(settled);
    notifyTeam.next(whereIsIt);
    countResume.next(new sfn.Choice(this, STATE.resumeOrGiveUp)
      .when(sfn.Condition.numberGreaterThan('$.resumes', MAX_WAIT_RESUMES), assignmentFailed)
      .otherwise(resumeWait));
    resumeWait.next(whereIsIt);
    waitForDeadline.next(settled);
    remind.next(whereIsIt);
    waitForGrace.next(settled);
    breach.next(settled);
    reroute.next(new sfn.Choice(this, STATE.anotherTeam)
      .when(sfn.Condition.isPresent('$.Payload.teamId'), notifyTeam)
      .otherwise(settled));

    const eachAssignment = onFailure(new sfn.Map(this, STATE.eachAssignment, {
      stateName: STATE.eachAssignment,
      itemsPath: '$.routing.assignments',
      itemSelector: {
        Payload: {
          reference,
          teamId: sfn.JsonPath.stringAt('$$.Map.Item.Value.teamId'),
        },
        resumes: 0,
      },
      maxConcurrency: 10,
      resultPath: sfn.JsonPath.DISCARD,
    }).itemProcessor(notifyTeam));
    const recordOutcome = onFailure(invoke(STATE.recordOutcome, fns.recordReferralStatus, { reference, status: 'SETTLED' }, undefined));

    // A coordinator's re-assignment (functions/adapters/referral-actions.ts) starts an execution with
    // `reassignedTeamId`: the referral is already screened and routed, so it goes straight to the ladder.
    const followReassigned = new sfn.Pass(this, STATE.followReassigned, {
      stateName: STATE.followReassigned,
      parameters: { assignments: [{ 'teamId.$': '$.reassignedTeamId' }] },
      resultPath: '$.routing',
    });
    screen
      .next(route)
      .next(new sfn.Choice(this, STATE.inArea)
        .when(sfn.Condition.stringEquals('$.routing.outcome', 'OUT_OF_AREA'),
          outOfArea.next(new sfn.Succeed(this, STATE.outOfAreaDone)))
        .otherwise(eachAssignment.next(recordOutcome).next(new sfn.Succeed(this, STATE.routed))));
    followReassigned.next(eachAssignment);
    this.definition = new sfn.Choice(this, STATE.isReassignment)
      .when(sfn.Condition.isPresent('$.reassignedTeamId'), followReassigned)
      .otherwise(screen);
  }
}
