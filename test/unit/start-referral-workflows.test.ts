import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';

const STATE_MACHINE_ARN = 'arn:aws:states:eu-west-2:000000000000:stateMachine:referrals';
process.env.STATE_MACHINE_ARN = STATE_MACHINE_ARN;
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
const sfn = mockClient(SFNClient);

type Handler = (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse>;
let handler: Handler;
beforeAll(async () => {
  handler = (await import('../../functions/events/start-referral-workflows.js')).handler as unknown as Handler;
});
beforeEach(() => sfn.reset());

const inserted = (reference: string, sequenceNumber: string) => ({
  eventName: 'INSERT' as const, dynamodb: { Keys: { pk: { S: `REFERRAL#${reference}` }, sk: { S: 'REFERRAL' } }, SequenceNumber: sequenceNumber },
});
const run = (records: ReturnType<typeof inserted>[]) => handler({ Records: records } as DynamoDBStreamEvent, {} as Context);

describe('the outbox on the table stream', () => {
  it('starts the workflow of each new referral, named after its reference', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn' });
    expect(await run([inserted('SR-7KQ2-9XMD', '1'), inserted('SR-ABCD-EFGH', '2')])).toEqual({ batchItemFailures: [] });
    expect(sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input)).toEqual([
      { stateMachineArn: STATE_MACHINE_ARN, name: 'SR-7KQ2-9XMD', input: JSON.stringify({ reference: 'SR-7KQ2-9XMD' }) },
      { stateMachineArn: STATE_MACHINE_ARN, name: 'SR-ABCD-EFGH', input: JSON.stringify({ reference: 'SR-ABCD-EFGH' }) },
    ]);
  });

  it('takes a workflow the request already started as done', async () => {
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    expect(await run([inserted('SR-7KQ2-9XMD', '1')])).toEqual({ batchItemFailures: [] });
  });

  it('reports the record it could not start and every later one, so the mapping resumes from there in order', async () => {
    sfn.on(StartExecutionCommand)
      .resolvesOnce({ executionArn: 'arn' })
      .rejectsOnce(Object.assign(new Error('connect ECONNREFUSED'), { name: 'TimeoutError' }))
      .resolves({ executionArn: 'arn' });
    const answer = await run([inserted('SR-7KQ2-9XMD', '1'), inserted('SR-ABCD-EFGH', '2'), inserted('SR-2345-6789', '3')]);
    expect(answer).toEqual({ batchItemFailures: [{ itemIdentifier: '2' }, { itemIdentifier: '3' }] });
    // Once one failed, the rest wait: no start out of order.
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(2);
  });
});
