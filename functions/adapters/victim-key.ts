import { GenerateMacCommand } from '@aws-sdk/client-kms';
import type { ReferralSubmission } from '../domain/referral.js';
import { kms } from './aws-clients.js';
import { requiredEnv } from './environment.js';

/** Markers made under the KMS key carry this version; the first, unkeyed digests carried none. */
export const VICTIM_KEY_VERSION = 'v2';

/** Whether a stored marker is a keyed one, or an unkeyed digest still to be re-keyed. */
export const isKeyedVictimKey = (victimKey: string): boolean => victimKey.startsWith(`${VICTIM_KEY_VERSION}:`);

/**
 * A person's name and postcode as one string, the same however they were typed: case, spacing, accents'
 * composed forms and punctuation aside.
 */
export function victimKeyBasis(submission: Pick<ReferralSubmission, 'victim'>): string {
  const normal = (s: string) => s.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
  return [submission.victim.firstName, submission.victim.lastName, submission.victim.postcode].map(normal).join('|');
}

/**
 * The marker that finds a person's earlier referrals (SPEC §3 repeat, §10 keys): an HMAC-SHA-256 of their
 * normalised name and postcode under a KMS key (VICTIM_KEY_ID) whose secret never leaves KMS. Anyone who
 * has the table but not the key cannot test a guessed name and postcode against it.
 */
export async function victimKeyFor(submission: Pick<ReferralSubmission, 'victim'>): Promise<string> {
  const { Mac } = await kms.send(new GenerateMacCommand({
    KeyId: requiredEnv('VICTIM_KEY_ID'),
    MacAlgorithm: 'HMAC_SHA_256',
    Message: Buffer.from(`victim-key:${VICTIM_KEY_VERSION}|${victimKeyBasis(submission)}`, 'utf8'),
  }));
  if (!Mac) throw new Error('KMS returned no MAC');
  return `${VICTIM_KEY_VERSION}:${Buffer.from(Mac).toString('hex')}`;
}
