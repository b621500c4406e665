import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { SendEmailCommand, SESv2Client, SESv2ServiceException } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import type { AgencyEmail } from '../../functions/domain/agency-email.js';
import { eventually } from '../support/local-cloud-client.js';

const cloud = inject('localCloud');
const ses = mockClient(SESv2Client);

let teamEmail: typeof import('../../functions/adapters/team-email.js');

beforeAll(async () => {
  // The adapters read their table and endpoints when they load, as a Lambda does at cold start. The
  // table is the local cloud's; SES is a mock, so each test decides what the send does and when.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: cloud.dynamodbUrl, TABLE_NAME: cloud.tableName,
    AWS_REGION: 'eu-west-2', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local',
    MAIL_FROM: 'referrals@example.org', MAIL_CONFIGURATION_SET: 'referrals',
  });
  teamEmail = await import('../../functions/adapters/team-email.js');
});
beforeEach(() => ses.reset());
afterAll(() => ses.restore());

const table = DynamoDBDocumentClient.from(new DynamoDBClient({
  endpoint: cloud.dynamodbUrl, region: 'eu-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
}));

const email: AgencyEmail = { to: 'mdvs@example.org', subject: 'New referral', text: 'A new referral', html: '<p>A new referral</p>' };
const inAMinute = () => new Date(Date.now() + 60_000);

/** An assignment of its own for each test, as the routing step stores it, plus whatever the test adds. */
async function anAssignment(extra: Record<string, unknown> = {}): Promise<{ reference: string; teamId: string }> {
  const reference = `SR-${randomBytes(4).toString('hex').toUpperCase()}`;
  await table.send(new PutCommand({
    TableName: cloud.tableName,
    Item: { pk: `REFERRAL#${reference}`, sk: 'ASSIGNMENT#mdvs', reference, teamId: 'mdvs', status: 'ASSIGNED', band: 'HIGH', ...extra },
  }));
  return { reference, teamId: 'mdvs' };
}

const stored = async (reference: string) => (await table.send(new GetCommand({
  TableName: cloud.tableName, Key: { pk: `REFERRAL#${reference}`, sk: 'ASSIGNMENT#mdvs' }, ConsistentRead: true,
}))).Item;

describe('the team email, sent once however its step is retried', () => {
  it('holds a second attempt back while the first is still sending, and gives every later one the first one\u2019s message id', async () => {
    const assignment = await anAssignment();
    let answer: (id: string) => void = () => undefined;
    ses.on(SendEmailCommand).callsFake(() => new Promise((resolve) => {
      answer = (id) => resolve({ MessageId: id });
    }));
    // The first attempt ran out of time as far as the workflow knows, but its send is still in flight.
    const first = teamEmail.emailTeamOnce({ ...assignment, email, deadline: inAMinute() });
    await eventually(async () => ses.commandCalls(SendEmailCommand).length === 1, 'the first attempt to reach SES');

    await expect(teamEmail.emailTeamOnce({ ...assignment, email, deadline: inAMinute() })).rejects.toThrow(teamEmail.TeamEmailInProgress);
    answer('message-1');
    expect(await first).toBe('message-1');
    expect(await teamEmail.emailTeamOnce({ ...assignment, email, deadline: inAMinute() })).toBe('message-1');
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
    expect(await stored(assignment.reference)).toMatchObject({ status: 'ASSIGNED', messageId: 'message-1' });
    expect(await stored(assignment.reference)).not.toHaveProperty('emailClaimedUntil');
  });

  it('lets the next attempt send at once when SES answered that it did not take the email', async () => {
    const assignment = await anAssignment();
    ses.on(SendEmailCommand)
      .rejectsOnce(new SESv2ServiceException({ name: 'TooManyRequestsException', $fault: 'client', $metadata: { httpStatusCode: 429 }, message: 'slow down' }))
      .resolves({ MessageId: 'message-2' });
    await expect(teamEmail.emailTeamOnce({ ...assignment, email, deadline: inAMinute() })).rejects.toThrow('slow down');
    expect(await stored(assignment.reference)).not.toHaveProperty('emailClaimedUntil');
    expect(await teamEmail.emailTeamOnce({ ...assignment, email, deadline: inAMinute() })).toBe('message-2');
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(2);
  });

  it('sends again only once the claim of an attempt that was cut off has lapsed with nothing recorded', async () => {
    const held = await anAssignment({ emailClaimedUntil: inAMinute().toISOString() });
    const lapsed = await anAssignment({ emailClaimedUntil: new Date(Date.now() - 1_000).toISOString() });
    ses.on(SendEmailCommand).resolves({ MessageId: 'message-3' });
    await expect(teamEmail.emailTeamOnce({ ...held, email, deadline: inAMinute() })).rejects.toThrow(teamEmail.TeamEmailInProgress);
    expect(await teamEmail.emailTeamOnce({ ...lapsed, email, deadline: inAMinute() })).toBe('message-3');
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
  });

  it('sends nothing for an assignment that already has its email, or that the team acted on first', async () => {
    const sent = await anAssignment({ messageId: 'message-4' });
    const acknowledged = await anAssignment({ status: 'ACKNOWLEDGED' });
    expect(await teamEmail.emailTeamOnce({ ...sent, email, deadline: inAMinute() })).toBe('message-4');
    expect(await teamEmail.emailTeamOnce({ ...acknowledged, email, deadline: inAMinute() })).toBeUndefined();
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it('leaves the record to the caller\u2019s own write when that write takes it, and records the id alone when it does not', async () => {
    const carried = await anAssignment();
    const movedOn = await anAssignment();
    ses.on(SendEmailCommand).resolves({ MessageId: 'message-6' });
    const handedOver: string[] = [];
    // The caller's write here stands in for the move to NOTIFIED, which carries the message id.
    const recordSent = (answer: boolean) => async (messageId: string) => {
      handedOver.push(messageId);
      if (answer) {
        const { emailClaimedUntil: _claim, ...assignment } = (await stored(carried.reference))!;
        await table.send(new PutCommand({ TableName: cloud.tableName, Item: { ...assignment, status: 'NOTIFIED', messageId } }));
      }
      return answer;
    };
    expect(await teamEmail.emailTeamOnce({ ...carried, email, deadline: inAMinute(), recordSent: recordSent(true) })).toBe('message-6');
    expect(await teamEmail.emailTeamOnce({ ...movedOn, email, deadline: inAMinute(), recordSent: recordSent(false) })).toBe('message-6');
    expect(handedOver).toEqual(['message-6', 'message-6']);
    expect(await stored(carried.reference)).toMatchObject({ status: 'NOTIFIED', messageId: 'message-6' });
    expect(await stored(movedOn.reference)).toMatchObject({ status: 'ASSIGNED', messageId: 'message-6' });
    expect(await stored(movedOn.reference)).not.toHaveProperty('emailClaimedUntil');
    // Either way a later attempt finds the id and sends nothing.
    expect(await teamEmail.emailTeamOnce({ ...movedOn, email, deadline: inAMinute() })).toBe('message-6');
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(2);
  });

  it('does not start a send it has no time left to finish', async () => {
    const assignment = await anAssignment();
    ses.on(SendEmailCommand).resolves({ MessageId: 'message-5' });
    await expect(teamEmail.emailTeamOnce({ ...assignment, email, deadline: new Date(Date.now() + 1_500) })).rejects.toThrow(teamEmail.TeamEmailInProgress);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
    expect(await stored(assignment.reference)).not.toHaveProperty('emailClaimedUntil');
  });
});
