import { userInfo } from 'node:os';
import { findReferralTable } from './referral-table.js';

/**
 * `npm run queue-out-of-area`: once, after upgrading a table whose out-of-area referrals were stored
 * before they were kept under the default area. Puts each in the default area's out-of-area queue, with
 * an audit event naming whoever ran it. Reads the whole table once; running it again finds nothing to do.
 */
async function main(): Promise<number> {
  if (!(await findReferralTable())) return 1;
  const { queueEarlierOutOfArea } = await import('../functions/adapters/referral-store.js');
  const { serviceConfig } = await import('../functions/adapters/service-config.js');
  const operator = userInfo().username;
  const queued = await queueEarlierOutOfArea(serviceConfig.defaultAreaId, { now: new Date(), actor: `operator:${operator}` });
  console.log(queued.length
    ? `Queued ${queued.length} out-of-area referral(s) for the ${serviceConfig.defaultAreaId} coordinator: ${queued.join(', ')}.`
    : 'No out-of-area referral was waiting outside the queue.');
  return 0;
}

main().then((code) => { process.exitCode = code; }, (error: unknown) => {
  console.error((error as Error).message);
  process.exitCode = 1;
});
