import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import fixture from '../../fixtures/referral.json' with { type: 'json' };
import {
  CONSENT_REFUSED, type FieldError, parseReferral, RISK_FACTOR_IDS, type ReferralSubmission,
} from '../../../functions/domain/referral.js';

const now = new Date('2026-11-21T12:00:00Z');
type Json = Record<string, unknown>;

function referral(): Json {
  return structuredClone(fixture) as Json;
}

/** A copy of the fixture with the value at a dotted path replaced (or removed, for `undefined`). */
function changed(path: string, value: unknown, base: Json = referral()): Json {
  const keys = path.split('.');
  const last = keys.pop()!;
  let node: Json = base;
  for (const key of keys) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Json;
  }
  if (value === undefined) delete node[last];
  else node[last] = value;
  return base;
}

function errorsFor(body: unknown): FieldError[] {
  const result = parseReferral(body, now);
  if (result.ok) throw new Error('expected the referral to be refused');
  return result.errors;
}

function accepted(body: unknown): ReferralSubmission {
  const result = parseReferral(body, now);
  if (!result.ok) throw new Error(`expected the referral to be accepted: ${JSON.stringify(result.errors)}`);
  return result.referral;
}

const police = () => ({
  ...referral(),
  source: 'police',
  referrer: {
    name: 'DC Ffion Aldergrove',
    organisation: 'Merseyside Police',
    email: 'ffion.aldergrove.fixture@example.org',
    collarNumber: '7713',
  },
});

