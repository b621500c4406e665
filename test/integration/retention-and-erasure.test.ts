import { spawnSync } from 'node:child_process';
import { userInfo } from 'node:os';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { spansOfDay } from '../../functions/domain/report-calendar.js';
import { eventually, LocalCloudClient } from '../support/local-cloud-client.js';
import { PROJECT_ROOT } from '../support/local-cloud-process.js';
import { aStandardReferral } from '../support/referrals.js';

const cloud = inject('localCloud');
const client = new LocalCloudClient(cloud);
const SIX_YEARS_DAYS = 2192;

let readAggregates: typeof import('../../functions/adapters/throughput-store.js').readAggregates;

beforeAll(async () => {
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: cloud.dynamodbUrl, TABLE_NAME: cloud.tableName, AWS_REGION: 'eu-west-2',
    AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local',
  });
  ({ readAggregates } = await import('../../functions/adapters/throughput-store.js'));
});

async function acknowledgedAfterADecline(): Promise<{ reference: string; body: ReturnType<typeof aStandardReferral>; declineReason: string }> {
  const body = aStandardReferral();
  const response = await client.submit(body);
  const { reference } = (await response.json()) as { reference: string };
  await eventually(async () => (await client.referral(reference))?.status === 'AWAITING_ACK', 'the team to be notified');
  const declineReason = `Known to us already through ${body.victim.firstName}'s sister`;
  expect((await client.as('victim-care.caseworker', 'POST', `/api/referrals/${reference}/assignments/victim-care/decline`, { reason: declineReason })).status).toBe(200);
  return { reference, body, declineReason };
}

const today = () => new Date().toISOString().slice(0, 10);
const personal = (body: ReturnType<typeof aStandardReferral>, declineReason: string) => [
  String(body.victim.firstName), String(body.victim.lastName), String(body.victim.email),
  String(body.incident.description), declineReason,
];

describe('retention', () => {
  it('gives every record of a new referral a time to live of six years, and none to the report figures', async () => {
    const response = await client.submit(aStandardReferral());
    const { reference } = (await response.json()) as { reference: string };
    await eventually(async () => (await client.referral(reference))?.status === 'AWAITING_ACK', 'the team to be notified');
    const items = (await Promise.all(['REFERRAL', 'ASSIGNMENT#', 'EVENT#'].map((prefix) => client.itemsOf(reference, prefix)))).flat();
    expect(items.map((i) => i.sk)).toEqual(expect.arrayContaining(['REFERRAL', 'ASSIGNMENT#victim-care']));
    const created = Date.parse(String(items.find((i) => i.sk === 'REFERRAL')!.createdAt));
    for (const item of items) {
      expect(item.expiresAt, String(item.sk)).toBeTypeOf('number');
      const days = (Number(item.expiresAt) * 1000 - created) / 86_400_000;
      expect(days, String(item.sk)).toBeGreaterThan(SIX_YEARS_DAYS - 1);
      expect(days, String(item.sk)).toBeLessThan(SIX_YEARS_DAYS + 1);
    }
    // Folded from the table's stream a moment after the step that stored the fact.
    const aggregates = await eventually(async () => {
      const found = await client.itemsContaining(`AGGREGATE#merseyside#month#${today().slice(0, 7)}`);
      return found.length > 0 && found;
    }, 'the report figures of this month');
    for (const aggregate of aggregates) expect(aggregate.expiresAt).toBeUndefined();
  });

  it('treats a referral past its time as gone everywhere, though DynamoDB Local never deletes it', async () => {
    const response = await client.submit(aStandardReferral());
    const { reference } = (await response.json()) as { reference: string };
    await eventually(async () => (await client.referral(reference))?.status === 'AWAITING_ACK', 'the team to be notified');
    expect((await client.as('victim-care.caseworker', 'GET', `/api/referrals/${reference}`)).status).toBe(200);
    const past = Math.floor(Date.now() / 1000) - 60;
    for (const sk of ['REFERRAL', 'ASSIGNMENT#victim-care']) {
      await client.documents.send(new UpdateCommand({
        TableName: cloud.tableName, Key: { pk: `REFERRAL#${reference}`, sk }, UpdateExpression: 'SET expiresAt = :past', ExpressionAttributeValues: { ':past': past },
      }));
    }
    expect((await client.as('victim-care.caseworker', 'GET', `/api/referrals/${reference}`)).status).toBe(404);
    const inbox = await client.as('victim-care.caseworker', 'GET', '/api/teams/victim-care/assignments');
    expect(JSON.stringify(inbox.body)).not.toContain(reference);
    expect((await client.as('victim-care.caseworker', 'POST', `/api/referrals/${reference}/assignments/victim-care/acknowledge`)).status).toBe(404);
  });
});

