import { userInfo } from 'node:os';
import { findReferralTable } from './referral-table.js';

/**
 * `npm run erase -- <reference>`: erases one person's details from a referral on their request, with
 * an audit event naming whoever ran it. Against the running local cloud by default (DynamoDB Local on
 * DYNAMODB_PORT, its referral table found by name); with TABLE_NAME set and no local endpoint, against
 * the table in AWS with the caller's own credentials.
 */
async function main(args: string[]): Promise<number> {
  const reference = args.find((a) => !a.startsWith('-'));
  if (!reference || !/^SR-[A-Z0-9]{4}-[A-Z0-9]{4}$/.test(reference)) {
    console.error('Usage: npm run erase -- <reference>   (e.g. SR-7KQ2-9XMD)');
    return 2;
  }
  if (!(await findReferralTable())) return 1;
  const { erasePersonalData, getReferral } = await import('../functions/adapters/referral-store.js');
  const { redactSubmission } = await import('../functions/domain/erasure.js');
  const referral = await getReferral(reference);
  if (!referral) {
    console.error(`No referral ${reference}.`);
    return 1;
  }
  const operator = userInfo().username;
  const outcome = await erasePersonalData(reference, redactSubmission(referral.submission), { now: new Date(), actor: `operator:${operator}`, username: operator });
  console.log(outcome === 'erased' ? `Erased the personal details of ${reference}; recorded as done by ${operator}.` : `${reference} was already erased.`);
  return 0;
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (error: unknown) => {
  console.error((error as Error).message);
  process.exitCode = 1;
});
