import { userInfo } from 'node:os';
import { findReferralTable } from './referral-table.js';

/**
 * `npm run rekey-victims`: once, right after deploying the keyed victim key (SPEC §10). Puts every earlier
 * referral's repeat-referral marker under the KMS-keyed HMAC and deletes its unkeyed digest, with an audit
 * event naming whoever ran it. Until it has run, a person referred before the upgrade is not recognised as
 * a repeat. Reads the whole table once; running it again finds nothing to do.
 */
async function main(): Promise<number> {
  if (!(await findReferralTable())) return 1;
  const { rekeyEarlierVictimKeys } = await import('../functions/adapters/referral-store.js');
  const rekeyed = await rekeyEarlierVictimKeys({ now: new Date(), actor: `operator:${userInfo().username}` });
  console.log(rekeyed.length
    ? `Re-keyed the repeat-referral marker of ${rekeyed.length} referral(s): ${rekeyed.join(', ')}.`
    : 'Every referral’s repeat-referral marker was already keyed.');
  return 0;
}

main().then((code) => { process.exitCode = code; }, (error: unknown) => {
  console.error((error as Error).message);
  process.exitCode = 1;
});
