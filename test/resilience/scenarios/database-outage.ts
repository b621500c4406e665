import { describe, expect, it } from 'vitest';
import { LocalCloudClient } from '../../support/local-cloud-client.js';
import { aReferral, aStandardReferral, type ReferralBody } from '../../support/referrals.js';
import {
  marker, reconcile, recordFigures, recordPersonalDetails, submitUnderLoad, teamsNotified, waitForWorkflows, type Submission,
} from '../../support/resilience-ledger.js';
import { injectFault, type ResilienceRig } from '../../support/resilience-rig.js';

const WORKERS = 20;
const DOWN_AFTER_S = 6;
/** A minute: every kind of step meets it, and every step's retries (five minutes and more) outlast it. */
const DOWN_FOR_S = 60;
/** Load goes on a little after the table is back, so submissions meet the recovery as well. */
const LOAD_SECONDS = DOWN_AFTER_S + DOWN_FOR_S + 10;
/** A client told to come back later does not hammer: each worker pauses after a 503. */
const PAUSE_AFTER_503_MS = 1_000;
/** How often a refused client tries again after the outage before the test calls it refused for good. */
const RETRIES_AFTER_503 = 20;

const idempotencyKey = (body: ReferralBody) => `resilience-${String(body.victim.firstName)}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// With the table down, an email can go twice: a step sends, then records the send; when that record
// fails, the retried step cannot know the email left and sends again (SES v2 takes no idempotency key).
// That is at-least-once by choice (a second email beats none) and is counted as `emailsSentAgain`; a
// duplicate referral or workflow run still fails the test. Every workflow step retries transient errors
// for more than five minutes, so a one-minute outage hands nothing to the coordinator: every accepted
// referral reaches its teams once the table is back.
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
        headers: (body) => ({ 'idempotency-key': idempotencyKey(body) }), pauseAfter503Ms: PAUSE_AFTER_503_MS,
      });
      const { stoppedAt, answeringAgainAt } = await outage;

      // A client that honours Retry-After sends the same request again, under the same key.
      const refused = submissions.filter((s) => s.status === 503);
      const retried: Submission[] = [];
      // Again after a pause while the answer is still 503, as a client honouring Retry-After would (the
      // table is back, but the workflows that waited on it are all catching up at once). Bounded.
      const retry = async (first: Submission): Promise<Submission> => {
        for (let attempt = 1; ; attempt++) {
          const response = await fetch(`${rig.cloud.apiUrl}/api/referrals`, {
            method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey(first.body) },
            body: JSON.stringify(first.body), signal: AbortSignal.timeout(60_000),
          });
          const text = await response.text();
          if (response.status === 503 && attempt < RETRIES_AFTER_503) {
            await sleep(PAUSE_AFTER_503_MS * 3);
            continue;
          }
          return {
            status: response.status, body: first.body,
            ...(response.status === 201 ? { reference: (JSON.parse(text) as { reference: string }).reference } : { errorBody: text.slice(0, 300) }),
          };
        }
      };
      for (let i = 0; i < refused.length; i += WORKERS) retried.push(...await Promise.all(refused.slice(i, i + WORKERS).map(retry)));
      const answered = [...submissions.filter((s) => s.status !== 503), ...retried];
      recordPersonalDetails(rig, submissions.map((s) => s.body));
      const references = answered.flatMap((s) => (s.status === 201 && s.reference ? [s.reference] : []));

      const { waitedS, unsettled } = await waitForWorkflows(rig, client, { references, needle, timeoutMs: 900_000 });
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
        teamsEmailedAfterRecovery: outcomes.teamsNotified === accepted.length,
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
      // Accepted input is never lost, and a blip is not a person's job: every team was emailed once the
      // table was back, and nothing went to the coordinator.
      expect(outcomes.nobodyTold).toEqual([]);
      expect(outcomes.failedCoordinatorTold).toBe(0);
      expect(outcomes.assignmentHandedToCoordinator).toBe(0);
      expect(unsettled).toEqual([]);
      expect(outcomes.teamsNotified).toBe(accepted.length);
    }, 1_800_000);
  });
}
