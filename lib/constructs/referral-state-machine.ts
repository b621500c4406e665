import { ArnFormat, CfnElement, Duration, Validations, type Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { ReferralWorkflow, type ReferralWorkflowFunctions } from '../../workflows/referral-workflow.js';
import type { OperationsAlerts } from './operations-alerts.js';
import type { OutgoingMail } from './outgoing-mail.js';
import { ReferralFunction } from './referral-function.js';
import { ReferralOutbox } from './referral-outbox.js';
import type { ReferralStore } from './referral-store.js';

/** What a function does with the workflow: start runs, answer a run waiting on a team, or check it is there. */
export type WorkflowUse = 'start' | 'answer' | 'describe';

export interface ReferralStateMachineProps {
  readonly store: ReferralStore;
  readonly mail: OutgoingMail;
  readonly alerts: OperationsAlerts;
}

/**
 * A referral's journey (SPEC §5): the workflow's task functions, its state machine, and the outbox that
 * starts a run for every referral the table stores. Created in the stack's own scope (see ReferralStack).
 */
export class ReferralStateMachine {
  readonly stateMachine: sfn.StateMachine;
  private readonly arnByName: string;
  private readonly answerCallbacks: iam.PolicyStatement;

  constructor(stack: Stack, props: ReferralStateMachineProps) {
    const { store, mail, alerts } = props;
    const task = (id: string, entry: string, description: string) => {
      const fn = new ReferralFunction(stack, id, { entry, description });
      store.bind(fn, 'read-write');
      return fn;
    };
    const notifier = (id: string, entry: string, description: string) => {
      const fn = new ReferralFunction(stack, id, { entry, description });
      mail.bindNotifier(fn);
      return fn;
    };
    const tasks = {
      screenReferral: task('ScreenReferral', 'functions/workflow/screen-referral.ts', 'Screens a stored referral for risk'),
      routeReferral: task('RouteReferral', 'functions/workflow/route-referral.ts',
        'Decides which teams a screened referral goes to and records their assignments'),
      recordReferralStatus: task('RecordReferralStatus', 'functions/workflow/record-referral-status.ts', 'Records a workflow milestone on a referral'),
      notifyTeam: notifier('NotifyTeam', 'functions/workflow/notify-team.ts', 'Emails a team that a referral has been assigned to it'),
      notifyCoordinator: notifier('NotifyCoordinator', 'functions/workflow/notify-coordinator.ts',
        'Emails the coordinator about a referral that needs a person to look at it'),
      // The ladder's steps (SPEC §5): each waits, reminds, breaches or re-routes one assignment.
      awaitAcknowledgement: task('AwaitAcknowledgement', 'functions/workflow/await-acknowledgement.ts',
        'Keeps the workflow callback token on an assignment while its team is waited on'),
      escalateAssignment: notifier('EscalateAssignment', 'functions/workflow/escalate-assignment.ts',
        'Reminds a team and its duty manager after a missed deadline, or records the breach'),
      rerouteAssignment: notifier('RerouteAssignment', 'functions/workflow/reroute-assignment.ts',
        'Hands a declined assignment to the next team along its fallback chain'),
    } satisfies ReferralWorkflowFunctions;

    const workflow = new ReferralWorkflow(stack, 'Workflow', tasks);
    const workflowLogs = new logs.LogGroup(stack, 'WorkflowLogs', { retention: logs.RetentionDays.SIX_MONTHS });
    // Named, so the functions that answer its callbacks can be granted it by ARN: a reference to the
    // state machine itself would make a cycle (it invokes one of them).
    const stateMachineName = `${stack.stackName}-referral-workflow`;
    this.arnByName = stack.formatArn({ service: 'states', resource: 'stateMachine', resourceName: stateMachineName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    this.answerCallbacks = new iam.PolicyStatement({ actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'], resources: [this.arnByName] });
    // Answering a callback takes its token only: this task needs the leave, not the machine's address.
    tasks.awaitAcknowledgement.addToRolePolicy(this.answerCallbacks);
    this.stateMachine = new sfn.StateMachine(stack, 'ReferralStateMachine', {
      stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(workflow.definition),
      tracingEnabled: true,
      // Execution data holds references and team ids only, but it is kept out of the logs all the same.
      logs: { destination: workflowLogs, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    this.acknowledgeNagFindings(Object.values(tasks));

    // The outbox: whatever became of the request that stored a referral, the table's stream starts it.
    const startReferralWorkflows = new ReferralFunction(stack, 'StartReferralWorkflows', {
      entry: 'functions/events/start-referral-workflows.ts',
      description: 'Starts the workflow of every referral the table stores (the outbox)',
      // A full batch is up to 100 starts one after another, each retried by the SDK when throttled.
      timeout: Duration.minutes(1),
    });
    this.bind(startReferralWorkflows, 'start');
    new ReferralOutbox(stack, 'Outbox', { table: store.table, starter: startReferralWorkflows, alerts });
    alerts.watchWorkflow(this.stateMachine);
  }

  /** The state machine's ARN in the function's environment, and the grant for each use, together. */
  bind(fn: lambda.Function, ...uses: WorkflowUse[]): void {
    // Answerers are given the ARN by name, as their grant has it.
    fn.addEnvironment('STATE_MACHINE_ARN', uses.includes('answer') ? this.arnByName : this.stateMachine.stateMachineArn);
    for (const use of uses) {
      if (use === 'start') this.stateMachine.grantStartExecution(fn);
      else if (use === 'answer') fn.addToRolePolicy(this.answerCallbacks);
      else fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:DescribeStateMachine'], resources: [this.stateMachine.stateMachineArn] }));
    }
  }

  private acknowledgeNagFindings(tasks: lambda.Function[]): void {
    Validations.of(this.stateMachine).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray trace writes and the Step Functions log delivery actions have no resource-level permissions; AWS documents "*" as their only resource.',
    });
    for (const fn of tasks) {
      const functionId = this.stateMachine.stack.getLogicalId(fn.node.defaultChild as CfnElement);
      Validations.of(this.stateMachine).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${functionId}.Arn>:*]`,
        reason: 'The workflow may invoke any version or alias of its own task function, and nothing else.',
      });
    }
  }
}
