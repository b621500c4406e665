import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import * as path from 'node:path';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { eventually, LocalCloudClient } from '../support/local-cloud-client.js';
import { PROJECT_ROOT } from '../support/local-cloud-process.js';
import { PortalVisit } from '../support/portal-visit.js';
import { aReferral } from '../support/referrals.js';

const cloud = inject('localCloud');
const client = new LocalCloudClient(cloud);

const twoAreas = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'test/fixtures/service-config.two-areas.json'), 'utf8')) as {
  areas: { id: string; teams: { id: string }[] }[];
};
const EVERY_CASEWORKER = twoAreas.areas.flatMap((area) => area.teams.map((team) => `${team.id}.caseworker`));

/** A HIGH referral (threats to kill), in danger now, from a postcode no configured area covers. */
async function anOutOfAreaReferral(): Promise<string> {
  const response = await client.submit(aReferral((body) => {
    body.victim.postcode = 'SW1A 1AA';
    body.riskAnswers.threatsToKill = 'yes';
    body.immediateDanger = true;
  }));
  expect(response.status).toBe(201);
  const { reference } = (await response.json()) as { reference: string };
  await eventually(async () => (await client.referral(reference))?.status === 'OUT_OF_AREA', `${reference} to be out of area`);
  return reference;
}

/** The rows of one table of a page, by the table's id. */
function tableRows(html: string, id: string): string[] {
  const start = html.indexOf(`id="${id}"`);
  if (start < 0) return [];
  return html.slice(start, html.indexOf('</table>', start)).split('<tr class="govuk-table__row">').slice(2);
}

const assignment = async (reference: string, teamId: string) => (await client.itemsOf(reference, `ASSIGNMENT#${teamId}`))[0];

