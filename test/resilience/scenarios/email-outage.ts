import { describe, expect, it } from 'vitest';
import { LocalCloudClient } from '../../support/local-cloud-client.js';
import { aStandardReferral } from '../../support/referrals.js';
import {
  emailsByReference, marker, recordFigures, recordPersonalDetails, repeatedEmails, storedReferrals, submitUnderLoad, teamEmail,
  waitForWorkflows, type StoredReferral,
} from '../../support/resilience-ledger.js';
import { injectFault, type ResilienceRig } from '../../support/resilience-rig.js';

const REFERRALS = 100;
const WORKERS = 5;
/**
 * A minute without mail, with referrals arriving throughout its first half. Every step retries transient
 * errors for more than five minutes, so each team is emailed once mail is back and nobody is handed
 * anything; sends are never repeated, because a send that failed left nothing behind.
 */
const DOWN_FOR_S = 60;
const SUBMIT_FOR_S = 30;
const COORDINATOR = 'coordinator@merseyside.referrals.example';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function emailOutage(rig: ResilienceRig): void {
  describe(`the SES emulator stopped for ${DOWN_FOR_S} s while referrals are submitted`, () => {
    it('waits the outage out: every team is emailed once mail is back, nothing goes to the coordinator, nothing is sent twice', async () => {
      const client = new LocalCloudClient(rig.cloud);
      const needle = marker('rzmaildown');
      const since = Math.floor(Date.now() / 1000) - 1;
      await injectFault(rig, 'ses/stop');
      const stoppedAt = Date.now();
      let figures;
      let submissions;
      try {
        // Referrals arriving through the first half of the outage, not in one burst.
        ({ figures, submissions } = await submitUnderLoad({
          apiUrl: rig.cloud.apiUrl, workers: WORKERS, seconds: SUBMIT_FOR_S, maxRequests: REFERRALS, paceMs: (SUBMIT_FOR_S * 1000 * WORKERS) / REFERRALS,
          referral: () => aStandardReferral((body) => { body.incident.description = `${String(body.incident.description)} ${needle}`; }),
        }));
        await sleep(Math.max(0, stoppedAt + DOWN_FOR_S * 1000 - Date.now()));
      } finally {
        await injectFault(rig, 'ses/start');
      }
      const sesDownForS = Math.round((Date.now() - stoppedAt) / 100) / 10;
      recordPersonalDetails(rig, submissions.map((s) => s.body));
      const references = submissions.flatMap((s) => (s.status === 201 && s.reference ? [s.reference] : []));
      expect(references.length).toBe(figures.sent);
      expect(references.length, 'referrals arrived during the outage').toBeGreaterThan(0);

      // Someone has been told about each: its team, or the coordinator (and the workflow has stopped retrying).
      const toldSomeone = (r: StoredReferral) => r.assignments.length > 0 && r.assignments.every((a) => a.status !== 'ASSIGNED'
        || r.notices.some((notice) => notice.includes(a.teamId) || notice.includes('WORKFLOW_FAILED')));
      const { waitedS, unsettled } = await waitForWorkflows(rig, client, { references, needle, timeoutMs: 900_000, settled: toldSomeone });
      await sleep(3_000);
      const stored = await storedReferrals(client, needle);
      const emails = await emailsByReference(rig, since);
      const repeated = references.flatMap((reference) => repeatedEmails(emails.get(reference) ?? []).map((r) => `${reference}: ${r}`));
      const paths = { teamEmailed: 0, coordinatorToldAssignmentFailed: 0, coordinatorToldWorkflowFailed: 0, nobodyTold: [] as string[] };
      const mismatches: string[] = [];
      for (const reference of references) {
        const referral = stored.get(reference)!;
        const mail = emails.get(reference) ?? [];
        const toTeams = mail.filter((e) => referral.assignments.some((a) => e.destination.to.includes(teamEmail(a.teamId))));
        const toCoordinator = mail.filter((e) => e.destination.to.includes(COORDINATOR));
        if (referral.assignments.every((a) => a.status !== 'ASSIGNED')) paths.teamEmailed++;
        else if (referral.notices.some((x) => x.includes('ASSIGNMENT_FAILED'))) paths.coordinatorToldAssignmentFailed++;
        else if (referral.notices.some((x) => x.includes('WORKFLOW_FAILED'))) paths.coordinatorToldWorkflowFailed++;
        else paths.nobodyTold.push(`${reference} ${referral.status ?? ''} ${JSON.stringify(referral.assignments)}`);
        // What the table says was sent is what the mail store holds: one email per notice, one per notified team.
        const notified = referral.assignments.filter((a) => a.status !== 'ASSIGNED').length;
        if (toTeams.length !== notified || toCoordinator.length !== referral.notices.length) {
          mismatches.push(`${reference}: ${toTeams.length} team emails for ${notified} notified, ${toCoordinator.length} coordinator emails for ${referral.notices.length} notices`);
        }
      }
      recordFigures(rig, 'email-outage', {
        sent: figures.sent, created: figures.created, clientErrors: figures.clientErrors, serverErrors: figures.serverErrors,
        sesDownForS, ...paths, teamsEmailedAfterRecovery: paths.teamEmailed === references.length, duplicates: repeated.length, repeated, mismatches, settledAfterS: waitedS, unsettled: unsettled.length, unsettledReferences: unsettled.slice(0, 10),
      });

      expect(figures.serverErrors).toBe(0);
      expect(unsettled).toEqual([]);
      expect(paths.nobodyTold).toEqual([]);
      expect(repeated).toEqual([]);
      expect(mismatches).toEqual([]);
      expect(paths.coordinatorToldAssignmentFailed).toBe(0);
      expect(paths.coordinatorToldWorkflowFailed).toBe(0);
      expect(paths.teamEmailed).toBe(references.length);
    }, 1_800_000);
  });
}
