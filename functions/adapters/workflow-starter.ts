import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { sfn } from './aws-clients.js';
import { requiredEnv } from './environment.js';

// Read when a workflow is started, not when the module loads: the agency actions share this module, and
// only the functions that start workflows are given the state machine (a Lambda without it must still load).
const stateMachineArn = () => requiredEnv('STATE_MACHINE_ARN');

/**
 * Starts the referral's workflow, named after its reference. Step Functions treats a repeat start with
 * the same name and input as the same execution, so calling this twice never runs the workflow twice.
 */
export function startReferralWorkflow(reference: string): Promise<'started' | 'already-started'> {
  return start(reference, { reference });
}

/**
 * Follows a team a coordinator re-assigned the referral to, through the same acknowledgement ladder.
 * Named after the referral and the team, which can hold only one assignment each: one execution per
 * re-assignment, however often it is asked for.
 */
export function startReassignmentWorkflow(reference: string, teamId: string): Promise<'started' | 'already-started'> {
  return start(`${reference}--${teamId}`, { reference, reassignedTeamId: teamId });
}

async function start(name: string, input: Record<string, string>): Promise<'started' | 'already-started'> {
  try {
    await sfn.send(new StartExecutionCommand({ stateMachineArn: stateMachineArn(), name, input: JSON.stringify(input) }));
    return 'started';
  } catch (error) {
    // An execution that already exists under this name (finished, or started by the first of two
    // repeats) is the one asked for, so there is nothing more to start.
    if ((error as Error).name === 'ExecutionAlreadyExists') return 'already-started';
    throw error;
  }
}