describe('a referral submission', () => {
  it('accepts the fixture, a complete self-referral', () => {
    const parsed = accepted(referral());
    expect(parsed.victim.postcode).toBe('L8 7QZ');
    expect(parsed.incident.relationship).toBe('ex-partner');
    expect(parsed.riskAnswers.threatsToKill).toBe('yes');
  });

  it('tidies what people type: trims text and normalises the postcode', () => {
    const body = changed('victim.postcode', '  l87qz ', changed('victim.firstName', '  Oriel  '));
    const parsed = accepted(body);
    expect(parsed.victim.postcode).toBe('L8 7QZ');
    expect(parsed.victim.firstName).toBe('Oriel');
  });

  it('accepts a referral with only the required fields', () => {
    const body = referral();
    for (const path of ['victim.dateOfBirth', 'victim.address', 'victim.safeContact.safeTimes', 'incident.timesCount',
      'incident.crimeReference', 'incident.officer', 'housing.propertyDamagedAtHome']) {
      changed(path, undefined, body);
    }
    changed('victim.safeContact.methods', ['phone'], body);
    changed('victim.email', undefined, body);
    expect(() => accepted(body)).not.toThrow();
  });

  it.each([
    'source', 'victim', 'victim.firstName', 'victim.lastName', 'victim.postcode', 'victim.safeContact',
    'victim.safeContact.methods', 'victim.safeContact.voicemailOk', 'incident', 'incident.behaviours',
    'incident.frequency', 'incident.firstDate', 'incident.latestDate', 'incident.relationship',
    'incident.description', 'incident.reportedToPolice', 'riskAnswers',
    ...RISK_FACTOR_IDS.map((id) => `riskAnswers.${id}`),
    'housing', 'housing.tenure', 'housing.needsSupport', 'housing.unsafeAtHome', 'housing.personKnowsAddress',
    'consent', 'consent.shareWithServices', 'immediateDanger',
  ])('reports a missing %s at that path', (path) => {
    const errors = errorsFor(changed(path, undefined));
    expect(errors.map((e) => e.path)).toContain(path);
  });

  it.each(['victim.firstName', 'incident.description', 'incident.firstDate', 'victim.postcode'])('treats a blank %s as missing', (path) => {
    const errors = errorsFor(changed(path, '   '));
    expect(errors).toHaveLength(1);
    expect(errors[0]!.path).toBe(path);
  });

  it.each(['extra', 'victim.nickname', 'victim.safeContact.codeword', 'incident.weapon', 'riskAnswers.hasDog', 'housing.rent', 'consent.marketing'])(
    'refuses the unexpected field %s',
    (path) => {
      const errors = errorsFor(changed(path, 'surprise'));
      expect(errors.map((e) => e.path)).toContain(path);
    },
  );

  it('refuses a self-referral that carries referrer details', () => {
    const errors = errorsFor({ ...police(), source: 'self' });
    expect(errors.map((e) => e.path)).toEqual(['referrer']);
  });

  it('stores nothing without consent and tells the person where else to go', () => {
    const errors = errorsFor(changed('consent.shareWithServices', false));
    expect(errors).toEqual([{ path: 'consent.shareWithServices', message: CONSENT_REFUSED }]);
    expect(CONSENT_REFUSED).toMatch(/Nothing you entered has been stored/);
    expect(CONSENT_REFUSED).toMatch(/contact/);
    expect(CONSENT_REFUSED).toMatch(/999/);
  });

  it('needs the details of a police officer or agency making the referral', () => {
    for (const source of ['police', 'agency']) {
      const errors = errorsFor({ ...referral(), source });
      expect(errors.map((e) => e.path)).toEqual(['referrer']);
    }
    expect(accepted(police()).referrer?.name).toBe('DC Ffion Aldergrove');
  });

  it('takes the optional answers about the person responsible, needs, a helper and updates, and refuses each when malformed', () => {
    const full = changed('updates', { byEmail: true }, changed('helper', { relationship: 'Brother' }, changed('needs', {
      language: 'Polish', interpreter: true, accessNeeds: 'Uses a wheelchair', childrenInHousehold: false,
    }, changed('personResponsible', { name: 'Jo Bloggs', description: 'Tall', livesNearby: 'unsure' }))));
    expect(accepted(full)).toMatchObject({ helper: { relationship: 'Brother' }, needs: { language: 'Polish' }, personResponsible: { livesNearby: 'unsure' } });
    expect(errorsFor(changed('personResponsible', { livesNearby: 'maybe' })).map((e) => e.path)).toEqual(['personResponsible.livesNearby']);
    expect(errorsFor(changed('needs', { language: 'Eng\r\nBcc: x@example.org' })).map((e) => e.path)).toEqual(['needs.language']);
    expect(errorsFor(changed('helper', {})).map((e) => e.path)).toEqual(['helper.relationship']);
    // Updates go only to an address chosen as safe (SPEC §6).
    const noEmail = changed('updates', { byEmail: true }, changed('victim.safeContact.methods', ['text']));
    expect(errorsFor(noEmail).map((e) => e.path)).toEqual(['updates.byEmail']);
    expect(errorsFor(changed('helper', { relationship: 'Colleague' }, police())).map((e) => e.path)).toEqual(['helper']);
  });

  it('needs a reason of at least 10 characters when a professional raises the band', () => {
    const raise = (extra: Json) => ({ ...police(), referrer: { ...police().referrer, ...extra } });
    expect(errorsFor(raise({ raiseBandTo: 'HIGH' })).map((e) => e.path)).toEqual(['referrer.raiseReason']);
    expect(errorsFor(raise({ raiseBandTo: 'HIGH', raiseReason: 'worried' })).map((e) => e.path)).toEqual(['referrer.raiseReason']);
    expect(errorsFor(raise({ raiseBandTo: 'STANDARD', raiseReason: 'Breached bail twice' })).map((e) => e.path)).toEqual(['referrer.raiseBandTo']);
    expect(accepted(raise({ raiseBandTo: 'HIGH', raiseReason: 'Breached bail conditions twice this month' })).referrer?.raiseBandTo).toBe('HIGH');
  });

  it('needs an email address when email is a safe way to get in touch, and a number for calls or texts', () => {
    expect(errorsFor(changed('victim.email', undefined)).map((e) => e.path)).toEqual(['victim.email']);
    // The fixture's texts go to its phone number; without one they need a mobile number.
    expect(errorsFor(changed('victim.phone', undefined)).map((e) => e.path)).toEqual(['victim.mobile']);
    expect(accepted(changed('victim.mobile', '07700 900777', changed('victim.phone', undefined))).victim.mobile).toBe('07700 900777');
    const calls = changed('victim.phone', undefined, changed('victim.safeContact.methods', ['phone']));
    expect(errorsFor(calls).map((e) => e.path)).toEqual(['victim.phone']);
    const letters = changed('victim.address', undefined, changed('victim.safeContact.methods', ['letter']));
    expect(errorsFor(letters).map((e) => e.path)).toEqual(['victim.address']);
  });

  it('only offers contact through a referrer when someone referred on the victim’s behalf', () => {
    const self = changed('victim.safeContact.methods', ['through-referrer']);
    expect(errorsFor(self).map((e) => e.path)).toEqual(['victim.safeContact.methods']);
    const viaOfficer = changed('victim.safeContact.methods', ['through-referrer'], police());
    expect(accepted(viaOfficer).victim.safeContact.methods).toEqual(['through-referrer']);
  });

  it.each(['L1', 'ZZ1 1ZZ1', '12345', 'L1 8CQ', 'SW1A 1AA; DROP TABLE'])('refuses the postcode %j', (postcode) => {
    expect(errorsFor(changed('victim.postcode', postcode)).map((e) => e.path)).toEqual(['victim.postcode']);
  });

  it.each(['2026-02-30', '2026-13-01', '26-03-01', '2026-3-1', '01/03/2026', '1899-12-31', 'yesterday'])(
    'refuses the date %j',
    (date) => {
      expect(errorsFor(changed('incident.firstDate', date)).map((e) => e.path)).toEqual(['incident.firstDate']);
    },
  );

  it('refuses an incident date in the future, judged by the date in London', () => {
    expect(errorsFor(changed('incident.latestDate', '2026-11-22')).map((e) => e.path)).toEqual(['incident.latestDate']);
    expect(() => accepted(changed('incident.latestDate', '2026-11-21'))).not.toThrow();
    // 23:30 UTC on 30 June is already 1 July in London.
    const justAfterMidnight = parseReferral(changed('incident.latestDate', '2026-07-01'), new Date('2026-06-30T23:30:00Z'));
    expect(justAfterMidnight.ok).toBe(true);
  });

  it('refuses a date of birth that is today or later', () => {
    expect(errorsFor(changed('victim.dateOfBirth', '2026-11-21')).map((e) => e.path)).toEqual(['victim.dateOfBirth']);
  });

  it('refuses a first date after the latest date', () => {
    const body = changed('incident.firstDate', '2026-10-25');
    expect(errorsFor(body)).toEqual([{ path: 'incident.latestDate', message: expect.stringMatching(/after the date it first happened/) }]);
  });

  it.each(['Oriel\r\nBcc: everyone@example.org', 'Oriel\n', 'Ori\rel', 'Ori\u0000el', 'Ori\u202Eel'])(
    'refuses a name with line breaks or hidden characters: %j',
    (name) => {
      // Trailing line breaks are trimmed away; only those inside the name are errors.
      const result = parseReferral(changed('victim.firstName', name), now);
      if (name.trimEnd() === name) {
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.errors.map((e) => e.path)).toEqual(['victim.firstName']);
      } else {
        expect(result.ok && result.referral.victim.firstName).toBe('Oriel');
      }
    },
  );

  it('refuses an email address that could add mail headers', () => {
    expect(errorsFor(changed('victim.email', 'a@example.org\r\nBcc: b@example.org')).map((e) => e.path)).toEqual(['victim.email']);
  });

  it('keeps line breaks and tabs in a description but refuses other control characters', () => {
    expect(accepted(changed('incident.description', 'First line\n\tsecond line')).incident.description).toBe('First line\n\tsecond line');
    for (const bad of ['a\u0007b', 'a\u001Bb', 'a\u007Fb', 'a\u2066b', 'a\u202Ab']) {
      expect(errorsFor(changed('incident.description', bad)).map((e) => e.path)).toEqual(['incident.description']);
    }
  });

  it('limits the length of free text', () => {
    expect(errorsFor(changed('victim.lastName', 'x'.repeat(101))).map((e) => e.path)).toEqual(['victim.lastName']);
    expect(errorsFor(changed('incident.description', 'x'.repeat(5001))).map((e) => e.path)).toEqual(['incident.description']);
    expect(errorsFor(changed('victim.address', 'x'.repeat(301))).map((e) => e.path)).toEqual(['victim.address']);
    expect(errorsFor(changed('incident.crimeReference', 'x'.repeat(41))).map((e) => e.path)).toEqual(['incident.crimeReference']);
  });

  it.each(['07700 900418', '+44 7700 900418', '0151 496 0000', '01514960000'])('accepts the UK phone number %j', (phone) => {
    expect(() => accepted(changed('victim.phone', phone))).not.toThrow();
  });

  it.each(['12345', '+1 202 555 0100', '07700-900-418', '077009004189999', 'call me'])('refuses the phone number %j', (phone) => {
    expect(errorsFor(changed('victim.phone', phone)).map((e) => e.path)).toEqual(['victim.phone']);
  });

  it('reports each wrong entry in a list at its position', () => {
    const errors = errorsFor(changed('incident.behaviours', ['following', 'hexing']));
    expect(errors.map((e) => e.path)).toEqual(['incident.behaviours.1']);
    expect(errorsFor(changed('incident.behaviours', [])).map((e) => e.path)).toEqual(['incident.behaviours']);
  });

  it('keeps each behaviour once, however often it was ticked', () => {
    expect(accepted(changed('incident.behaviours', ['calls', 'calls', 'gifts'])).incident.behaviours).toEqual(['calls', 'gifts']);
  });

  it('refuses a risk answer other than yes, no or not sure', () => {
    expect(errorsFor(changed('riskAnswers.threatsToKill', 'maybe'))).toEqual([
      { path: 'riskAnswers.threatsToKill', message: 'Answer yes, no or not sure' },
    ]);
  });

  it('never repeats what was typed back in an error message', () => {
    const secret = 'Zephyrine-Quockerwodger';
    const body = referral();
    for (const path of ['victim.postcode', 'victim.email', 'victim.phone', 'incident.firstDate', 'incident.relationship',
      'housing.tenure', 'riskAnswers.escalating', 'victim.safeContact.methods.0', 'source']) {
      changed(path, `${secret}-${'9'.repeat(3)}`, body);
    }
    changed('victim.firstName', `${secret}\n${secret}`, body);
    const errors = errorsFor(body);
    expect(errors.length).toBeGreaterThanOrEqual(10);
    for (const error of errors) expect(error.message).not.toContain(secret);
  });

  it('answers a body that is not an object with an error, not an exception', () => {
    for (const body of [null, undefined, 'referral', 42, [], [referral()]]) {
      const errors = errorsFor(body);
      expect(errors).toEqual([{ path: '', message: 'Send the referral as a JSON object' }]);
    }
  });

  it('never throws on junk, and always explains itself with string paths', () => {
    fc.assert(fc.property(fc.oneof(fc.anything(), fc.object(), fc.jsonValue()), (body) => {
      const result = parseReferral(body, now);
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.errors.length).toBeGreaterThanOrEqual(1);
      for (const error of result.errors) {
        expect(typeof error.path).toBe('string');
        expect(typeof error.message).toBe('string');
        expect(error.message.length).toBeGreaterThan(0);
      }
    }));
  });

  it('never throws when any one field of a good referral is replaced with junk', () => {
    const paths = [
      'source', 'referrer', 'victim', 'victim.firstName', 'victim.postcode', 'victim.safeContact', 'victim.safeContact.methods',
      'incident', 'incident.behaviours', 'incident.firstDate', 'incident.timesCount', 'riskAnswers', 'riskAnswers.turnsUp',
      'housing', 'consent', 'consent.shareWithServices', 'immediateDanger',
    ];
    fc.assert(fc.property(fc.constantFrom(...paths), fc.anything(), (path, junk) => {
      const result = parseReferral(changed(path, junk), now);
      if (!result.ok) {
        expect(result.errors.length).toBeGreaterThanOrEqual(1);
        for (const error of result.errors) expect(typeof error.path).toBe('string');
      }
    }));
  });

  it('accepts any combination of risk answers', () => {
    const answer = fc.constantFrom('yes', 'no', 'unsure');
    fc.assert(fc.property(fc.tuple(...RISK_FACTOR_IDS.map(() => answer)), (picked) => {
      const body = changed('riskAnswers', Object.fromEntries(RISK_FACTOR_IDS.map((id, i) => [id, picked[i]])));
      expect(parseReferral(body, now).ok).toBe(true);
    }));
  });
});