describe('a referral from outside every area', () => {
  it("is read, listed and re-assigned by the default area's coordinator, and the team it goes to is notified through the same ladder", async () => {
    const reference = await anOutOfAreaReferral();

    const read = await client.as('coordinator.merseyside', 'GET', `/api/referrals/${reference}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ reference, status: 'OUT_OF_AREA', areaId: 'merseyside', screening: { band: 'HIGH' } });

    const { visit, landing } = await PortalVisit.signIn(client, 'coordinator.merseyside');
    // A coordinator in no team starts at all teams, not at an empty inbox.
    expect(landing).toBe('/portal');
    expect((await visit.request('GET', '/portal')).location).toBe('/portal/coordinator');
    const allTeams = await visit.request('GET', '/portal/coordinator');
    expect(allTeams.status).toBe(200);
    const queued = tableRows(allTeams.body, 'out-of-area-merseyside').find((row) => row.includes(reference));
    expect(queued).toContain(`href="/portal/referrals/${reference}"`);
    expect(queued).toContain('High');
    expect(queued).toContain('In danger now');

    const page = await visit.request('GET', `/portal/referrals/${reference}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('id="out-of-area"');
    const choice = await visit.request('GET', `/portal/referrals/${reference}/reassign`);
    expect(choice.status).toBe(200);
    expect(choice.body).toContain('value="mdvs"');

    const before = Date.now();
    const moved = await visit.request('POST', `/portal/referrals/${reference}/reassign`, { toTeamId: 'mdvs', fromTeamId: '', reason: 'The postcode was mistyped: the caller lives in Liverpool.' });
    expect(moved.status).toBe(303);
    expect(moved.location).toBe(`/portal/referrals/${reference}`);
    const after = Date.now();

    await eventually(async () => (await assignment(reference, 'mdvs'))?.status === 'NOTIFIED', 'mdvs to be notified');
    const given = await assignment(reference, 'mdvs');
    expect(given).toMatchObject({ areaId: 'merseyside', band: 'HIGH', reason: 'reassigned-by-coordinator' });
    // HIGH at mdvs: 24 clock hours, counted from the re-assignment.
    const deadline = Date.parse(String(given?.deadlineAt));
    expect(deadline).toBeGreaterThanOrEqual(before + 24 * 3_600_000 - 1000);
    expect(deadline).toBeLessThanOrEqual(after + 24 * 3_600_000 + 1000);
    await eventually(async () => (await client.emailsAbout(reference)).some((e) => e.destination.to.includes('mdvs@merseyside.referrals.example')), 'the email to mdvs');

    const stored = await client.referral(reference);
    expect(stored?.status).toBe('AWAITING_ACK');
    expect(stored?.openKey).toBeUndefined();
    const moves = (await client.itemsOf(reference, 'EVENT#')).filter((e) => e.type === 'STATUS_CHANGED' && e.from === 'OUT_OF_AREA');
    expect(moves).toMatchObject([{ to: 'AWAITING_ACK', actor: expect.stringMatching(/^user:/) }]);
    const queueAfter = await visit.request('GET', '/portal/coordinator');
    expect(tableRows(queueAfter.body, 'out-of-area-merseyside').some((row) => row.includes(reference))).toBe(false);

    // The team now has it like any other: it reads it and acknowledges it; signposting it is too late.
    expect((await client.as('mdvs.caseworker', 'GET', `/api/referrals/${reference}`)).status).toBe(200);
    expect((await client.as('mdvs.caseworker', 'POST', `/api/referrals/${reference}/assignments/mdvs/acknowledge`)).status).toBe(200);
    expect((await client.as('coordinator.merseyside', 'POST', `/api/referrals/${reference}/signpost`, { reason: 'Too late for this now.' })).status).toBe(409);
  });

  it('is closed as signposted elsewhere with a reason: closed, recorded, out of the queue, and a repeat is harmless', async () => {
    const reference = await anOutOfAreaReferral();
    const signpost = (username: string, body: unknown) => client.as(username, 'POST', `/api/referrals/${reference}/signpost`, body);

    const noReason = await signpost('coordinator.merseyside', { reason: ' ' });
    expect(noReason.status).toBe(400);
    expect(noReason.body.errors).toEqual([{ path: 'reason', message: 'Say why the person is being signposted elsewhere.' }]);
    for (const username of ['mdvs.caseworker', 'commissioner.merseyside', 'coordinator.halton']) {
      expect((await signpost(username, { reason: 'Lives in London.' })).status, username).toBe(404);
    }
    expect((await client.referral(reference))?.status).toBe('OUT_OF_AREA');

    const reason = 'Lives in Westminster: given the London stalking service and the National Stalking Helpline.';
    const first = await signpost('coordinator.merseyside', { reason });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ reference, status: 'CLOSED', closure: { kind: 'signposted-elsewhere', reason } });
    const again = await signpost('coordinator.merseyside', { reason: 'Pressed twice.' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: 'CLOSED', closure: { reason } });

    const stored = await client.referral(reference);
    expect(stored).toMatchObject({ status: 'CLOSED', areaId: 'merseyside', closure: { kind: 'signposted-elsewhere', reason } });
    expect(stored?.openKey).toBeUndefined();
    const closing = (await client.itemsOf(reference, 'EVENT#')).filter((e) => e.to === 'CLOSED');
    expect(closing).toMatchObject([{ type: 'STATUS_CHANGED', from: 'OUT_OF_AREA', actor: expect.stringMatching(/^user:/), detail: { closure: 'signposted-elsewhere', reason, username: 'coordinator.merseyside' } }]);
    expect((await client.as('coordinator.merseyside', 'POST', `/api/referrals/${reference}/reassign`, { toTeamId: 'mdvs', reason: 'Changed my mind.' })).status).toBe(409);

    const { visit } = await PortalVisit.signIn(client, 'coordinator.merseyside');
    const allTeams = await visit.request('GET', '/portal/coordinator');
    expect(tableRows(allTeams.body, 'out-of-area-merseyside').some((row) => row.includes(reference))).toBe(false);
    const page = await visit.request('GET', `/portal/referrals/${reference}`);
    expect(page.body).toContain('id="closure"');
    expect(page.body).toContain('signposted elsewhere');
  });

  it('is read by nobody else: every team, the commissioner and the other area’s coordinator', async () => {
    const reference = await anOutOfAreaReferral();
    for (const username of [...EVERY_CASEWORKER, 'coordinator.halton']) {
      expect((await client.as(username, 'GET', `/api/referrals/${reference}`)).status, username).toBe(404);
    }
    expect((await client.as('commissioner.merseyside', 'GET', `/api/referrals/${reference}`)).status).toBe(404);
    expect((await client.as('commissioner.halton', 'GET', `/api/referrals/${reference}`)).status).toBe(404);
    for (const action of ['reassign', 'erase']) {
      expect((await client.as('coordinator.halton', 'POST', `/api/referrals/${reference}/${action}`, action === 'reassign' ? { toTeamId: 'halton-housing', reason: 'Closer to us.' } : undefined)).status, action).toBe(404);
    }
    const reads = (await client.itemsOf(reference, 'EVENT#')).filter((e) => e.type === 'PERSONAL_DETAILS_VIEWED');
    expect(reads).toHaveLength(0);

    const { visit, landing } = await PortalVisit.signIn(client, 'coordinator.halton');
    expect(landing).toBe('/portal');
    expect((await visit.request('GET', `/portal/referrals/${reference}`)).status).toBe(404);
    expect((await visit.request('GET', `/portal/referrals/${reference}/signpost`)).status).toBe(404);
    expect((await visit.request('GET', '/portal/coordinator')).body).not.toContain(reference);
  });

  it('stored out of area before it was kept under the default area (no area), it is still opened, queued once by the operator, signposted and erased by that coordinator alone', async () => {
    const reference = await anOutOfAreaReferral();
    await client.documents.send(new UpdateCommand({
      TableName: cloud.tableName, Key: { pk: `REFERRAL#${reference}`, sk: 'REFERRAL' }, UpdateExpression: 'REMOVE areaId, openKey, openSort',
    }));

    const queueEarlier = () => spawnSync(process.execPath, ['--import', 'tsx', 'local/queue-out-of-area.ts'], {
      cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 240_000,
      env: {
        ...process.env, AWS_ENDPOINT_URL_DYNAMODB: cloud.dynamodbUrl, TABLE_NAME: cloud.tableName,
        AWS_REGION: 'eu-west-2', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local',
        SERVICE_CONFIG_PATH: path.join(PROJECT_ROOT, 'test/fixtures/service-config.two-areas.json'),
      },
    });
    const first = queueEarlier();
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain(reference);
    expect(await client.referral(reference)).toMatchObject({ areaId: 'merseyside', openKey: 'OUT_OF_AREA#merseyside' });
    const queued = (await client.itemsOf(reference, 'EVENT#')).filter((e) => e.type === 'OUT_OF_AREA_QUEUED');
    expect(queued).toMatchObject([{ actor: `operator:${userInfo().username}` }]);
    const second = queueEarlier();
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).not.toContain(reference);
    // Before the operator's pass, the referral had no area at all: the rules must hold for that too.
    await client.documents.send(new UpdateCommand({
      TableName: cloud.tableName, Key: { pk: `REFERRAL#${reference}`, sk: 'REFERRAL' }, UpdateExpression: 'REMOVE areaId',
    }));

    expect((await client.as('coordinator.halton', 'GET', `/api/referrals/${reference}`)).status).toBe(404);
    const read = await client.as('coordinator.merseyside', 'GET', `/api/referrals/${reference}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ status: 'OUT_OF_AREA', areaId: 'merseyside' });

    const reason = 'Lives in Westminster: given the national helpline numbers.';
    expect((await client.as('coordinator.merseyside', 'POST', `/api/referrals/${reference}/signpost`, { reason })).status).toBe(200);
    expect(await client.referral(reference)).toMatchObject({ status: 'CLOSED', areaId: 'merseyside' });

    expect((await client.as('coordinator.halton', 'POST', `/api/referrals/${reference}/erase`)).status).toBe(404);
    const erased = await client.as('coordinator.merseyside', 'POST', `/api/referrals/${reference}/erase`);
    expect(erased.status).toBe(200);
    const stored = await client.referral(reference);
    expect(stored).toMatchObject({ status: 'CLOSED', closure: { kind: 'signposted-elsewhere', reason: '[erased]' } });
    expect(JSON.stringify(stored)).not.toContain('Westminster');
  });
});
