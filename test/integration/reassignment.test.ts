import { describe, expect, inject, it } from 'vitest';
import { eventually, LocalCloudClient } from '../support/local-cloud-client.js';
import { aReferral, aStandardReferral } from '../support/referrals.js';

const cloud = inject('localCloud');
const client = new LocalCloudClient(cloud);

async function awaitingAcknowledgement(body: Record<string, unknown>): Promise<string> {
  const response = await client.submit(body);
  const { reference } = (await response.json()) as { reference: string };
  await eventually(async () => (await client.referral(reference))?.status === 'AWAITING_ACK', 'the teams to be notified');
  return reference;
}

const reassign = (username: string, reference: string, body: unknown) =>
  client.as(username, 'POST', `/api/referrals/${reference}/reassign`, body);

const assignment = async (reference: string, teamId: string) => (await client.itemsOf(reference, `ASSIGNMENT#${teamId}`))[0];

describe('a coordinator re-assigning a referral through the API', () => {
  it('is refused to caseworkers, commissioners and other areas’ coordinators, and leaves nothing changed', async () => {
    const reference = await awaitingAcknowledgement(aStandardReferral());
    const body = { toTeamId: 'housing-support', reason: 'Housing should lead on this one.' };
    for (const user of ['victim-care.caseworker', 'commissioner.merseyside', 'coordinator.halton']) {
      expect((await reassign(user, reference, body)).status, user).toBe(404);
    }
    expect(await assignment(reference, 'housing-support')).toBeUndefined();
    expect((await fetch(`${cloud.apiUrl}/api/referrals/${reference}/reassign`, { method: 'POST' })).status).toBe(401);
  });

  it('checks the body: a team of the area, a reason, nothing else', async () => {
    const reference = await awaitingAcknowledgement(aStandardReferral());
    const bad = await reassign('coordinator.merseyside', reference, { toTeamId: 'halton-housing', reason: 'x', extra: true });
    expect(bad.status).toBe(400);
    const paths = (bad.body.errors as { path: string }[]).map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['reason', '']));
    const otherArea = await reassign('coordinator.merseyside', reference, { toTeamId: 'halton-housing', reason: 'Closer to home.' });
    expect(otherArea.status).toBe(400);
    expect(otherArea.body.errors).toEqual([{ path: 'toTeamId', message: 'Choose a team in this area.' }]);
    const hadIt = await reassign('coordinator.merseyside', reference, { toTeamId: 'victim-care', reason: 'Try them again.' });
    expect(hadIt.status).toBe(409);
  });

  it('takes a referral off a team that is waiting and gives it to another, whose deadline starts now; a repeat changes nothing', async () => {
    const reference = await awaitingAcknowledgement(aStandardReferral());
    const body = { toTeamId: 'housing-support', fromTeamId: 'victim-care', reason: 'The tenancy is the urgent part.' };
    const first = await reassign('coordinator.merseyside', reference, body);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ reference, teamId: 'housing-support' });
    expect(await assignment(reference, 'victim-care')).toMatchObject({ status: 'REASSIGNED', reassignedTo: 'housing-support' });
    await eventually(async () => (await assignment(reference, 'housing-support'))?.status === 'NOTIFIED', 'the new team to be notified');
    expect(await assignment(reference, 'housing-support')).toMatchObject({ reassignedFrom: 'victim-care', reassignReason: body.reason });

    // The first team's wait ended, so its workflow execution has finished; the new team's has not.
    const again = await reassign('coordinator.merseyside', reference, body);
    expect(again.status).toBe(409);
    const emails = (await client.emailsAbout(reference)).filter((e) => e.destination.to.includes('housing-support@merseyside.referrals.example'));
    expect(emails).toHaveLength(1);

    // The new team acknowledges through the same ladder: the referral settles as acknowledged.
    expect((await client.as('housing-support.caseworker', 'POST', `/api/referrals/${reference}/assignments/housing-support/acknowledge`)).status).toBe(200);
    await eventually(async () => (await client.referral(reference))?.status === 'ACKNOWLEDGED', 'the referral to settle');
    const events = await client.itemsOf(reference, 'EVENT#');
    expect(events.filter((e) => e.type === 'ASSIGNMENT_REASSIGNED')).toHaveLength(1);
  });

  it('brings a referral every team declined back to awaiting acknowledgement', async () => {
    const reference = await awaitingAcknowledgement(aReferral((body) => {
      body.housing = { tenure: 'owner-occupier', needsSupport: false, unsafeAtHome: false, personKnowsAddress: false, propertyDamagedAtHome: false };
    }));
    // mdvs declines, then its fallback (victim care) declines: nobody is left.
    expect((await client.as('mdvs.caseworker', 'POST', `/api/referrals/${reference}/assignments/mdvs/decline`, { reason: 'No capacity.' })).status).toBe(200);
    await eventually(async () => (await assignment(reference, 'victim-care'))?.status === 'NOTIFIED', 'the fallback team');
    expect((await client.as('victim-care.caseworker', 'POST', `/api/referrals/${reference}/assignments/victim-care/decline`, { reason: 'Needs specialists.' })).status).toBe(200);
    await eventually(async () => (await client.referral(reference))?.status === 'ESCALATED', 'the referral to need a person');

    const answer = await reassign('coordinator.merseyside', reference, { toTeamId: 'housing-support', reason: 'Housing will hold it while mdvs has room.' });
    expect(answer.status).toBe(200);
    expect((await client.referral(reference))?.status).toBe('AWAITING_ACK');
    await eventually(async () => (await assignment(reference, 'housing-support'))?.status === 'NOTIFIED', 'the new team to be notified');
  });
});
