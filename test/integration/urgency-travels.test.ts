import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, LocalCloudClient } from '../support/local-cloud-client.js';
import { launchLocalCloud, PROJECT_ROOT } from '../support/local-cloud-process.js';
import { aReferral, aStandardReferral, type ReferralBody } from '../support/referrals.js';

// A cloud of its own with the bundled config (MDVS: HIGH within 24 clock hours; Victim Care: 2 working
// days), empty at the start, so "first in Victim Care's inbox" means first of everything in it.
let client: LocalCloudClient;
let stop: () => Promise<void>;

const HOUR_MS = 3_600_000;
const DECLINE_REASON = 'No capacity: every caseworker is at their limit this week.';

const noHousingNeed = (body: ReferralBody) => {
  body.housing = { tenure: 'owner-occupier', needsSupport: false, unsafeAtHome: false, personKnowsAddress: false, propertyDamagedAtHome: false };
};

async function submitted(body: ReferralBody): Promise<string> {
  const response = await client.submit(body);
  expect(response.status).toBe(201);
  return ((await response.json()) as { reference: string }).reference;
}

const assignmentOf = async (reference: string, teamId: string) => (await client.itemsOf(reference, `ASSIGNMENT#${teamId}`))[0];
const notified = (reference: string, teamId: string) =>
  eventually(async () => (await assignmentOf(reference, teamId))?.status === 'NOTIFIED' && assignmentOf(reference, teamId), `${teamId} told of ${reference}`);

/**
 * A caseworker's browser without JavaScript: the portal's sign-in over plain HTTP (username and password,
 * then the authenticator's code), keeping the cookies it is given, as the browser would.
 */
async function portalAs(username: string): Promise<(pathname: string) => Promise<{ status: number; body: string }>> {
  const jar = new Map<string, string>();
  const send = async (pathname: string, form?: Record<string, string>) => {
    const response = await fetch(`${client.cloud.apiUrl}${pathname}`, {
      method: form ? 'POST' : 'GET', redirect: 'manual',
      headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const at = pair!.indexOf('=');
      jar.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
    return { status: response.status, location: response.headers.get('location'), body: await response.text() };
  };
  const signInPage = await send('/portal/sign-in');
  const csrf = /name="csrf" value="([^"]+)"/.exec(signInPage.body)?.[1];
  expect(csrf, 'the sign-in form token').toBeTruthy();
  const afterPassword = await send('/portal/sign-in', { csrf: csrf!, username, password: client.cloud.password });
  expect(afterPassword.location).toBe('/portal/sign-in/code');
  // A code is refused when another sign-in of the same user has just used it: the next 30-second step's is not.
  let signedIn = await send('/portal/sign-in/code', { csrf: csrf!, code: client.totpCodeFor(username) });
  for (let tries = 0; signedIn.status !== 303 && tries < 2; tries += 1) {
    await new Promise((resolve) => setTimeout(resolve, 30_000 - (Date.now() % 30_000) + 500));
    signedIn = await send('/portal/sign-in/code', { csrf: csrf!, code: client.totpCodeFor(username) });
  }
  expect(signedIn.status, 'signed in').toBe(303);
  return async (pathname) => {
    const { status, body } = await send(pathname);
    return { status, body };
  };
}

beforeAll(async () => {
  const launched = await launchLocalCloud({ logFile: path.join(PROJECT_ROOT, 'test-results', `urgency-travels-${Date.now()}.log`) });
  client = new LocalCloudClient(launched.handle);
  stop = launched.stop;
});

afterAll(async () => {
  await stop?.();
});

