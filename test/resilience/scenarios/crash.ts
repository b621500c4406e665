import { describe, expect, it } from 'vitest';
import { LocalCloudClient } from '../../support/local-cloud-client.js';
import { aReferral, aStandardReferral } from '../../support/referrals.js';
import {
  marker, reconcile, recordFigures, recordPersonalDetails, storedReferrals, submitUnderLoad, teamsNotified, waitForWorkflows,
} from '../../support/resilience-ledger.js';
import { injectFault, type ResilienceRig } from '../../support/resilience-rig.js';

const REFERRALS = 20;

export function crashMidWorkflow(rig: ResilienceRig): void {
  describe(`the local cloud SIGKILLed while ${REFERRALS} referrals are mid-workflow`, () => {
    it('resumes each on the same data and completes it exactly once: one execution, one email per team', async () => {
      const client = new LocalCloudClient(rig.cloud);
      const needle = marker('rzcrash');
      const since = Math.floor(Date.now() / 1000) - 1;
      let n = 0;
      const { figures, submissions } = await submitUnderLoad({
        apiUrl: rig.cloud.apiUrl, workers: REFERRALS, seconds: 30, maxRequests: REFERRALS,
        referral: () => (n++ % 2 === 0 ? aStandardReferral : aReferral)((body) => {
          body.incident.description = `${String(body.incident.description)} ${needle}`;
        }),
      });
      // Killed as soon as the last referral is accepted: most workflows are screening, routing or emailing.
      await injectFault(rig, 'cloud/kill');
      let midWorkflow = 0;
      const restartedAt = Date.now();
      const references = submissions.flatMap((s) => (s.status === 201 && s.reference ? [s.reference] : []));
      try {
        // The table outlives the crash (DynamoDB Local runs beside the local cloud, as the managed table would).
        const atKill = await storedReferrals(client, needle);
        midWorkflow = references.filter((reference) => { const r = atKill.get(reference); return !r || !teamsNotified(r); }).length;
      } finally {
        await injectFault(rig, 'cloud/start');
      }
      const restartS = Math.round((Date.now() - restartedAt) / 100) / 10;
      recordPersonalDetails(rig, submissions.map((s) => s.body));
      expect(references).toHaveLength(REFERRALS);
      const { waitedS, unsettled } = await waitForWorkflows(rig, client, { references, needle, timeoutMs: 600_000 });
      const { reconciliation } = await reconcile(rig, client, { submissions, needle, sinceEpochS: since });
      recordFigures(rig, 'crash', {
        sent: figures.sent, created: figures.created, clientErrors: figures.clientErrors, serverErrors: figures.serverErrors,
        midWorkflowAtKill: midWorkflow, restartS, settledAfterRestartS: waitedS, unsettled: unsettled.length, ...reconciliation,
      });

      expect(figures.serverErrors).toBe(0);
      expect(midWorkflow, 'the kill caught referrals mid-workflow').toBeGreaterThan(0);
      expect(reconciliation.problems).toEqual([]);
      expect(reconciliation.duplicates).toBe(0);
      expect(reconciliation.lost).toBe(0);
      expect(reconciliation.reconciled).toBe(REFERRALS);
    }, 900_000);
  });
}
