import { describe, expect, it } from 'vitest';
import { LocalCloudClient } from '../../support/local-cloud-client.js';
import { aReferral, aStandardReferral, type ReferralBody } from '../../support/referrals.js';
import {
  marker, reconcile, recordFigures, recordPersonalDetails, submitUnderLoad, teamsNotified, waitForWorkflows, type Submission,
} from '../../support/resilience-ledger.js';
import { injectFault, type ResilienceRig } from '../../support/resilience-rig.js';

const LOAD_SECONDS = 24;
const WORKERS = 20;
const DOWN_AFTER_S = 6;
/** Long enough for every kind of step to meet it; short enough that most workflow retries outlast it. */
const DOWN_FOR_S = 6;

const idempotencyKey = (body: ReferralBody) => `resilience-${String(body.victim.firstName)}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// With the table down, an email can go twice: a step sends, then records the send; when that record
// fails, the retried step cannot know the email left and sends again (SES v2 takes no idempotency key).
// That is at-least-once by choice (a second email beats none) and is counted as `emailsSentAgain`; a
// duplicate referral or workflow run still fails the test. The workflow's last-resort steps (recording
// the failure, telling the coordinator) retry for up to about three minutes, so every accepted referral
// reaches its teams or the coordinator even when its own step gave up during the outage.
export function databaseOutage(rig: ResilienceRig): void {
  describe(`DynamoDB Local stopped for ${DOWN_FOR_S} s in the middle of a load run`, () => {
    it('answers 503 with Retry-After while it is down, half-writes nothing, and every accepted referral gets to someone', async () => {
      const client = new LocalCloudClient(rig.cloud);
      const needle = marker('rzdbdown');
      const since = Math.floor(Date.now() / 1000) - 1;
      let n = 0;
      const referral = () => (n++ % 2 === 0 ? aStandardReferral : aReferral)((body) => {
        body.incident.description = `${String(body.incident.description)} ${needle}`;
      });

      const outage = (async () => {
        await sleep(DOWN_AFTER_S * 1000);
        const stoppedAt = Date.now();
        await injectFault(rig, 'dynamodb/stop');
        await sleep(DOWN_FOR_S * 1000);
        await injectFault(rig, 'dynamodb/start');
        return { stoppedAt, answeringAgainAt: Date.now() };
      })();
      const { figures, submissions } = await submitUnderLoad({
        apiUrl: rig.cloud.apiUrl, workers: WORKERS, seconds: LOAD_SECONDS, maxRequests: 20_000, referral,
        headers: (body) => ({ 'idempotency-key': idempotencyKey(body) }),
      });
      const { stoppedAt, answeringAgainAt } = await outage;

      // A client that honours Retry-After sends the same request again, under the same key.
      const refused = submissions.filter((s) => s.status === 503);
      const retried: Submission[] = [];
      for (const first of refused) {
        const response = await fetch(`${rig.cloud.apiUrl}/api/referrals`, {
          method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey(first.body) },
          body: JSON.stringify(first.body), signal: AbortSignal.timeout(30_000),
        });
        const text = await response.text();
        retried.push({
          status: response.status, body: first.body,
          ...(response.status === 201 ? { reference: (JSON.parse(text) as { reference: string }).reference } : { errorBody: text.slice(0, 300) }),
        });
      }
      const answered = [...submissions.filter((s) => s.status !== 503), ...retried];
      recordPersonalDetails(rig, submissions.map((s) => s.body));
      const references = answered.flatMap((s) => (s.status === 201 && s.reference ? [s.reference] : []));

      const { waitedS, unsettled } = await waitForWorkflows(rig, client, { references, needle, timeoutMs: 150_000 });
      const { reconciliation, stored } = await reconcile(rig, client, { submissions: answered, needle, sinceEpochS: since, idempotent: true, emailsAtLeastOnce: true });
      const halfWritten = [...stored.values()].filter((r) => !r.status || r.receivedEvents !== 1 || r.idempotencyRecords !== 1);
      const accepted = references.map((reference) => stored.get(reference)).filter((r) => r !== undefined);
      const outcomes = {
        teamsNotified: accepted.filter(teamsNotified).length,
        failedCoordinatorTold: accepted.filter((r) => !teamsNotified(r) && r.status === 'FAILED' && r.notices.length > 0).length,
        assignmentHandedToCoordinator: accepted.filter((r) => teamsNotified(r) === false && r.status !== 'FAILED' && r.notices.some((x) => x.includes('ASSIGNMENT_FAILED'))).length,
        nobodyTold: accepted.filter((r) => !teamsNotified(r) && r.notices.length === 0).map((r) => `${r.reference} ${r.status ?? ''} ${JSON.stringify(r.assignments)}`),
      };
      const unavailable = submissions.filter((s) => s.status >= 500);
      recordFigures(rig, 'database-outage', {
        ...figures, outageS: Math.round((answeringAgainAt - stoppedAt) / 100) / 10,
        answered503: refused.length, answered503WithRetryAfter: refused.filter((s) => s.retryAfter).length,
        otherServerErrors: unavailable.filter((s) => s.status !== 503).map((s) => `${s.status} ${s.errorBody ?? ''}`).slice(0, 10),
        retriedAfterOutage: retried.length, retriedStatuses: retried.reduce<Record<number, number>>((m, s) => ({ ...m, [s.status]: (m[s.status] ?? 0) + 1 }), {}),
        ...reconciliation, halfWritten: halfWritten.length, outcomes, workflowsSettledS: waitedS, unsettled: unsettled.length,
      });

      expect(refused.length, 'some submissions met the outage').toBeGreaterThan(0);
      expect(unavailable.filter((s) => s.status !== 503).map((s) => `${s.status} ${s.errorBody ?? ''}`)).toEqual([]);
      expect(refused.filter((s) => !s.retryAfter)).toHaveLength(0);
      expect(figures.noAnswer).toBe(0);
      expect(retried.filter((s) => s.status !== 201).map((s) => `${s.status} ${s.errorBody ?? ''}`)).toEqual([]);
      expect(halfWritten.map((r) => r.reference)).toEqual([]);
      expect(reconciliation.lost).toBe(0);
      expect(reconciliation.duplicates).toBe(0);
      expect(reconciliation.storedWithout201).toBe(0);
      // Accepted input is never lost: the teams were told, or the coordinator was.
      expect(outcomes.nobodyTold).toEqual([]);
    }, 420_000);
  });
}
