import { createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eventually, LocalCloudClient } from '../support/local-cloud-client.js';
import { PortalVisit } from '../support/portal-visit.js';
import { freePort, launchLocalCloud, PROJECT_ROOT } from '../support/local-cloud-process.js';
import { aReferral } from '../support/referrals.js';

const cloud = inject('localCloud');
const client = new LocalCloudClient(cloud);

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
function signed(claims: Record<string, unknown>, kid: string, key: KeyObject): string {
  const input = `${b64({ alg: 'RS256', kid })}.${b64(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}
/**
 * The local pool's signing key (a demo key shipped in the emulator's package): a token it signs passes
 * the signature check, so what is refused is the claim the test changed.
 */
function poolKey(): KeyObject {
  const dir = path.dirname(createRequire(import.meta.url).resolve('cognito-local/package.json'));
  return createPrivateKey({ key: (JSON.parse(readFileSync(path.join(dir, 'lib/keys/cognitoLocal.private.json'), 'utf8')) as { jwk: never }).jwk, format: 'jwk' });
}

/** A HIGH-risk referral with a housing need: assigned to mdvs and housing-support, never victim-care. */
async function anMdvsReferral(): Promise<string> {
  const response = await client.submit(aReferral());
  const { reference } = (await response.json()) as { reference: string };
  await eventually(async () => (await client.referral(reference))?.status === 'AWAITING_ACK', 'the teams to be notified');
  return reference;
}

describe('who may see and act on a referral', () => {
  it('answers 401 to every kind of bad token (SPEC §8), with the Bearer challenge', async () => {
    const reference = await anMdvsReferral();
    const good = await client.tokenFor('mdvs.caseworker');
    const [header, payload] = good.split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const kid = (JSON.parse(Buffer.from(header, 'base64url').toString()) as { kid: string }).kid;
    const now = Math.floor(Date.now() / 1000);
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const bad: Record<string, string | undefined> = {
      missing: undefined,
      malformed: 'Bearer not.a-token',
      'not a bearer token': 'Basic bWR2cy5jYXNld29ya2VyOnBhc3N3b3Jk',
      'forged signature': 'Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln',
      unsigned: `Bearer ${b64({ alg: 'none', kid })}.${payload}.`,
      'signed with another key': `Bearer ${signed(claims, kid, stranger)}`,
      expired: `Bearer ${signed({ ...claims, iat: now - 7200, exp: now - 60 }, kid, poolKey())}`,
      'an id token': `Bearer ${signed({ ...claims, token_use: 'id', aud: claims.client_id }, kid, poolKey())}`,
      'a partner system’s machine token': `Bearer ${await client.partnerToken()}`,
    };
    for (const [kind, authorization] of Object.entries(bad)) {
      for (const [method, path] of [['GET', `/api/referrals/${reference}`], ['POST', `/api/referrals/${reference}/assignments/mdvs/acknowledge`], ['GET', '/api/reports/throughput']]) {
        const response = await fetch(`${cloud.apiUrl}${path}`, { method, headers: authorization ? { authorization } : {} });
        expect(response.status, `${kind}: ${method} ${path}`).toBe(401);
        expect(response.headers.get('www-authenticate'), kind).toMatch(/^Bearer/);
      }
    }
    // And nothing was done: the assignment was not acknowledged by any of them.
    expect((await client.itemsOf(reference, 'ASSIGNMENT#mdvs'))[0]?.status).not.toBe('ACKNOWLEDGED');
  });

  it('answers 401 to a token whose sign-in was ended by sign-out, though it has not expired', async () => {
    const reference = await anMdvsReferral();
    // A sign-in of its own (a fresh client holds no cached token): what sign-out ends is this one only.
    const token = await new LocalCloudClient(cloud).tokenFor('mdvs.caseworker');
    const read = () => fetch(`${cloud.apiUrl}/api/referrals/${reference}`, { headers: { authorization: `Bearer ${token}` } });
    expect((await read()).status).toBe(200);

    // What the portal's sign-out does with its session's token (functions/portal/routes/sign-in.ts).
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_DYNAMODB: cloud.dynamodbUrl, TABLE_NAME: cloud.tableName,
      AWS_REGION: 'eu-west-2', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local',
    });
    const { claimsOf, revokeSignIn, signInIdOf } = await import('../../functions/adapters/revoked-tokens.js');
    const claims = claimsOf(token);
    await revokeSignIn(signInIdOf(claims)!, new Date(Number(claims.exp) * 1000));

    const refused = await read();
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    // Acknowledging reads the assignment while the revocation is read: it is refused all the same, and
    // nothing is moved or recorded.
    const acknowledged = await fetch(`${cloud.apiUrl}/api/referrals/${reference}/assignments/mdvs/acknowledge`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(acknowledged.status).toBe(401);
    expect((await client.itemsOf(reference, 'ASSIGNMENT#mdvs'))[0]?.status).toBe('NOTIFIED');
    expect((await client.itemsOf(reference, 'EVENT#')).filter((e) => e.type === 'ASSIGNMENT_STATUS_CHANGED' && e.to === 'ACKNOWLEDGED')).toHaveLength(0);
    // Another sign-in of the same person is untouched.
    expect((await client.as('mdvs.caseworker', 'GET', `/api/referrals/${reference}`)).status).toBe(200);
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

describe('when the pool’s signing keys cannot be fetched', () => {
  // A cloud of its own whose functions fetch keys from an address nothing listens on: the other tests'
  // functions have theirs cached already.
  let outage: Awaited<ReturnType<typeof launchLocalCloud>>;
  let outageClient: LocalCloudClient;
  beforeAll(async () => {
    outage = await launchLocalCloud({
      logFile: path.join(PROJECT_ROOT, 'test-results', `local-cloud-jwks-outage-${Date.now()}.log`),
      env: { LOCAL_JWKS_URI: `http://127.0.0.1:${await freePort()}/.well-known/jwks.json` },
    });
    outageClient = new LocalCloudClient(outage.handle);
  }, 360_000);
  afterAll(async () => outage?.stop());

  it('answers 503 with a time to retry, not 401: the token may be fine', async () => {
    const token = await outageClient.tokenFor('mdvs.caseworker');
    const response = await fetch(`${outage.handle.apiUrl}/api/teams/mdvs/assignments`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('30');
    // A partner's submission is told the same, and nothing is stored.
    const partner = await outageClient.submit(aReferral(), { authorization: `Bearer ${await outageClient.partnerToken()}` });
    expect(partner.status).toBe(503);
  });
});
