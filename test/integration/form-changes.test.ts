import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { LocalCloudClient } from '../support/local-cloud-client.js';
import { fillForm, startForm } from '../support/form-visitor.js';

const cloud = inject('localCloud');
const client = new LocalCloudClient(cloud);
const tag = () => Math.random().toString(36).slice(2, 10).replace(/[0-9]/g, 'q');

describe('changing an answer from "check your answers"', () => {
  it('asks a question the change calls for before going back, and skips one that no longer applies', async () => {
    const visitor = await startForm(cloud.apiUrl);
    await fillForm(visitor, { firstName: `Kerensa${tag()}`, lastName: `Tregenza${tag()}`, postcode: 'L1 8JQ' });
    expect((await visitor.get('check')).status).toBe(200);

    // Email added as a safe way: "email updates?" has not been asked yet, so it comes next.
    const contact = await visitor.post('contact', { 'victim.safeContact.methods': ['phone', 'email'], 'victim.phone': '07700 900456', 'victim.email': 'k@example.org' });
    expect(contact.headers.get('location')).toBe('/refer/updates');
    expect((await visitor.post('updates', { 'updates.byEmail': 'yes' })).headers.get('location')).toBe('/refer/check');
    expect(await (await visitor.get('check')).text()).toContain('Email updates');

    // Now filling it in for someone else: how they know them is asked, then back to the check page.
    expect((await visitor.post('helper', { 'form.forSomeoneElse': 'yes' })).headers.get('location')).toBe('/refer/helper-relationship');
    expect((await visitor.post('helper-relationship', { 'helper.relationship': 'Aunt' })).headers.get('location')).toBe('/refer/check');

    // Email no longer safe: the updates page is passed over, and the check page no longer lists it.
    await visitor.post('contact', { 'victim.safeContact.methods': ['phone'], 'victim.phone': '07700 900456', 'victim.email': 'k@example.org' });
    expect((await visitor.get('updates')).headers.get('location')).toBe('/refer/relationship');
    const check = await (await visitor.get('check')).text();
    expect(check).not.toContain('Email updates');
    expect(check).not.toContain('k@example.org');
    expect(check).toContain('Aunt');

    // A post to a page that does not apply keeps nothing: it would never be checked against the referral.
    const stray = await visitor.post('updates', { 'updates.byEmail': '<script>x</script>' });
    expect(stray.status).toBe(303);
    expect(stray.headers.get('location')).toBe('/refer/relationship');
    const session = await client.documents.send(new GetCommand({ TableName: cloud.tableName, Key: { pk: `FORMSESSION#${visitor.cookie.split('=')[1]}`, sk: 'FORMSESSION' } }));
    expect(JSON.stringify(session.Item)).not.toContain('<script>');
  });
});
