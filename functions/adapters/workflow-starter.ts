import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { sfn } from './aws-clients.js';
import { requiredEnv } from './environment.js';

const stateMachineArn = requiredEnv('STATE_MACHINE_ARN');

/**
 * Starts the referral's workflow, named after its reference. Step Functions treats a repeat start with
 * the same name and input as the same execution, so calling this twice never runs the workflow twice.
 */
export async function startReferralWorkflow(reference: string): Promise<string> {
  const result = await sfn.send(new StartExecutionCommand({
    stateMachineArn,
    name: reference,
    input: JSON.stringify({ reference }),
  }));
  return result.executionArn ?? '';
}
