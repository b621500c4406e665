import { readFileSync } from 'node:fs';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { describe, expect, inject, it } from 'vitest';
import { eventually, LocalCloudClient } from '../support/local-cloud-client.js';
import { aReferral, aStandardReferral, personalDetails, type ReferralBody } from '../support/referrals.js';

const cloud = inject('localCloud');
const client = new LocalCloudClient(cloud);
const MDVS = 'mdvs@merseyside.referrals.example';
const HOUSING = 'housing-support@merseyside.referrals.example';
const VICTIM_CARE = 'victim-care@merseyside.referrals.example';
const OPERATIONS = 'operations@referrals.example';
const COORDINATOR = 'coordinator@merseyside.referrals.example';

/** Every referral body this file sends, so the PII checks at the end can look for all of them. */
const submitted: ReferralBody[] = [];

async function submit(body: ReferralBody, headers: Record<string, string> = {}) {
  submitted.push(body);
  const response = await client.submit(body, headers);
  return { response, body: (await response.json()) as { reference?: string; status?: string; errors?: { path: string; message: string }[] } };
}

const recipients = (emails: { destination: { to: string[] } }[]) => emails.flatMap((e) => e.destination.to).sort();

describe('the local cloud', () => {
  it('answers the health check once its dependencies are up', async () => {
    const response = await fetch(`${cloud.apiUrl}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
    expect(response.headers.get('cache-control')).toBe('no-store');
  });
});

describe('submitting a referral', () => {
  it('stores a HIGH-risk referral with a housing need and emails MDVS and housing support once each', async () => {
    const { response, body } = await submit(aReferral());
    expect(response.status).toBe(201);
    expect(body.reference).toMatch(/^SR-[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    expect(body.status).toBe('RECEIVED');
    const reference = body.reference!;

    const referral = await eventually(async () => {
      const item = await client.referral(reference);
      return item?.status === 'AWAITING_ACK' && item;
    }, 'the referral to await acknowledgement');
    expect(referral.band).toBe('HIGH');
    expect(referral.areaId).toBe('merseyside');

    const assignments = await client.itemsOf(reference, 'ASSIGNMENT#');
    expect(assignments.map((a) => [a.teamId, a.status]).sort()).toEqual([['housing-support', 'NOTIFIED'], ['mdvs', 'NOTIFIED']]);
    const emails = await client.emailsAbout(reference);
    expect(recipients(emails)).toEqual([HOUSING, MDVS].sort());
    const events = await client.itemsOf(reference, 'EVENT#');
    expect(events.map((e) => e.to ?? e.type)).toEqual(expect.arrayContaining(['RECEIVED', 'SCREENED', 'ROUTED', 'NOTIFIED', 'AWAITING_ACK']));
  });

  it('sends a STANDARD referral to victim care only', async () => {
    const { response, body } = await submit(aStandardReferral());
    expect(response.status).toBe(201);
    const reference = body.reference!;
    await eventually(async () => (await client.referral(reference))?.status === 'AWAITING_ACK', 'the referral to be routed');
    expect((await client.referral(reference))?.band).toBe('STANDARD');
    const assignments = await client.itemsOf(reference, 'ASSIGNMENT#');
    expect(assignments.map((a) => a.teamId)).toEqual(['victim-care']);
    expect(recipients(await client.emailsAbout(reference))).toEqual([VICTIM_CARE]);
  });

  it('routes a referral from the second area to that area’s own team and nobody else', async () => {
    const { body } = await submit(aStandardReferral((b) => { b.victim.postcode = 'WA7 1AB'; }));
    const reference = body.reference!;
    await eventually(async () => (await client.referral(reference))?.status === 'AWAITING_ACK', 'the referral to be routed');
    expect((await client.referral(reference))?.areaId).toBe('halton');
    const to = recipients(await client.emailsAbout(reference));
    expect(to).toHaveLength(1);
    expect(to[0]).not.toContain('merseyside');
  });

  it('marks an out-of-area referral OUT_OF_AREA, tells the coordinator and assigns nobody', async () => {
    const { response, body } = await submit(aReferral((b) => { b.victim.postcode = 'M1 1AE'; }));
    expect(response.status).toBe(201);
    const reference = body.reference!;
    await eventually(async () => (await client.referral(reference))?.status === 'OUT_OF_AREA', 'the referral to be out of area');
    // Out of area is news for the coordinator, not a fault: operations are not told.
    const emails = await eventually(async () => {
      const found = await client.emailsAbout(reference);
      return found.length > 0 && found;
    }, 'the coordinator email');
    expect(recipients(emails)).toEqual([COORDINATOR]);
    expect(await client.itemsOf(reference, 'ASSIGNMENT#')).toEqual([]);
  });

  it('refuses a referral without consent to share, with the field named, and stores nothing', async () => {
    const referral = aReferral((b) => { b.consent = { shareWithServices: false }; });
    const { response, body } = await submit(referral);
    expect(response.status).toBe(400);
    expect(body.errors?.map((e) => e.path)).toContain('consent.shareWithServices');
    expect(await client.itemsContaining(String(referral.victim.lastName))).toEqual([]);
  });

  it('refuses invalid fields with their paths and stores nothing', async () => {
    const referral = aReferral((b) => {
      b.victim.postcode = 'NOT A POSTCODE';
      delete b.riskAnswers.threatsToKill;
      b.incident.firstDate = '2026-02-30';
    });
    const { response, body } = await submit(referral);
    expect(response.status).toBe(400);
    const paths = body.errors?.map((e) => e.path) ?? [];
    expect(paths).toEqual(expect.arrayContaining(['victim.postcode', 'riskAnswers.threatsToKill', 'incident.firstDate']));
    for (const error of body.errors ?? []) expect(error.message).not.toContain('NOT A POSTCODE');
    expect(await client.itemsContaining(String(referral.victim.lastName))).toEqual([]);
  });

  it('answers 415 to a body that is not JSON and 413 to an oversized one, storing nothing', async () => {
    const notJson = await client.submit('victim=someone', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(notJson.status).toBe(415);
    const huge = aReferral((b) => { b.incident.description = 'x'.repeat(70 * 1024); });
    const tooLarge = await client.submit(huge);
    expect(tooLarge.status).toBe(413);
    expect(await client.itemsContaining(String(huge.victim.lastName))).toEqual([]);
    const broken = await client.submit('{"source": "self",');
    expect(broken.status).toBe(400);
  });

  it('treats a repeat with the same Idempotency-Key as the same referral: one record, one set of emails', async () => {
    const referral = aReferral();
    const key = `police-system-${Date.now()}`;
    const first = await submit(referral, { 'idempotency-key': key });
    const second = await submit(referral, { 'idempotency-key': key });
    expect(first.response.status).toBe(201);
    expect(second.response.status).toBe(201);
    expect(second.body.reference).toBe(first.body.reference);
    const reference = first.body.reference!;
    await eventually(async () => (await client.referral(reference))?.status === 'AWAITING_ACK', 'the referral to be routed');
    await new Promise((r) => setTimeout(r, 500));
    const stored = (await client.itemsContaining(String(referral.victim.lastName))).filter((item) => item.sk === 'REFERRAL');
    expect(stored).toHaveLength(1);
    expect(recipients(await client.emailsAbout(reference))).toEqual([HOUSING, MDVS].sort());

    const reused = await submit(aReferral(), { 'idempotency-key': key });
    expect(reused.response.status).toBe(422);
    expect(reused.body.errors?.[0]?.path).toBe('headers.idempotency-key');
  });

  it('answers a repeat that comes after the workflow has finished with the first answer, starting nothing', async () => {
    const referral = aReferral((b) => { b.victim.postcode = 'M1 1AE'; });
    const key = `late-retry-${Date.now()}`;
    const first = await submit(referral, { 'idempotency-key': key });
    const reference = first.body.reference!;
    await eventually(async () => (await client.emailsAbout(reference)).length === 1 && true, 'the out-of-area workflow to finish');
    const repeat = await submit(referral, { 'idempotency-key': key });
    expect(repeat.response.status).toBe(201);
    expect(repeat.body.reference).toBe(reference);
    await new Promise((r) => setTimeout(r, 500));
    expect(await client.emailsAbout(reference)).toHaveLength(1);
  });

  it('records a failed workflow and tells the coordinator instead of failing silently', async () => {
    const sfn = new SFNClient({ endpoint: cloud.stepFunctionsUrl, region: 'eu-west-2', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    // A reference with no stored referral: screening cannot succeed, however often it is retried.
    const reference = 'SR-ZZZZ-ZZZZ';
    const { executionArn } = await sfn.send(new StartExecutionCommand({
      stateMachineArn: cloud.stateMachineArn, name: reference, input: JSON.stringify({ reference }),
    }));
    const execution = await eventually(async () => {
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return described.status !== 'RUNNING' && described;
    }, 'the execution to stop');
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('ReferralWorkflowFailed');
    // The coordinator by email, and operations through the operations topic (delivered to its mailbox).
    const emails = await eventually(async () => {
      const found = await client.emailsAbout(reference);
      return found.length >= 2 && found;
    }, 'the coordinator and operations emails');
    expect(recipients(emails).sort()).toEqual([COORDINATOR, OPERATIONS].sort());
    expect(emails.find((e) => e.destination.to.includes(OPERATIONS))?.subject).toContain('WORKFLOW_FAILED');
  });
});

describe('personal details', () => {
  it('never appear in any email the service sent', async () => {
    const emails = await client.emails();
    expect(emails.length).toBeGreaterThan(5);
    const everything = JSON.stringify(emails);
    for (const detail of submitted.flatMap(personalDetails)) {
      expect(everything, `an email contains "${detail}"`).not.toContain(detail);
    }
  });

  it('never appear in the local cloud’s logs', () => {
    const logs = readFileSync(cloud.logFile, 'utf8');
    expect(logs).toContain('Referral routed');
    for (const detail of submitted.flatMap(personalDetails)) {
      expect(logs.includes(detail), `the log contains "${detail}"`).toBe(false);
    }
  });
});
