import { describe, expect, it } from 'vitest';
import { LocalCloudClient } from '../../support/local-cloud-client.js';
import { aReferral, aStandardReferral } from '../../support/referrals.js';
import {
  marker, reconcile, recordFigures, recordPersonalDetails, submitUnderLoad, waitForWorkflows,
} from '../../support/resilience-ledger.js';
import type { ResilienceRig } from '../../support/resilience-rig.js';

/** 60 s in the suite; shorter while developing (RESILIENCE_LOAD_SECONDS=10). */
export const LOAD_SECONDS = Number(process.env.RESILIENCE_LOAD_SECONDS ?? 60);
const WORKERS = 50;
// A ceiling far above what the local cloud can take in the time: the clock is what stops the run.
const MAX_REQUESTS = 50_000;

export function underPlainLoad(rig: ResilienceRig): void {
  describe(`${WORKERS} clients submitting for ${LOAD_SECONDS} s`, () => {
    it('answers every valid referral 201, and each is stored, started and emailed to each team exactly once', async () => {
      const client = new LocalCloudClient(rig.cloud);
      const needle = marker('rzload');
      const since = Math.floor(Date.now() / 1000) - 1;
      let n = 0;
      // Half screen STANDARD (one team), half carry the fixture's risk answers (more than one team).
      const referral = () => (n++ % 2 === 0 ? aStandardReferral : aReferral)((body) => {
        body.incident.description = `${String(body.incident.description)} ${needle}`;
      });
      const { figures, submissions } = await submitUnderLoad({ apiUrl: rig.cloud.apiUrl, workers: WORKERS, seconds: LOAD_SECONDS, maxRequests: MAX_REQUESTS, referral });
      recordPersonalDetails(rig, submissions.map((s) => s.body));
      const references = submissions.flatMap((s) => (s.status === 201 && s.reference ? [s.reference] : []));

      const { waitedS, unsettled } = await waitForWorkflows(rig, client, { references, needle, timeoutMs: 600_000 });
      const { reconciliation } = await reconcile(rig, client, { submissions, needle, sinceEpochS: since });
      recordFigures(rig, 'load', {
        ...figures, ...reconciliation, workflowsSettledAfterLoadS: waitedS, unsettled: unsettled.length,
        errorSamples: submissions.filter((s) => s.status !== 201).slice(0, 5).map((s) => `${s.status} ${s.errorBody ?? ''}`),
      });

      expect(figures.serverErrors, `5xx: ${JSON.stringify(figures.statuses)}`).toBe(0);
      expect(figures.noAnswer).toBe(0);
      expect(figures.created).toBeGreaterThan(0);
      expect(reconciliation.problems).toEqual([]);
      expect(reconciliation.lost).toBe(0);
      expect(reconciliation.duplicates).toBe(0);
      expect(reconciliation.storedWithout201).toBe(0);
      expect(reconciliation.reconciled).toBe(reconciliation.accepted);
    }, (LOAD_SECONDS + 900) * 1000);
  });
}
