import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { eventually, LocalCloudClient } from '../support/local-cloud-client.js';
import { fillForm, referenceIn, send, startForm } from '../support/form-visitor.js';

const cloud = inject('localCloud');
const client = new LocalCloudClient(cloud);
const MDVS = 'mdvs@merseyside.referrals.example';
const HOUSING = 'housing-support@merseyside.referrals.example';

const tag = () => Math.random().toString(36).slice(2, 10).replace(/[0-9]/g, 'q');

async function referralsNamed(lastName: string) {
  const items = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await client.documents.send(new ScanCommand({ TableName: cloud.tableName, ExclusiveStartKey }));
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items.filter((item) => item.kind === 'referral' && JSON.stringify(item.submission).includes(lastName));
}

describe('one referral per send of the online form', () => {
  it('answers three racing sends and one after success from one form session with the same reference, and stores and emails it once', async () => {
    const person = { firstName: `Elowen${tag()}`, lastName: `Penhaligon${tag()}`, postcode: 'L4 0TH' };
    const visitor = await startForm(cloud.apiUrl);
    await fillForm(visitor, person);

    // A double (triple) tap: the sends race each other to the server. Each is answered with the confirmation,
    // which ends the session in the browser that sent it.
    const racing = await Promise.all([send(visitor), send(visitor), send(visitor)]);
    const pages: string[] = [];
    for (const answer of racing) {
      expect(answer.status).toBe(200);
      expect(answer.headers.getSetCookie().join('\n')).toMatch(/^referral-form=; Path=\/refer; Max-Age=0;/m);
      pages.push(await answer.text());
    }
    const repeat = 'You had already sent this request, so we have not sent it again';
    expect(pages.filter((html) => !html.includes(repeat)).length, 'exactly one send stores the referral').toBe(1);
    const references = pages.map(referenceIn);
    const reference = references[0]!;
    expect(reference).toMatch(/^SR-/);

    // A send after success (a retry whose answer was lost, or a tap on a page left open).
    const again = await send(visitor);
    expect(again.status).toBe(200);
    const againHtml = await again.text();
    expect(againHtml).toContain(repeat);
    expect(againHtml).not.toContain('Nothing you entered has been stored');
    expect(againHtml).not.toMatch(/Say whether the victim/);
    references.push(referenceIn(againHtml)!);
    // And the confirmation is not there to be opened again.
    const reopened = await visitor.get('confirmation');
    expect(reopened.status).toBe(303);
    expect(await reopened.text()).not.toContain(reference);
    expect(references).toEqual(references.map(() => reference));

    const emails = await eventually(async () => {
      const referral = await client.referral(reference);
      const found = await client.emailsAbout(reference);
      return referral?.status === 'AWAITING_ACK' && found.length >= 2 && found;
    }, 'the referral to be routed and its teams emailed');
    expect(emails.flatMap((e) => e.destination.to).sort()).toEqual([HOUSING, MDVS].sort());
    const stored = await referralsNamed(person.lastName);
    expect(stored.map((r) => r.reference)).toEqual([reference]);
  }, 120_000);
});