describe('erasure on request', () => {
  it('is for the area’s coordinator only', async () => {
    const { reference } = await acknowledgedAfterADecline();
    for (const user of ['victim-care.caseworker', 'mdvs.caseworker', 'commissioner.merseyside', 'coordinator.halton']) {
      expect((await client.as(user, 'POST', `/api/referrals/${reference}/erase`)).status, user).toBe(404);
    }
    expect((await fetch(`${cloud.apiUrl}/api/referrals/${reference}/erase`, { method: 'POST' })).status).toBe(401);
    expect((await client.referral(reference))?.erasedAt).toBeUndefined();
  });

  it('removes every trace of the person, records who did it and when, and leaves the reports exactly as they were', async () => {
    const { reference, body, declineReason } = await acknowledgedAfterADecline();
    // Victim care has no fallback: the coordinator gives it to housing, with a reason naming the person.
    await eventually(async () => (await client.referral(reference))?.status === 'ESCALATED', 'nobody left to take it');
    const reassignReason = `Housing know ${String(body.victim.lastName)} already`;
    expect((await client.as('coordinator.merseyside', 'POST', `/api/referrals/${reference}/reassign`, { toTeamId: 'housing-support', reason: reassignReason })).status).toBe(200);
    await eventually(async () => (await client.itemsOf(reference, 'ASSIGNMENT#housing-support'))[0]?.status === 'NOTIFIED', 'housing to be notified');
    expect((await client.as('housing-support.caseworker', 'POST', `/api/referrals/${reference}/assignments/housing-support/acknowledge`)).status).toBe(200);
    await eventually(async () => (await client.referral(reference))?.status === 'ACKNOWLEDGED', 'the referral to settle');
    expect((await client.itemsContaining(reassignReason)).length).toBeGreaterThan(0);
    for (const value of personal(body, declineReason)) expect((await client.itemsContaining(value)).length, value).toBeGreaterThan(0);
    // This referral's facts are folded from the table's stream a moment after each step: wait for them.
    await eventually(async () => (await client.factsNotYetFolded()).waiting.every((factId) => !factId.startsWith(`${reference}#`)), 'this referral\u2019s facts to be folded');
    // Other tests' workflows share this cloud: wait until today's figures stand still, then erase.
    let reportBefore = await readAggregates(['merseyside'], spansOfDay(today()));
    await eventually(async () => {
      await new Promise((r) => setTimeout(r, 1000));
      const again = await readAggregates(['merseyside'], spansOfDay(today()));
      const still = JSON.stringify(again) === JSON.stringify(reportBefore);
      reportBefore = again;
      return still;
    }, 'the report figures to stand still');
    // Phone and postcode as stored (normalised), searched for in this referral's own records: the
    // fixture's postcode is every test referral's.
    const stored = (await client.referral(reference))!.submission as { victim: { phone: string; postcode: string } };
    const ownRecords = async () => JSON.stringify((await Promise.all(['REFERRAL', 'ASSIGNMENT#', 'EVENT#', 'NOTICE#'].map((p) => client.itemsOf(reference, p)))).flat());
    expect(await ownRecords()).toContain(stored.victim.phone);

    const erasing = Date.now();
    const erased = await client.as('coordinator.merseyside', 'POST', `/api/referrals/${reference}/erase`);
    const answered = Date.now();
    expect(erased).toEqual({ status: 200, body: { reference, erased: true, alreadyErased: false } });

    for (const value of [...personal(body, declineReason), reassignReason]) expect(await client.itemsContaining(value), value).toEqual([]);
    const after = await ownRecords();
    expect(after).not.toContain(stored.victim.phone);
    expect(after).not.toContain(stored.victim.postcode);
    expect(await readAggregates(['merseyside'], spansOfDay(today()))).toEqual(reportBefore);
    const audit = (await client.itemsOf(reference, 'EVENT#')).filter((e) => e.type === 'PERSONAL_DATA_ERASED');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ detail: { username: 'coordinator.merseyside' } });
    expect(String(audit[0]!.actor)).toMatch(/^user:/);
    // Stamped while the request was being answered (a second's slack for the clocks' millisecond rounding).
    expect(Date.parse(String(audit[0]!.at))).toBeGreaterThanOrEqual(erasing - 1_000);
    expect(Date.parse(String(audit[0]!.at))).toBeLessThanOrEqual(answered + 1_000);

    // The referral is still there, with its statuses and history, for the team and the coordinator.
    const read = await client.as('coordinator.merseyside', 'GET', `/api/referrals/${reference}`);
    expect(read.status).toBe(200);
    expect(read.body.status).toBe('ACKNOWLEDGED');
    expect((read.body.referral as { victim: { firstName: string } }).victim.firstName).toBe('[erased]');

    const again = await client.as('coordinator.merseyside', 'POST', `/api/referrals/${reference}/erase`);
    expect(again.body).toMatchObject({ alreadyErased: true });
    expect((await client.itemsOf(reference, 'EVENT#')).filter((e) => e.type === 'PERSONAL_DATA_ERASED')).toHaveLength(1);
  });

  it('can be done from the command line with `npm run erase`, recorded as the operator who ran it', async () => {
    const { reference, body, declineReason } = await acknowledgedAfterADecline();
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'local/erase.ts', reference], {
      cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 240_000,
      env: { ...process.env, AWS_ENDPOINT_URL_DYNAMODB: cloud.dynamodbUrl, TABLE_NAME: cloud.tableName },
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain(`Erased the personal details of ${reference}`);
    for (const value of personal(body, declineReason)) expect(await client.itemsContaining(value), value).toEqual([]);
    const audit = (await client.itemsOf(reference, 'EVENT#')).find((e) => e.type === 'PERSONAL_DATA_ERASED');
    expect(audit?.actor).toBe(`operator:${userInfo().username}`);
  });
});
