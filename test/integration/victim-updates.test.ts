import { describe, expect, inject, it } from 'vitest';
import { eventually, LocalCloudClient } from '../support/local-cloud-client.js';
import { aReferral, aStandardReferral } from '../support/referrals.js';

const cloud = inject('localCloud');
const client = new LocalCloudClient(cloud);

async function submitted(body: Record<string, unknown>): Promise<string> {
  const response = await client.submit(body);
  expect(response.status).toBe(201);
  return ((await response.json()) as { reference: string }).reference;
}

const to = (address: string) => async (reference: string) => (await client.emailsAbout(reference)).filter((e) => e.destination.to.includes(address));

describe('updates to the victim by a safe email (SPEC §6)', () => {
  it('tells a victim who asked, once each, that the request arrived and that a team picked it up, and nothing of what they said', async () => {
    const body = aStandardReferral((b) => {
      b.victim.safeContact = { methods: ['email'], voicemailOk: false };
      delete b.victim.phone;
      (b as Record<string, unknown>).updates = { byEmail: true };
    });
    const address = String(body.victim.email);
    const reference = await submitted(body);
    const victimsEmails = to(address);

    const received = await eventually(async () => {
      const found = await victimsEmails(reference);
      return found.length >= 1 && found;
    }, 'the victim\u2019s "received" email');
    expect(received).toHaveLength(1);
    expect(received[0]!.subject).toBe(`Your reference ${reference}`);
    expect(received[0]!.body.text).toContain('We have received your request');

    // Nothing a person reading over their shoulder could learn the rest from.
    const everything = JSON.stringify(received);
    for (const secret of [body.victim.firstName, body.victim.lastName, body.victim.postcode, body.incident.description]) {
      expect(everything).not.toContain(String(secret));
    }
    expect(everything).not.toMatch(/stalk|harass|https?:\/\//i);

    await eventually(async () => (await client.referral(reference))?.status === 'AWAITING_ACK', 'the team to be told');
    const acknowledged = await client.as('victim-care.caseworker', 'POST', `/api/referrals/${reference}/assignments/victim-care/acknowledge`);
    expect(acknowledged.status).toBe(200);
    // A second acknowledgement is harmless, and tells the victim nothing more.
    expect((await client.as('victim-care.caseworker', 'POST', `/api/referrals/${reference}/assignments/victim-care/acknowledge`)).status).toBe(200);

    const both = await eventually(async () => {
      const found = await victimsEmails(reference);
      return found.length >= 2 && found;
    }, 'the victim\u2019s "picked up" email');
    expect(both.map((e) => e.body.text?.split('\n')[0])).toEqual([
      `We have received your request. Your reference is ${reference}.`,
      `Your request ${reference} has been picked up.`,
    ]);
    // What is recorded says so, and a later look finds no third message.
    const notices = (await client.itemsOf(reference, 'NOTICE#')).map((n) => n.notice).sort();
    expect(notices).toEqual(['victim-update:picked-up', 'victim-update:received']);
    expect(await victimsEmails(reference)).toHaveLength(2);
  });

  it('emails no victim who did not ask, nor one whose email was not chosen as safe', async () => {
    const quiet = aReferral();
    const quietReference = await submitted(quiet);
    // A referral stored after it that does ask: the consumer reads the stream in order, so once this one's
    // update is out, it has passed the quiet one too. Absence is proven after a presence, not after a wait.
    const later = aStandardReferral((b) => {
      b.victim.safeContact = { methods: ['email'], voicemailOk: false };
      delete b.victim.phone;
      (b as Record<string, unknown>).updates = { byEmail: true };
    });
    const laterReference = await submitted(later);
    await eventually(async () => (await to(String(later.victim.email))(laterReference)).length > 0, 'the later referral\u2019s update');
    await eventually(async () => (await client.referral(quietReference))?.status === 'AWAITING_ACK', 'the quiet referral to be routed');
    expect(await to(String(quiet.victim.email))(quietReference)).toEqual([]);
    expect(await client.itemsOf(quietReference, 'NOTICE#victim-update')).toEqual([]);

    // Asked for updates but chose only texts: the API refuses it rather than email an address not said to be safe.
    const unsafe = aReferral((b) => {
      b.victim.safeContact = { methods: ['text'], voicemailOk: false };
      (b as Record<string, unknown>).updates = { byEmail: true };
    });
    const refused = await client.submit(unsafe);
    expect(refused.status).toBe(400);
    expect(JSON.stringify(await refused.json())).toContain('updates.byEmail');
  });
});
