import { createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { LocalCloudClient } from '../support/local-cloud-client.js';
import { aReferral, aStandardReferral, type ReferralBody } from '../support/referrals.js';

const cloud = inject('localCloud');
const client = new LocalCloudClient(cloud);
const partner = cloud.partnerClients.find((p) => p.organisation === 'Merseyside Police')!;

/** A police referral that raises the band, with victim names no other test uses, to look for in the table. */
function aPoliceReferral(surname: string): ReferralBody {
  return aStandardReferral((body) => {
    body.source = 'police';
    (body.victim as Record<string, unknown>).lastName = surname;
    body.referrer = {
      name: 'PC Ada Lovelock', organisation: 'Merseyside Police', email: 'ada.lovelock@police.example',
      raiseBandTo: 'HIGH', raiseReason: 'Escalating threats made at the victim’s workplace this week.',
    };
  });
}

function askForToken(credentials: string, form: Record<string, string> = { grant_type: 'client_credentials' }): Promise<Response> {
  return fetch(cloud.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(credentials).toString('base64')}` },
    body: new URLSearchParams(form),
  });
}

const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

describe('a partner system with machine credentials', () => {
  it('gets an access token for referrals/submit from the token endpoint with its client id and secret', async () => {
    const response = await askForToken(`${partner.clientId}:${partner.clientSecret}`, { grant_type: 'client_credentials', scope: 'referrals/submit' });
    expect(response.status).toBe(200);
    const answer = await response.json() as { access_token: string; token_type: string; expires_in: number };
    expect(answer).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    expect(claimsOf(answer.access_token)).toMatchObject({ token_use: 'access', client_id: partner.clientId, sub: partner.clientId, scope: 'referrals/submit' });
  });

  it('is refused a token with a wrong secret, an unknown client, another grant or a scope it was not given', async () => {
    const wrongSecret = await askForToken(`${partner.clientId}:not-the-secret`);
    expect(wrongSecret.status).toBe(400);
    expect(await wrongSecret.json()).toEqual({ error: 'invalid_client' });
    expect((await askForToken(`unknownclient000000000000:${partner.clientSecret}`)).status).toBe(400);
    expect(await (await askForToken(`${partner.clientId}:${partner.clientSecret}`, { grant_type: 'password' })).json()).toEqual({ error: 'unsupported_grant_type' });
    expect(await (await askForToken(`${partner.clientId}:${partner.clientSecret}`, { grant_type: 'client_credentials', scope: 'referrals/read' })).json()).toEqual({ error: 'invalid_scope' });
  });

  it('refers as the police, raising the band, and the referral records its organisation and client', async () => {
    const response = await client.submit(aPoliceReferral('Quillfeather-Partner'), { authorization: `Bearer ${await client.partnerToken('Merseyside Police')}` });
    expect(response.status).toBe(201);
    const { reference } = await response.json() as { reference: string };
    const stored = (await client.referral(reference))!;
    expect(stored.source).toBe('police');
    expect(stored.submittedBy).toEqual({ clientId: partner.clientId, organisation: 'Merseyside Police' });
    expect((stored.submission as { referrer: Record<string, unknown> }).referrer).toMatchObject({ organisation: 'Merseyside Police', raiseBandTo: 'HIGH' });
    const [received] = await client.itemsOf(reference, 'EVENT#');
    expect(received).toMatchObject({ type: 'REFERRAL_RECEIVED', actor: `client:${partner.clientId}` });
    // No secret is ever stored with it.
    expect(JSON.stringify(await client.itemsContaining(reference))).not.toContain(partner.clientSecret);
  });

  it('may not file a referral under another organisation', async () => {
    const body = aPoliceReferral('Quillfeather-Elsewhere');
    (body.referrer as Record<string, unknown>).organisation = 'Cheshire Constabulary';
    const response = await client.submit(body, { authorization: `Bearer ${await client.partnerToken()}` });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ errors: [{ path: 'referrer.organisation', message: expect.stringContaining('Merseyside Police') }] });
    expect(await client.itemsContaining('Quillfeather-Elsewhere')).toEqual([]);
  });
});

describe('an anonymous submission', () => {
  it('claiming to be the police gets 401 and nothing is stored', async () => {
    const response = await client.submit(aPoliceReferral('Quillfeather-Anonymous'));
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(await response.json()).toEqual({ errors: [{ path: 'source', message: expect.any(String) }] });
    expect(await client.itemsContaining('Quillfeather-Anonymous')).toEqual([]);
  });

  it('as a self-referral is accepted', async () => {
    const response = await client.submit(aReferral());
    expect(response.status).toBe(201);
    const { reference } = await response.json() as { reference: string };
    expect((await client.referral(reference))?.submittedBy).toBeUndefined();
  });
});

describe('a submission with a bad token', () => {
  const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signed = (claims: Record<string, unknown>, kid: string, key: KeyObject) => {
    const input = `${b64({ alg: 'RS256', kid })}.${b64(claims)}`;
    return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
  };
  // The local pool's own signing key (a demo key shipped in the emulator's package): a token it signs
  // passes the signature check, so what is refused is the claim the test changed.
  const poolKey = () => {
    const dir = path.dirname(createRequire(import.meta.url).resolve('cognito-local/package.json'));
    return createPrivateKey({ key: (JSON.parse(readFileSync(path.join(dir, 'lib/keys/cognitoLocal.private.json'), 'utf8')) as { jwk: never }).jwk, format: 'jwk' });
  };

  it('is refused with 401 even for a self-referral: a client that sent a token expects it to count', async () => {
    const good = await client.partnerToken();
    const [header, payload] = good.split('.') as [string, string];
    const claims = claimsOf(good);
    const now = Math.floor(Date.now() / 1000);
    const kid = (JSON.parse(Buffer.from(header, 'base64url').toString()) as { kid: string }).kid;
    const bad = {
      malformed: 'not-a-token',
      unsigned: `${b64({ alg: 'none' })}.${payload}.`,
      'signed with another key': signed(claims, kid, stranger.privateKey),
      expired: signed({ ...claims, iat: now - 3700, exp: now - 60 }, kid, poolKey()),
      'without the submit scope': signed({ ...claims, scope: 'referrals/read' }, kid, poolKey()),
      'an id token': signed({ ...claims, token_use: 'id', aud: claims.client_id }, kid, poolKey()),
      'a staff member’s access token': await client.tokenFor('victim-care.caseworker'),
    };
    for (const [kind, token] of Object.entries(bad)) {
      const response = await client.submit(aReferral(), { authorization: `Bearer ${token}` });
      expect(response.status, kind).toBe(401);
      expect(response.headers.get('www-authenticate'), kind).toMatch(/^Bearer/);
    }
  });
});
