import { describe, expect, it } from 'vitest';
import { LocalCloudClient } from '../../support/local-cloud-client.js';
import { aReferral, aStandardReferral } from '../../support/referrals.js';
import {
  marker, reconcile, recordFigures, recordPersonalDetails, storedReferrals, submitUnderLoad, waitForWorkflows,
} from '../../support/resilience-ledger.js';
import { injectFault, type ResilienceRig } from '../../support/resilience-rig.js';

const REFERRALS = 30;
const SUBMIT_FOR_S = 15;
/** Closed this long after the last referral is accepted, so the stream consumer meets the outage too. */
const STAYS_DOWN_S = 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// The request starts a referral's workflow itself when it can; when Step Functions cannot be reached the
// referral is still stored and answered 201, and the table's stream (the outbox) starts it later.
export function workflowStartOutage(rig: ResilienceRig): void {
  describe('the Step Functions API unreachable while referrals are accepted', () => {
    it('accepts and stores every referral, and the table stream starts each workflow exactly once when it is back', async () => {
      const client = new LocalCloudClient(rig.cloud);
      const needle = marker('rzsfndown');
      const since = Math.floor(Date.now() / 1000) - 1;
      let n = 0;
      const referral = () => (n++ % 2 === 0 ? aStandardReferral : aReferral)((body) => {
        body.incident.description = `${String(body.incident.description)} ${needle}`;
      });
      await injectFault(rig, 'stepfunctions/stop');
      const stoppedAt = Date.now();
      let figures;
      let submissions;
      let unstartedWhileDown = 0;
      try {
        ({ figures, submissions } = await submitUnderLoad({
          apiUrl: rig.cloud.apiUrl, workers: 2, seconds: SUBMIT_FOR_S * 2, maxRequests: REFERRALS, paceMs: (SUBMIT_FOR_S * 1000 * 2) / REFERRALS, referral,
        }));
        await sleep(STAYS_DOWN_S * 1000);
        const stored = await storedReferrals(client, needle);
        unstartedWhileDown = [...stored.values()].filter((r) => r.status === 'RECEIVED').length;
      } finally {
        await injectFault(rig, 'stepfunctions/start');
      }
      const downForS = Math.round((Date.now() - stoppedAt) / 100) / 10;
      recordPersonalDetails(rig, submissions.map((s) => s.body));
      const references = submissions.flatMap((s) => (s.status === 201 && s.reference ? [s.reference] : []));

      const { waitedS, unsettled } = await waitForWorkflows(rig, client, { references, needle, timeoutMs: 900_000 });
      const { reconciliation } = await reconcile(rig, client, { submissions, needle, sinceEpochS: since });
      recordFigures(rig, 'workflow-start-outage', {
        sent: figures.sent, created: figures.created, clientErrors: figures.clientErrors, serverErrors: figures.serverErrors,
        stepFunctionsDownForS: downForS, unstartedWhileDown, startedAfterRecoveryS: waitedS, unsettled: unsettled.length, ...reconciliation,
      });

      expect(figures.serverErrors).toBe(0);
      expect(references).toHaveLength(REFERRALS);
      // The outage was real: nothing could start them while it lasted.
      expect(unstartedWhileDown).toBe(REFERRALS);
      expect(unsettled).toEqual([]);
      expect(reconciliation.problems).toEqual([]);
      expect(reconciliation.lost).toBe(0);
      expect(reconciliation.duplicates).toBe(0);
      expect(reconciliation.reconciled).toBe(REFERRALS);
    }, 1_800_000);
  });
}