describe('urgency travels with a declined referral (SPEC §4)', () => {
  it('reaches Victim Care within MDVS’s 24 hours of the decline, first in its inbox, flagged in danger now, with MDVS’s reason', async () => {
    // Two referrals Victim Care already has: a STANDARD and a MEDIUM (four answers yes, by a stranger).
    const standard = await submitted(aStandardReferral());
    const medium = await submitted(aStandardReferral((body) => {
      for (const id of ['turnsUp', 'frequentContact', 'contactsOthers', 'escalating']) body.riskAnswers[id] = 'yes';
    }));
    await notified(standard, 'victim-care');
    await notified(medium, 'victim-care');
    expect((await client.referral(medium))?.screening).toMatchObject({ band: 'MEDIUM' });

    // Then a HIGH one, the person in danger now and threatened with death: only MDVS gets it, and declines.
    const high = await submitted(aReferral((body) => {
      noHousingNeed(body);
      body.immediateDanger = true;
      body.riskAnswers.threatsToKill = 'yes';
    }));
    const atMdvs = await notified(high, 'mdvs');
    expect(atMdvs).toMatchObject({ band: 'HIGH', immediateDanger: true });
    expect(await assignmentOf(high, 'victim-care')).toBeUndefined();
    const declined = await client.as('mdvs.caseworker', 'POST', `/api/referrals/${high}/assignments/mdvs/decline`, { reason: DECLINE_REASON });
    expect(declined.status).toBe(200);
    const declinedAt = Date.parse(String((await assignmentOf(high, 'mdvs'))?.declinedAt));

    const atVictimCare = await notified(high, 'victim-care');
    expect(atVictimCare).toMatchObject({ reroutedFrom: 'mdvs', band: 'HIGH', immediateDanger: true });
    const deadlineAt = Date.parse(String(atVictimCare.deadlineAt));
    expect(deadlineAt).toBeLessThanOrEqual(declinedAt + 24 * HOUR_MS);
    // Victim Care's own HIGH deadline (2 working days) is never under 32 hours: the sooner one was kept.
    expect(deadlineAt).toBeLessThan(Date.parse(String(atVictimCare.assignedAt)) + 32 * HOUR_MS);
    const rerouted = (await client.itemsOf(high, 'EVENT#')).find((e) => e.type === 'ASSIGNMENT_REROUTED');
    expect(rerouted?.detail).toEqual({ from: 'mdvs', deadlineCarriedFrom: 'mdvs' });

    // The API's inbox: the HIGH one first, ahead of the STANDARD and MEDIUM submitted before it, flagged.
    const inbox = await client.as('victim-care.caseworker', 'GET', '/api/teams/victim-care/assignments');
    expect(inbox.status).toBe(200);
    const listed = inbox.body.assignments as { reference: string; band: string; inDangerNow: boolean }[];
    expect(listed.map((a) => a.reference)).toEqual([high, expect.any(String), expect.any(String)]);
    expect(listed.map((a) => a.reference).sort()).toEqual([high, standard, medium].sort());
    expect(listed[0]).toMatchObject({ reference: high, band: 'HIGH', inDangerNow: true });
    expect(listed.filter((a) => a.inDangerNow).map((a) => a.reference)).toEqual([high]);
    // The same filters as the portal's, and a clear 400 for one that cannot be read.
    const highOnly = await client.as('victim-care.caseworker', 'GET', '/api/teams/victim-care/assignments?band=HIGH');
    expect((highOnly.body.assignments as { reference: string }[]).map((a) => a.reference)).toEqual([high]);
    const bad = await client.as('victim-care.caseworker', 'GET', '/api/teams/victim-care/assignments?band=URGENT&receivedFrom=2026-02-30');
    expect(bad.status).toBe(400);
    expect((bad.body.errors as { path: string }[]).map((e) => e.path)).toEqual(['band', 'receivedFrom']);

    // The API's read of the referral: the team it reached sees MDVS's assignment and its reason.
    const read = await client.as('victim-care.caseworker', 'GET', `/api/referrals/${high}`);
    expect(read.status).toBe(200);
    expect(read.body.assignments).toEqual(expect.arrayContaining([expect.objectContaining({ teamId: 'mdvs', status: 'DECLINED', declineReason: DECLINE_REASON })]));

    // The portal, as the Victim Care caseworker: first in the inbox and flagged, in words.
    const portal = await portalAs('victim-care.caseworker');
    const page = await portal('/portal/inbox');
    expect(page.status).toBe(200);
    const rows = [...page.body.matchAll(/<tr class="govuk-table__row">\s*<th scope="row"[\s\S]*?<\/tr>/g)].map((m) => m[0]);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toContain(`>${high}<`);
    expect(rows[0]).toContain('In danger now');
    expect(rows.slice(1).join('')).toContain(`>${standard}<`);
    expect(rows.slice(1).join('')).toContain(`>${medium}<`);
    expect(rows.slice(1).join('')).not.toContain('In danger now');
    // Found by its reference alone.
    const found = await portal(`/portal/inbox?reference=${high.slice(-4).toLowerCase()}`);
    expect(found.body).toContain(`>${high}<`);
    expect(found.body).not.toContain(`>${standard}<`);

    // The referral page: warned at the top, and told who declined it and why.
    const referralPage = await portal(`/portal/referrals/${high}`);
    expect(referralPage.status).toBe(200);
    expect(referralPage.body.indexOf('id="in-danger-now"')).toBeGreaterThan(0);
    expect(referralPage.body.indexOf('id="in-danger-now"')).toBeLessThan(referralPage.body.indexOf('id="safe-contact"'));
    expect(referralPage.body).toContain('Passed on by');
    expect(referralPage.body).toContain('Merseyside Domestic Violence and Stalking Service declined because');
    expect(referralPage.body).toContain(DECLINE_REASON);

    // No email about any of them carries the band in its subject.
    const subjects = (await Promise.all([high, standard, medium].map((r) => client.emailsAbout(r)))).flat().map((e) => e.subject);
    expect(subjects.length).toBeGreaterThanOrEqual(4);
    for (const subject of subjects) expect(subject).not.toMatch(/high|medium|standard/i);
  });

  it('keeps MDVS’s 24 hours when a coordinator moves a HIGH referral from MDVS to Victim Care', async () => {
    const high = await submitted(aReferral(noHousingNeed));
    await notified(high, 'mdvs');
    const answer = await client.as('coordinator.merseyside', 'POST', `/api/referrals/${high}/reassign`, {
      toTeamId: 'victim-care', fromTeamId: 'mdvs', reason: 'MDVS asked us to move it while they are short-staffed.',
    });
    expect(answer.status).toBe(200);
    const moved = await notified(high, 'victim-care');
    const reassignedAt = Date.parse(String((await assignmentOf(high, 'mdvs'))?.reassignedAt));
    expect(Date.parse(String(moved.deadlineAt))).toBeLessThanOrEqual(reassignedAt + 24 * HOUR_MS);
    const event = (await client.itemsOf(high, 'EVENT#')).find((e) => e.type === 'ASSIGNMENT_REASSIGNED');
    expect(event?.detail).toMatchObject({ from: 'mdvs', deadlineCarriedFrom: 'mdvs' });
    expect(JSON.stringify(event)).not.toMatch(/Tamsin|Quarrendon/);
  });
});
