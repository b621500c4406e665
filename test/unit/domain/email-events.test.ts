import { describe, expect, it } from 'vitest';
import { judgeEmailEvent } from '../../../functions/domain/email-events.js';

const mail = (tags: Record<string, string[]>) => ({ messageId: 'm-1', tags: { 'ses:configuration-set': ['referrals'], ...tags } });

describe('what an SES email event means for a referral', () => {
  it('takes a permanent bounce of a team email as undeliverable, naming the referral and the team', () => {
    expect(judgeEmailEvent({ eventType: 'Bounce', mail: mail({ reference: ['SR-7KQ2-9XMD'], team: ['mdvs'] }), bounce: { bounceType: 'Permanent', bounceSubType: 'General' } }))
      .toEqual({ kind: 'undeliverable', why: 'Bounce:General', reference: 'SR-7KQ2-9XMD', teamId: 'mdvs' });
  });

  it('knows a bounced update to the victim from mail to a team or to staff', () => {
    expect(judgeEmailEvent({ eventType: 'Bounce', mail: mail({ reference: ['SR-7KQ2-9XMD'], kind: ['victim-update'] }), bounce: { bounceType: 'Permanent', bounceSubType: 'NoEmail' } }))
      .toEqual({ kind: 'undeliverable', why: 'Bounce:NoEmail', reference: 'SR-7KQ2-9XMD', toVictim: true });
    expect(judgeEmailEvent({ eventType: 'Complaint', mail: mail({ reference: ['SR-7KQ2-9XMD'], kind: ['something-else'] }) }))
      .toEqual({ kind: 'undeliverable', why: 'Complaint', reference: 'SR-7KQ2-9XMD' });
  });

  it('leaves a transient bounce and a delivery delay to SES, which keeps trying', () => {
    expect(judgeEmailEvent({ eventType: 'Bounce', mail: mail({ reference: ['SR-7KQ2-9XMD'] }), bounce: { bounceType: 'Transient' } }).kind).toBe('passing');
    expect(judgeEmailEvent({ eventType: 'DeliveryDelay', mail: mail({}) }).kind).toBe('passing');
  });

  it('takes a complaint, a rejection and a rendering failure as undeliverable', () => {
    for (const eventType of ['Complaint', 'Reject', 'Rendering Failure']) {
      expect(judgeEmailEvent({ eventType, mail: mail({ reference: ['SR-7KQ2-9XMD'] }) })).toMatchObject({ kind: 'undeliverable', reference: 'SR-7KQ2-9XMD' });
    }
  });

  it('trusts no tag that is not shaped like a reference or a team id', () => {
    const verdict = judgeEmailEvent({ eventType: 'Complaint', mail: mail({ reference: ['<script>'], team: ['Not A Team!'] }) });
    expect(verdict).toEqual({ kind: 'undeliverable', why: 'Complaint' });
  });
});
