import { readFileSync } from 'node:fs';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { eventually, LocalCloudClient } from '../support/local-cloud-client.js';
import { aReferral, aStandardReferral } from '../support/referrals.js';

const cloud = inject('localCloud');
const client = new LocalCloudClient(cloud);
const sfn = new SFNClient({ endpoint: cloud.stepFunctionsUrl, region: 'eu-west-2', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
/** The referral's own run, named after its reference (functions/adapters/workflow-starter.ts), once it stops. */
const finishedRun = (reference: string) => eventually(async () => {
  const executionArn = `${cloud.stateMachineArn.replace(':stateMachine:', ':execution:')}:${reference}`;
  const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  return described.status !== 'RUNNING' && described;
}, 'the referral workflow to stop');

let recordReferralStatus: typeof import('../../functions/workflow/record-referral-status.js');

beforeAll(async () => {
  // The workflow step reads its table and endpoint when it loads, as a Lambda does at cold start.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: cloud.dynamodbUrl, TABLE_NAME: cloud.tableName,
    AWS_REGION: 'eu-west-2', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local',
  });
  recordReferralStatus = await import('../../functions/workflow/record-referral-status.js');
});

async function awaitingAcknowledgement(body: Record<string, unknown>): Promise<string> {
  const response = await client.submit(body);
  const { reference } = (await response.json()) as { reference: string };
  await eventually(async () => (await client.referral(reference))?.status === 'AWAITING_ACK', 'the teams to be notified');
  return reference;
}

const caseworker = (teamId: string) => `${teamId}.caseworker`;
const attempt = (teamId: string, reference: string, body: unknown, as = caseworker(teamId)) =>
  client.as(as, 'POST', `/api/referrals/${reference}/assignments/${teamId}/contact-attempts`, body);
const outcome = (teamId: string, reference: string, body: unknown, as = caseworker(teamId)) =>
  client.as(as, 'POST', `/api/referrals/${reference}/assignments/${teamId}/outcome`, body);
const acknowledge = (teamId: string, reference: string) =>
  client.as(caseworker(teamId), 'POST', `/api/referrals/${reference}/assignments/${teamId}/acknowledge`);
const assignment = async (reference: string, teamId: string) => (await client.itemsOf(reference, `ASSIGNMENT#${teamId}`))[0];
const eventsOf = async (reference: string, type: string) => (await client.itemsOf(reference, 'EVENT#')).filter((e) => e.type === type);
const closings = async (reference: string) => (await eventsOf(reference, 'STATUS_CHANGED')).filter((e) => e.to === 'CLOSED');

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

