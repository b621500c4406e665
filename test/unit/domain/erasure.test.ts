import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ERASED, redactSubmission } from '../../../functions/domain/erasure.js';
import { parseReferral } from '../../../functions/domain/referral.js';

const NOW = new Date('2026-11-18T10:00:00Z');
const fixture = JSON.parse(readFileSync(path.join(import.meta.dirname, '../../fixtures/referral.json'), 'utf8')) as Record<string, Record<string, unknown>>;

// Distinctive enough never to occur by chance in what is kept.
const word = fc.stringMatching(/^[A-Z][a-z]{5,12}$/).map((w) => `${w}zq`);

describe('erasing a person’s details', () => {
  it('leaves none of what identifies or contacts them, for any referral on anyone’s behalf', () => {
    fc.assert(fc.property(word, word, word, word, fc.constantFrom('self', 'police'), (first, last, street, story, source) => {
      const body = structuredClone(fixture);
      Object.assign(body.victim!, { firstName: first, lastName: last, address: `1 ${street} Road`, email: `${first.toLowerCase()}@example.org`, phone: '07700900123', mobile: '07700900999', dateOfBirth: '1990-04-17' });
      if (source === 'self') {
        Object.assign(body, {
          helper: { relationship: `${street} neighbour` },
          personResponsible: { name: `${story} Smith`, description: `Drives a ${street} van`, livesNearby: 'yes' },
          needs: { language: `${last}ish`, accessNeeds: `${first} needs large print`, interpreter: true, childrenInHousehold: true },
        });
      }
      (body.victim!.safeContact as Record<string, unknown>).safeTimes = `After ${street} closes`;
      Object.assign(body.incident!, { description: `He ${story} every day`, crimeReference: `CR${story}`, officer: `PC ${story}` });
      if (source === 'police') {
        Object.assign(body, { source, referrer: { name: `Sergeant ${story}`, organisation: 'Merseyside Police', email: `${story.toLowerCase()}@police.example`, phone: '01514960000', collarNumber: '1234' } });
      }
      const parsed = parseReferral(body, NOW);
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
      const erased = JSON.stringify(redactSubmission(parsed.referral));
      for (const secret of [first, last, street, story, '07700900123', '07700900999', '01514960000', '1990-04-17', parsed.referral.victim.postcode, '1234']) {
        expect(erased).not.toContain(secret);
      }
      expect(erased).toContain(ERASED);
    }));
  });

  it('keeps what identifies nobody, so the record’s history still reads', () => {
    const parsed = parseReferral(fixture, NOW);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const erased = redactSubmission(parsed.referral);
    expect(erased.source).toBe(parsed.referral.source);
    expect(erased.riskAnswers).toEqual(parsed.referral.riskAnswers);
    expect(erased.incident.behaviours).toEqual(parsed.referral.incident.behaviours);
    expect(erased.victim.safeContact.methods).toEqual(parsed.referral.victim.safeContact.methods);
  });
});
