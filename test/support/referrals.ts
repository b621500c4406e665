import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { PROJECT_ROOT } from './local-cloud-process.js';

export type ReferralBody = Record<string, unknown> & {
  victim: Record<string, unknown>;
  incident: Record<string, unknown>;
  riskAnswers: Record<string, string>;
  housing: Record<string, unknown>;
  consent: Record<string, unknown>;
};

const fixture = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'test/fixtures/referral.json'), 'utf8')) as ReferralBody;

const letters = (n: number) => [...randomBytes(n)].map((b) => String.fromCharCode(97 + (b % 26))).join('');

/**
 * The fixture with a person of its own: a distinct name, email, phone and description, so that a test's
 * referral is never taken for a repeat of another's and its details can be searched for anywhere.
 */
export function aReferral(change: (body: ReferralBody) => void = () => undefined): ReferralBody {
  const body = structuredClone(fixture);
  const tag = letters(8);
  body.victim.firstName = `Tamsin${tag}`;
  body.victim.lastName = `Quarrendon${letters(6)}`;
  body.victim.email = `t.${tag}@example.org`;
  body.victim.phone = `07700 9${String(Math.floor(Math.random() * 1e5)).padStart(5, '0')}`;
  body.incident.description = `He waits by the ${tag} allotments every evening and follows me home.`;
  change(body);
  return body;
}

/** A referral that screens STANDARD with no housing need: every answer no, a stranger, safe at home. */
export function aStandardReferral(change: (body: ReferralBody) => void = () => undefined): ReferralBody {
  return aReferral((body) => {
    for (const id of Object.keys(body.riskAnswers)) body.riskAnswers[id] = 'no';
    body.immediateDanger = false;
    body.incident.relationship = 'stranger';
    body.housing = { tenure: 'owner-occupier', needsSupport: false, unsafeAtHome: false, personKnowsAddress: false, propertyDamagedAtHome: false };
    change(body);
  });
}

/** The details that must never leave the service in an email, a log line or a URL. */
export function personalDetails(body: ReferralBody): string[] {
  const victim = body.victim as { firstName: string; lastName: string; email?: string; phone?: string; postcode: string; address?: string };
  return [
    victim.firstName, victim.lastName, victim.email, victim.phone, victim.phone?.replace(/\s/g, ''),
    victim.postcode, victim.address, String(body.incident.description),
  ].filter((v): v is string => typeof v === 'string' && v.length > 0);
}