describe('a team recording its contact with the person and the outcome, through the API', () => {
  it('records two attempts and an outcome, audited, and the referral closes with it; repeats and changes are answered', async () => {
    const reference = await awaitingAcknowledgement(aStandardReferral());
    const note = `Left no message: not safe to. ${reference}-note`;

    // Before the team took it on, nothing can be recorded; another team is told there is no such thing.
    expect((await attempt('victim-care', reference, { at: minutesAgo(1), method: 'phone', reached: false })).status).toBe(409);
    expect((await outcome('victim-care', reference, { outcome: 'support-accepted', reason: 'Too early.' })).status).toBe(409);
    expect((await attempt('mdvs', reference, { at: minutesAgo(1), method: 'phone', reached: false }, 'mdvs.caseworker')).status).toBe(404);
    expect((await attempt('victim-care', reference, { at: minutesAgo(1), method: 'phone', reached: false }, 'mdvs.caseworker')).status).toBe(404);
    expect((await outcome('victim-care', reference, { outcome: 'support-accepted', reason: 'Not ours.' }, 'mdvs.caseworker')).status).toBe(404);
    expect((await fetch(`${cloud.apiUrl}/api/referrals/${reference}/assignments/victim-care/outcome`, { method: 'POST' })).status).toBe(401);

    expect((await acknowledge('victim-care', reference)).status).toBe(200);

    // Bad bodies: each field named, nothing stored.
    const empty = await attempt('victim-care', reference, {});
    expect(empty.status).toBe(400);
    expect((empty.body.errors as { path: string }[]).map((e) => e.path)).toEqual(['at', 'method', 'reached']);
    const wrong = await attempt('victim-care', reference, { at: 'last Tuesday', method: 'carrier-pigeon', reached: 'yes', note: 'x'.repeat(501), extra: 1 });
    expect(wrong.status).toBe(400);
    expect((wrong.body.errors as { path: string }[]).map((e) => e.path)).toEqual(expect.arrayContaining(['at', 'method', 'reached', 'note', '']));
    const future = await attempt('victim-care', reference, { at: new Date(Date.now() + 3_600_000).toISOString(), method: 'phone', reached: false });
    expect(future.status).toBe(400);
    expect(future.body.errors).toEqual([{ path: 'at', message: 'The time of the attempt must not be in the future.' }]);
    const beforeIt = await attempt('victim-care', reference, { at: '2020-01-01T09:00:00Z', method: 'phone', reached: false });
    expect(beforeIt.status).toBe(400);
    expect((beforeIt.body.errors as { path: string }[])[0]?.path).toBe('at');
    const badOutcome = await outcome('victim-care', reference, { outcome: 'closed', reason: '' });
    expect(badOutcome.status).toBe(400);
    expect((badOutcome.body.errors as { path: string }[]).map((e) => e.path)).toEqual(['outcome', 'reason']);
    expect(await client.itemsOf(reference, 'CONTACT#')).toEqual([]);
    expect(await assignment(reference, 'victim-care')).not.toHaveProperty('outcome');

    // Two attempts: the first did not reach the person, the second did.
    // Both after the team was given the referral, moments ago.
    const firstAt = new Date().toISOString();
    const first = await attempt('victim-care', reference, { at: firstAt, method: 'phone', reached: false, note });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ reference, teamId: 'victim-care', at: firstAt, method: 'phone', reached: false, note });
    expect(await assignment(reference, 'victim-care')).not.toHaveProperty('firstContactAt');
    const reachedAt = new Date().toISOString();
    expect((await attempt('victim-care', reference, { at: reachedAt, method: 'text', reached: true })).status).toBe(201);
    expect((await assignment(reference, 'victim-care'))?.firstContactAt).toBe(reachedAt);
    const stored = await client.itemsOf(reference, 'CONTACT#victim-care#');
    expect(stored.map((a) => [a.method, a.reached])).toEqual([['phone', false], ['text', true]]);

    // The outcome closes the referral: its only team is finished.
    const done = await outcome('victim-care', reference, { outcome: 'support-accepted', reason: 'Agreed to weekly calls.' });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ reference, teamId: 'victim-care', outcome: 'support-accepted', referralStatus: 'CLOSED' });
    expect(await assignment(reference, 'victim-care')).toMatchObject({
      status: 'ACKNOWLEDGED', outcome: 'support-accepted', outcomeReason: 'Agreed to weekly calls.', outcomeBy: expect.any(String), outcomeAt: done.body.outcomeAt,
    });
    const read = await client.as('victim-care.caseworker', 'GET', `/api/referrals/${reference}`);
    expect(read.body.status).toBe('CLOSED');
    expect((read.body.assignments as { outcome?: string }[])[0]?.outcome).toBe('support-accepted');
    expect((read.body.contactAttempts as { reached: boolean }[]).map((a) => a.reached)).toEqual([false, true]);

    // A repeat is harmless; another outcome, or another attempt, is refused.
    const again = await outcome('victim-care', reference, { outcome: 'support-accepted', reason: 'Agreed to weekly calls.' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(done.body);
    expect((await outcome('victim-care', reference, { outcome: 'unable-to-contact', reason: 'Changed my mind.' })).status).toBe(409);
    expect((await attempt('victim-care', reference, { at: minutesAgo(0), method: 'phone', reached: true })).status).toBe(409);

    // Audited: who, when, how, reached; the note stays on the attempt, out of events and logs.
    const attempts = await eventsOf(reference, 'CONTACT_ATTEMPT_RECORDED');
    expect(attempts.map((e) => [e.teamId, (e.detail as Record<string, unknown>).method, (e.detail as Record<string, unknown>).reached])).toEqual([
      ['victim-care', 'phone', false], ['victim-care', 'text', true],
    ]);
    expect(attempts.every((e) => typeof e.actor === 'string' && (e.actor as string).startsWith('user:'))).toBe(true);
    const outcomes = await eventsOf(reference, 'OUTCOME_RECORDED');
    expect(outcomes).toEqual([expect.objectContaining({ teamId: 'victim-care', to: 'support-accepted' })]);
    expect(outcomes[0]).not.toHaveProperty('from');
    expect(await closings(reference)).toHaveLength(1);
    expect((await finishedRun(reference)).status).toBe('SUCCEEDED');
    expect((await client.referral(reference))?.status).toBe('CLOSED');
    expect((await client.itemsContaining(`${reference}-note`)).map((item) => item.kind)).toEqual(['contact-attempt']);
    expect(readFileSync(cloud.logFile, 'utf8')).not.toContain(`${reference}-note`);

    // Erased on the person's request, the note and the outcome's reason go with their other details.
    expect((await client.as('coordinator.merseyside', 'POST', `/api/referrals/${reference}/erase`)).status).toBe(200);
    expect(await client.itemsContaining(`${reference}-note`)).toEqual([]);
    expect((await client.itemsOf(reference, 'CONTACT#')).map((a) => a.note ?? null)).toEqual(['[erased]', null]);
    expect(await assignment(reference, 'victim-care')).toMatchObject({ outcome: 'support-accepted', outcomeReason: '[erased]' });
  });

  it('ends the workflow cleanly when the referral closed before its run recorded the settled status', async () => {
    const reference = await awaitingAcknowledgement(aStandardReferral());
    expect((await acknowledge('victim-care', reference)).status).toBe(200);
    expect((await outcome('victim-care', reference, { outcome: 'referred-elsewhere', reason: 'Housing association leads.' })).status).toBe(200);
    expect((await client.referral(reference))?.status).toBe('CLOSED');

    // The run's last step arriving after the close (as it does when the team is quick) keeps it closed.
    const settled = await recordReferralStatus.handler({ reference, status: 'SETTLED' }, {} as Context);
    expect(settled).toEqual({ status: 'CLOSED' });
    const awaiting = await recordReferralStatus.handler({ reference, status: 'AWAITING_ACK' }, {} as Context);
    expect(awaiting).toEqual({ status: 'CLOSED' });
    // And the run's own last step, whenever it came, neither failed nor moved it.
    expect((await finishedRun(reference)).status).toBe('SUCCEEDED');
    expect((await client.referral(reference))?.status).toBe('CLOSED');
    expect(await eventsOf(reference, 'WORKFLOW_FAILED')).toEqual([]);
    expect(await closings(reference)).toHaveLength(1);
  });

  it('closes a referral given to two teams only when both are finished, and exactly once when they finish together', async () => {
    const reference = await awaitingAcknowledgement(aReferral());
    for (const team of ['mdvs', 'housing-support']) expect((await acknowledge(team, reference)).status).toBe(200);
    expect((await outcome('mdvs', reference, { outcome: 'support-accepted', reason: 'Safety plan agreed.' })).body.referralStatus).not.toBe('CLOSED');
    expect((await client.referral(reference))?.status).not.toBe('CLOSED');
    const last = await outcome('housing-support', reference, { outcome: 'support-declined', reason: 'Staying with family for now.' });
    expect(last.body.referralStatus).toBe('CLOSED');
    expect((await client.referral(reference))?.status).toBe('CLOSED');
    expect(await closings(reference)).toHaveLength(1);

    const together = await awaitingAcknowledgement(aReferral());
    for (const team of ['mdvs', 'housing-support']) expect((await acknowledge(team, together)).status).toBe(200);
    const answers = await Promise.all([
      outcome('mdvs', together, { outcome: 'unable-to-contact', reason: 'Five tries over a week.' }),
      outcome('housing-support', together, { outcome: 'not-appropriate', reason: 'No housing need after all.' }),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(answers.some((a) => a.body.referralStatus === 'CLOSED')).toBe(true);
    await eventually(async () => (await client.referral(together))?.status === 'CLOSED', 'the referral to close');
    expect(await closings(together)).toHaveLength(1);
  });
});
