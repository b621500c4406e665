import { InvalidParameterException, NotFoundException, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalSnsEndpoint, localTopicArn, readTopics, type SnsDelivery, type SnsLambdaEvent } from '../../../local/sns-endpoint.js';
import { localLambdaArn, type CfnTemplate } from '../../../local/template.js';

const OPERATIONS = localTopicArn('OperationsTopic');
const RECORD_EMAIL_EVENT = localLambdaArn('RecordEmailEvent');

interface Delivered {
  emails: { to: string; subject: string; text: string }[];
  events: { functionArn: string; event: SnsLambdaEvent }[];
  logged: string[];
}

const running: LocalSnsEndpoint[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((endpoint) => endpoint.close()));
});

async function operationsTopic(overrides: Partial<SnsDelivery> = {}, retryDelaysMs = [5, 10]) {
  const delivered: Delivered = { emails: [], events: [], logged: [] };
  const endpoint = new LocalSnsEndpoint(
    [{ topicArn: OPERATIONS, subscriptions: [
      { protocol: 'email', endpoint: 'operations@referrals.example' },
      { protocol: 'lambda', functionArn: RECORD_EMAIL_EVENT },
    ] }],
    {
      deliverEmail: async (to, subject, text) => { delivered.emails.push({ to, subject, text }); },
      invokeLambda: async (functionArn, event) => { delivered.events.push({ functionArn, event }); return null; },
      log: (message) => delivered.logged.push(message),
      ...overrides,
    },
    retryDelaysMs,
  );
  running.push(endpoint);
  const url = await endpoint.listen(0);
  const sns = new SNSClient({ endpoint: url, region: 'eu-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  return { endpoint, sns, delivered };
}

describe('the local SNS endpoint', () => {
  it('delivers a publication to an email subscription and to a function, in the SNS event shape', async () => {
    const { endpoint, sns, delivered } = await operationsTopic();
    const { MessageId } = await sns.send(new PublishCommand({ TopicArn: OPERATIONS, Subject: 'Workflow failed: SR-2K7Q-9XMB', Message: 'reference SR-2K7Q-9XMB\nerror States.Timeout' }));
    await endpoint.settled();

    expect(MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(delivered.emails).toEqual([{ to: 'operations@referrals.example', subject: 'Workflow failed: SR-2K7Q-9XMB', text: 'reference SR-2K7Q-9XMB\nerror States.Timeout' }]);
    expect(delivered.events).toHaveLength(1);
    const { functionArn, event } = delivered.events[0]!;
    expect(functionArn).toBe(RECORD_EMAIL_EVENT);
    expect(event).toEqual({
      Records: [{
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: expect.stringMatching(new RegExp(`^${OPERATIONS}:[0-9a-f-]{36}$`)),
        Sns: {
          Type: 'Notification', MessageId, TopicArn: OPERATIONS, Subject: 'Workflow failed: SR-2K7Q-9XMB',
          Message: 'reference SR-2K7Q-9XMB\nerror States.Timeout', Timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
          SignatureVersion: '1', Signature: 'local', SigningCertUrl: '', UnsubscribeUrl: '', MessageAttributes: {},
        },
      }],
    });
  });

  it('gives an email without a subject the one SNS gives, and the function a null Subject', async () => {
    const { endpoint, sns, delivered } = await operationsTopic();
    await sns.send(new PublishCommand({ TopicArn: OPERATIONS, Message: 'stream consumer failed' }));
    await endpoint.settled();
    expect(delivered.emails[0]?.subject).toBe('AWS Notification Message');
    expect(delivered.events[0]?.event.Records[0]?.Sns.Subject).toBeNull();
  });

  it('answers the publisher before any subscriber has its message', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => { release = resolve; });
    const { endpoint, sns, delivered } = await operationsTopic({ invokeLambda: async (functionArn, event) => { await held; delivered.events.push({ functionArn, event }); } });
    await sns.send(new PublishCommand({ TopicArn: OPERATIONS, Message: 'alarm' }));
    expect(delivered.events).toHaveLength(0);
    release();
    await endpoint.settled();
    expect(delivered.events).toHaveLength(1);
  });

  it('retries a failed function delivery with backoff, and says which delivery it finally gave up on', async () => {
    const attemptedAt: number[] = [];
    const flaky = await operationsTopic({
      invokeLambda: async () => { if (attemptedAt.push(Date.now()) < 3) throw new Error('Task timed out'); return null; },
    }, [20, 60]);
    await flaky.sns.send(new PublishCommand({ TopicArn: OPERATIONS, Message: 'alarm' }));
    await flaky.endpoint.settled();
    expect(attemptedAt).toHaveLength(3);
    // Timers may round down by a millisecond.
    expect(attemptedAt[1]! - attemptedAt[0]!).toBeGreaterThanOrEqual(19);
    expect(attemptedAt[2]! - attemptedAt[1]!).toBeGreaterThanOrEqual(59);
    expect(flaky.delivered.logged).toEqual([]);

    const broken = await operationsTopic({
      invokeLambda: async () => { throw Object.assign(new Error('Cannot read properties of undefined'), { name: 'TypeError' }); },
    });
    const { MessageId } = await broken.sns.send(new PublishCommand({ TopicArn: OPERATIONS, Message: 'reference SR-2K7Q-9XMB' }));
    await broken.endpoint.settled();
    expect(broken.delivered.logged).toEqual([
      `SNS gave up delivering message ${MessageId} on ${OPERATIONS} to ${RECORD_EMAIL_EVENT} after 3 attempt(s): TypeError: Cannot read properties of undefined`,
    ]);
    expect(broken.delivered.logged[0]).not.toContain('SR-2K7Q-9XMB');
    expect(broken.delivered.emails).toHaveLength(1);
  });

  it('gives up a delivery waiting to retry when it is closed, and says so', async () => {
    let failed!: () => void;
    const firstFailure = new Promise<void>((resolve) => { failed = resolve; });
    const { endpoint, sns, delivered } = await operationsTopic({
      invokeLambda: async () => { failed(); throw new Error('Task timed out'); },
    }, [60_000]);
    await sns.send(new PublishCommand({ TopicArn: OPERATIONS, Message: 'alarm' }));
    await firstFailure;
    const closing = Date.now();
    await endpoint.close();
    expect(Date.now() - closing).toBeLessThan(1_000);
    expect(delivered.logged).toEqual([expect.stringMatching(/gave up .* after 1 attempt\(s\): Error: Task timed out$/)]);
  });

  it('refuses a topic it does not have with NotFound, as SNS does', async () => {
    const { sns, delivered } = await operationsTopic();
    const publishing = sns.send(new PublishCommand({ TopicArn: localTopicArn('NoSuchTopic'), Message: 'alarm' }));
    await expect(publishing).rejects.toBeInstanceOf(NotFoundException);
    await expect(publishing).rejects.toMatchObject({ name: 'NotFoundException', message: 'Topic does not exist', $metadata: { httpStatusCode: 404 } });
    expect(delivered.emails).toHaveLength(0);
  });

  it('refuses a subject SNS would refuse (a line break, 100 characters or more)', async () => {
    const { sns } = await operationsTopic();
    for (const Subject of ['Workflow failed\nSR-2K7Q-9XMB', 'x'.repeat(100)]) {
      await expect(sns.send(new PublishCommand({ TopicArn: OPERATIONS, Subject, Message: 'alarm' }))).rejects.toBeInstanceOf(InvalidParameterException);
    }
    await expect(sns.send(new PublishCommand({ TopicArn: OPERATIONS, Subject: 'x'.repeat(99), Message: 'alarm' }))).resolves.toMatchObject({ MessageId: expect.any(String) });
  });

  it('gives each protocol its own message when the publisher structures it as JSON', async () => {
    const { endpoint, sns, delivered } = await operationsTopic();
    await sns.send(new PublishCommand({ TopicArn: OPERATIONS, MessageStructure: 'json', Message: JSON.stringify({ default: 'for everyone', email: 'for the mailbox' }) }));
    await endpoint.settled();
    expect(delivered.emails[0]?.text).toBe('for the mailbox');
    expect(delivered.events[0]?.event.Records[0]?.Sns.Message).toBe('for everyone');
  });
});

describe('reading topics from the synthesized template', () => {
  // The shapes CDK emits for a topic with EmailSubscription and LambdaSubscription, plus a named topic with inline subscriptions.
  const template: CfnTemplate = {
    Resources: {
      OperationsTopicC9C1CC12: { Type: 'AWS::SNS::Topic' },
      OperationsTopicopsexampleorg139F072B: {
        Type: 'AWS::SNS::Subscription',
        Properties: { Endpoint: 'operations@referrals.example', Protocol: 'email', TopicArn: { Ref: 'OperationsTopicC9C1CC12' } },
      },
      RecordEmailEventCB0A71AD: { Type: 'AWS::Lambda::Function', Properties: {} },
      RecordEmailEventOperationsTopic352FE548: {
        Type: 'AWS::SNS::Subscription',
        Properties: { Endpoint: { 'Fn::GetAtt': ['RecordEmailEventCB0A71AD', 'Arn'] }, Protocol: 'lambda', TopicArn: { Ref: 'OperationsTopicC9C1CC12' } },
      },
      AlarmsTopic: {
        Type: 'AWS::SNS::Topic',
        Properties: {
          TopicName: 'referral-alarms',
          Subscription: [
            { Protocol: 'email', Endpoint: 'duty@referrals.example' },
            { Protocol: 'lambda', Endpoint: { 'Fn::GetAtt': ['RecordEmailEventCB0A71AD', 'Arn'] } },
          ],
        },
      },
    },
  };

  it('names each topic by its TopicName or logical id, with its subscriptions from either place', () => {
    expect(readTopics(template)).toEqual([
      {
        logicalId: 'OperationsTopicC9C1CC12',
        topicArn: 'arn:aws:sns:eu-west-2:000000000000:OperationsTopicC9C1CC12',
        subscriptions: [
          { protocol: 'email', endpoint: 'operations@referrals.example' },
          { protocol: 'lambda', functionArn: 'arn:aws:lambda:eu-west-2:000000000000:function:RecordEmailEventCB0A71AD' },
        ],
      },
      {
        logicalId: 'AlarmsTopic',
        topicArn: 'arn:aws:sns:eu-west-2:000000000000:referral-alarms',
        subscriptions: [
          { protocol: 'email', endpoint: 'duty@referrals.example' },
          { protocol: 'lambda', functionArn: 'arn:aws:lambda:eu-west-2:000000000000:function:RecordEmailEventCB0A71AD' },
        ],
      },
    ]);
  });

  it('refuses at start-up what it would deliver differently from SNS', () => {
    const withSubscription = (properties: Record<string, unknown>): CfnTemplate => ({
      Resources: { Topic: { Type: 'AWS::SNS::Topic' }, Subscription: { Type: 'AWS::SNS::Subscription', Properties: { TopicArn: { Ref: 'Topic' }, ...properties } } },
    });
    expect(() => readTopics(withSubscription({ Protocol: 'sqs', Endpoint: 'arn:aws:sqs:eu-west-2:000000000000:q' }))).toThrow(/email address or a function/);
    expect(() => readTopics(withSubscription({ Protocol: 'email', Endpoint: 'a@referrals.example', FilterPolicy: { severity: ['high'] } }))).toThrow(/filter policies/);
    expect(() => readTopics(withSubscription({ Protocol: 'email', Endpoint: 'a@referrals.example', TopicArn: { Ref: 'Elsewhere' } }))).toThrow(/does not Ref a topic/);
  });
});
