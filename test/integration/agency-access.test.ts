import { describe, expect, inject, it } from 'vitest';
import { eventually, LocalCloudClient } from '../support/local-cloud-client.js';
import { PortalVisit } from '../support/portal-visit.js';
import { aReferral } from '../support/referrals.js';

const cloud = inject('localCloud');
const client = new LocalCloudClient(cloud);

/** A HIGH-risk referral with a housing need: assigned to mdvs and housing-support, never victim-care. */
async function anMdvsReferral(): Promise<string> {
  const response = await client.submit(aReferral());
  const { reference } = (await response.json()) as { reference: string };
  await eventually(async () => (await client.referral(reference))?.status === 'AWAITING_ACK', 'the teams to be notified');
  return reference;
}

describe('who may see and act on a referral', () => {
  it('answers 401 to a request without a token and 403 to a forged one', async () => {
    const reference = await anMdvsReferral();
    const noToken = await fetch(`${cloud.apiUrl}/api/referrals/${reference}`);
    expect(noToken.status).toBe(401);
    const forged = await fetch(`${cloud.apiUrl}/api/referrals/${reference}`, { headers: { authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln' } });
    expect(forged.status).toBe(403);
    const noTokenAck = await fetch(`${cloud.apiUrl}/api/referrals/${reference}/assignments/mdvs/acknowledge`, { method: 'POST' });
    expect(noTokenAck.status).toBe(401);
  });

  it('hides an mdvs referral from victim care: reading, acknowledging and declining are all not found', async () => {
    const reference = await anMdvsReferral();
    expect((await client.as('victim-care.caseworker', 'GET', `/api/referrals/${reference}`)).status).toBe(404);
    expect((await client.as('victim-care.caseworker', 'POST', `/api/referrals/${reference}/assignments/mdvs/acknowledge`)).status).toBe(404);
    expect((await client.as('victim-care.caseworker', 'POST', `/api/referrals/${reference}/assignments/mdvs/decline`, { reason: 'Not ours at all' })).status).toBe(404);
    expect((await client.as('victim-care.caseworker', 'GET', '/api/teams/mdvs/assignments')).status).toBe(404);
    const assignment = (await client.itemsOf(reference, 'ASSIGNMENT#mdvs'))[0];
    expect(assignment?.status).toBe('NOTIFIED');
  });

  it('tells a commissioner there is no such referral (404), on the API and in the portal: they see aggregates only', async () => {
    const reference = await anMdvsReferral();
    expect((await client.as('commissioner.merseyside', 'GET', `/api/referrals/${reference}`)).status).toBe(404);
    expect((await client.as('commissioner.halton', 'GET', `/api/referrals/${reference}`)).status).toBe(404);
    const { visit } = await PortalVisit.signIn(client, 'commissioner.merseyside');
    const page = await visit.request('GET', `/portal/referrals/${reference}`);
    expect(page.status).toBe(404);
    expect(page.body).not.toContain(reference);
    const reads = (await client.itemsOf(reference, 'EVENT#')).filter((e) => e.type === 'PERSONAL_DETAILS_VIEWED');
    expect(reads).toHaveLength(0);
  });

  it('keeps another area’s coordinator out', async () => {
    const reference = await anMdvsReferral();
    expect((await client.as('coordinator.halton', 'GET', `/api/referrals/${reference}`)).status).toBe(404);
    expect((await client.as('coordinator.merseyside', 'GET', `/api/referrals/${reference}`)).status).toBe(200);
  });

  it('shows the referral to its team and records every read of personal details as an audit event', async () => {
    const reference = await anMdvsReferral();
    const first = await client.as('mdvs.caseworker', 'GET', `/api/referrals/${reference}`);
    expect(first.status).toBe(200);
    expect((first.body.referral as { victim: { postcode: string } }).victim.postcode).toBeTruthy();
    expect(JSON.stringify(first.body)).not.toContain('waitToken');
    await client.as('housing-support.caseworker', 'GET', `/api/referrals/${reference}`);
    const views = (await client.itemsOf(reference, 'EVENT#')).filter((e) => e.type === 'PERSONAL_DETAILS_VIEWED');
    expect(views).toHaveLength(2);
    expect(views.every((v) => String(v.actor).startsWith('user:'))).toBe(true);
  });

  it('lists a team’s inbox soonest deadline first, without personal details', async () => {
    await anMdvsReferral();
    await anMdvsReferral();
    const inbox = await client.as('mdvs.caseworker', 'GET', '/api/teams/mdvs/assignments?status=NOTIFIED');
    expect(inbox.status).toBe(200);
    const assignments = inbox.body.assignments as { deadlineAt: string; status: string }[];
    expect(assignments.length).toBeGreaterThanOrEqual(2);
    const deadlines = assignments.map((a) => a.deadlineAt);
    expect(deadlines).toEqual([...deadlines].sort());
    expect(assignments.every((a) => a.status === 'NOTIFIED')).toBe(true);
    expect(JSON.stringify(inbox.body)).not.toMatch(/victim|postcode|description/i);
    expect((await client.as('mdvs.caseworker', 'GET', '/api/teams/mdvs/assignments?status=BOGUS')).status).toBe(400);
  });

  it('acknowledges once, harmlessly again, and moves the workflow on', async () => {
    const reference = await anMdvsReferral();
    const path = `/api/referrals/${reference}/assignments/mdvs/acknowledge`;
    const first = await client.as('mdvs.caseworker', 'POST', path);
    const again = await client.as('mdvs.caseworker', 'POST', path);
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.body.acknowledgedAt).toBe(first.body.acknowledgedAt);
    expect(first.body.late).toBe(false);
    await client.as('housing-support.caseworker', 'POST', `/api/referrals/${reference}/assignments/housing-support/acknowledge`);
    await eventually(async () => (await client.referral(reference))?.status === 'ACKNOWLEDGED', 'the referral to be acknowledged');
    const acks = (await client.itemsOf(reference, 'EVENT#')).filter((e) => e.to === 'ACKNOWLEDGED' && e.teamId === 'mdvs');
    expect(acks).toHaveLength(1);
  });

  it('refuses a decline without a reason, with the field named', async () => {
    const reference = await anMdvsReferral();
    const answer = await client.as('mdvs.caseworker', 'POST', `/api/referrals/${reference}/assignments/mdvs/decline`, {});
    expect(answer.status).toBe(400);
    expect((answer.body.errors as { path: string }[]).map((e) => e.path)).toContain('reason');
  });
});
