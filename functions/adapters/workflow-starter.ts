import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { sfn } from './aws-clients.js';
import { requiredEnv } from './environment.js';

const stateMachineArn = requiredEnv('STATE_MACHINE_ARN');

/**
 * Starts the referral's workflow, named after its reference. Step Functions treats a repeat start with
 * the same name and input as the same execution, so calling this twice never runs the workflow twice.
 */
export async function startReferralWorkflow(reference: string): Promise<'started' | 'already-started'> {
  try {
    await sfn.send(new StartExecutionCommand({
      stateMachineArn,
      name: reference,
      input: JSON.stringify({ reference }),
    }));
    return 'started';
  } catch (error) {
    // The name is the reference: an execution that already exists (finished, or started by the first of
    // two repeats) is this referral's workflow, so there is nothing more to start.
    if ((error as Error).name === 'ExecutionAlreadyExists') return 'already-started';
    throw error;
  }
}
