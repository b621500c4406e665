import { SendTaskFailureCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { DECLINED_ERROR } from '../../workflows/workflow-contract.js';
import { sfn } from './aws-clients.js';

/** A token the workflow no longer waits on (it timed out, or a restart replaced it): nothing to tell. */
const STALE = new Set(['TaskDoesNotExist', 'TaskTimedOut', 'InvalidToken']);

async function tell(command: SendTaskSuccessCommand | SendTaskFailureCommand): Promise<'told' | 'stale'> {
  try {
    await sfn.send(command as SendTaskSuccessCommand);
    return 'told';
  } catch (error) {
    if (STALE.has((error as Error).name)) return 'stale';
    throw error;
  }
}

export function resumeWithAcknowledgement(token: string, teamId: string): Promise<'told' | 'stale'> {
  return tell(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ acknowledged: true, teamId }) }));
}

export function resumeWithDecline(token: string): Promise<'told' | 'stale'> {
  // The reason stays on the assignment: a workflow's error cause is logged and must carry no free text.
  return tell(new SendTaskFailureCommand({ taskToken: token, error: DECLINED_ERROR, cause: 'The team declined the assignment.' }));
}

/** A coordinator moved the referral to another team: this team's wait ends, its ladder settles. */
export function resumeAsSettled(token: string, teamId: string): Promise<'told' | 'stale'> {
  return tell(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ reassigned: true, teamId }) }));
}
