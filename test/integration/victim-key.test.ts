import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { userInfo } from 'node:os';
import { DeleteCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { eventually, LocalCloudClient } from '../support/local-cloud-client.js';
import { PROJECT_ROOT } from '../support/local-cloud-process.js';
import { aStandardReferral, type ReferralBody } from '../support/referrals.js';

const cloud = inject('localCloud');
const client = new LocalCloudClient(cloud);

async function submitted(body: ReferralBody): Promise<string> {
  const response = await client.submit(body);
  expect(response.status).toBe(201);
  return ((await response.json()) as { reference: string }).reference;
}

/** The referral once screened: its band, factors and the victim key it was stored with. */
const screened = (reference: string) => eventually(async () => {
  const item = await client.referral(reference);
  return typeof item?.band === 'string' && item as { band: string; victimKey: string; screening: { factors: string[] }; createdAt: string };
}, `${reference} to be screened`);

const markersUnder = async (victimKey: string) => (await client.documents.send(new QueryCommand({
  TableName: cloud.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `VICTIM#${victimKey}` },
}))).Items ?? [];

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
/** The ways someone holding only the table might digest a name and postcode they want to test, the service's old way first. */
function unkeyedDigests(victim: Record<string, unknown>): string[] {
  const [first, last, postcode] = [String(victim.firstName), String(victim.lastName), String(victim.postcode)] as const;
  const normal = (s: string) => s.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
  const basis = [first, last, postcode].map(normal).join('|');
  return [
    sha256(`victim-key:v1|${basis}`), sha256(`victim-key:v2|${basis}`), sha256(basis),
    sha256(`${first}|${last}|${postcode}`), sha256(`${first.toLowerCase()}|${last.toLowerCase()}|${postcode.toUpperCase()}`),
    sha256(`${first} ${last} ${postcode}`), sha256(`${normal(first)}${normal(last)}${normal(postcode)}`),
  ];
}

describe('the repeat-referral marker', () => {
  it('is keyed: it matches no unkeyed digest of the name and postcode, and a second referral of the same person within the window is raised', async () => {
    const first = aStandardReferral();
    const firstReference = await submitted(first);
    const earlier = await screened(firstReference);
    expect(earlier.band).toBe('STANDARD');
    expect(earlier.screening.factors).not.toContain('repeat-referral');

    expect(earlier.victimKey).toMatch(/^v2:[0-9a-f]{64}$/);
    const mac = earlier.victimKey.slice('v2:'.length);
    for (const digest of unkeyedDigests(first.victim)) {
      expect(mac).not.toBe(digest);
      expect(await markersUnder(digest)).toEqual([]);
    }
    expect((await markersUnder(earlier.victimKey)).map((m) => m.reference)).toEqual([firstReference]);

    // The same person, typed differently: another case, the postcode without its space.
    const again = aStandardReferral((body) => {
      body.victim.firstName = String(first.victim.firstName).toUpperCase();
      body.victim.lastName = String(first.victim.lastName);
      body.victim.postcode = String(first.victim.postcode).replace(/\s/g, '').toLowerCase();
    });
    const secondReference = await submitted(again);
    const second = await screened(secondReference);
    expect(second.victimKey).toBe(earlier.victimKey);
    expect(second.screening.factors).toContain('repeat-referral');
    expect(second.band).toBe('MEDIUM');

    // Someone else entirely is no repeat.
    const stranger = await screened(await submitted(aStandardReferral()));
    expect(stranger.victimKey).not.toBe(earlier.victimKey);
    expect(stranger.band).toBe('STANDARD');
  });

  it('of a referral stored before it was keyed is re-keyed once by the operator, and the person is then found as a repeat', async () => {
    const person = aStandardReferral();
    const reference = await submitted(person);
    const stored = await screened(reference);
    // As the service stored it before the key: an unkeyed digest on the referral and as its marker.
    const unkeyed = unkeyedDigests(person.victim)[0]!;
    const sk = `REFERRAL#${stored.createdAt}#${reference}`;
    await client.documents.send(new DeleteCommand({ TableName: cloud.tableName, Key: { pk: `VICTIM#${stored.victimKey}`, sk } }));
    await client.documents.send(new PutCommand({ TableName: cloud.tableName, Item: { pk: `VICTIM#${unkeyed}`, sk, kind: 'victim-referral', reference } }));
    await client.documents.send(new UpdateCommand({
      TableName: cloud.tableName, Key: { pk: `REFERRAL#${reference}`, sk: 'REFERRAL' },
      UpdateExpression: 'SET victimKey = :unkeyed', ExpressionAttributeValues: { ':unkeyed': unkeyed },
    }));

    const rekey = () => spawnSync(process.execPath, ['--import', 'tsx', 'local/rekey-victims.ts'], {
      cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 240_000,
      env: {
        ...process.env, AWS_ENDPOINT_URL_DYNAMODB: cloud.dynamodbUrl, AWS_ENDPOINT_URL_KMS: cloud.kmsUrl, TABLE_NAME: cloud.tableName,
        AWS_REGION: 'eu-west-2', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local',
      },
    });
    const first = rekey();
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain(reference);
    expect((await client.referral(reference))?.victimKey).toBe(stored.victimKey);
    expect(await markersUnder(unkeyed)).toEqual([]);
    expect((await markersUnder(stored.victimKey)).map((m) => m.reference)).toEqual([reference]);
    const events = (await client.itemsOf(reference, 'EVENT#')).filter((e) => e.type === 'VICTIM_KEY_REKEYED');
    expect(events).toMatchObject([{ actor: `operator:${userInfo().username}` }]);

    const second = rekey();
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).not.toContain(reference);

    const repeat = await screened(await submitted(aStandardReferral((body) => {
      body.victim.firstName = person.victim.firstName;
      body.victim.lastName = person.victim.lastName;
      body.victim.postcode = person.victim.postcode;
    })));
    expect(repeat.screening.factors).toContain('repeat-referral');
    expect(repeat.band).toBe('MEDIUM');
  });
});
