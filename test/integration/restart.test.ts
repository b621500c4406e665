import type { Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import sesEmulator from 'aws-ses-v2-local';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, LocalCloudClient } from '../support/local-cloud-client.js';
import { defaultServiceConfig, withShortDeadlines } from '../../functions/domain/config.js';
import { graceEndFor } from '../../functions/domain/deadlines.js';
import { freePort, freePorts, launchLocalCloud, portsFree, PROJECT_ROOT } from '../support/local-cloud-process.js';
import { aStandardReferral } from '../support/referrals.js';
import { shortDeadlineConfigFile } from '../support/short-deadlines.js';

// Short enough for a test. Whether the restart finishes before the deadline or after it depends on how
// busy the machine is; the test holds either way, because it checks what was stored, not the clock.
const DEADLINE_SECONDS = 40;
const GRACE_SECONDS = 5;
const VICTIM_CARE = 'victim-care@merseyside.referrals.example';
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('a local cloud killed while assignments wait', () => {
  it('fires the ladder at the original times after a restart, and sends no email twice', async () => {
    // The mail store outlives the local cloud, so the test can see every email sent on either side of the crash.
    type StartSes = (c: { host: string; port: number }) => Promise<Server>;
    // A CommonJS module: Node's ESM loader hands over its exports object, vitest's the default export itself.
    const start = typeof sesEmulator === 'function' ? sesEmulator as unknown as StartSes : (sesEmulator as unknown as { default: StartSes }).default;
    const sesPort = await freePort();
    const ses = await start({ host: '127.0.0.1', port: sesPort });
    cleanups.push(() => new Promise<void>((resolve) => { ses.close(() => resolve()); ses.closeAllConnections(); }));
    const dataDir = mkdtempSync(path.join(tmpdir(), 'referral-restart-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const ports = await freePorts();
    const options = {
      ports, dataDir,
      env: { SERVICE_CONFIG_PATH: shortDeadlineConfigFile(DEADLINE_SECONDS, GRACE_SECONDS), LOCAL_SES_URL: `http://127.0.0.1:${sesPort}` },
    };

    const first = await launchLocalCloud({ ...options, logFile: path.join(PROJECT_ROOT, 'test-results', `restart-before-${Date.now()}.log`) });
    cleanups.push(first.stop);
    const client = new LocalCloudClient({ ...first.handle, sesUrl: `http://127.0.0.1:${sesPort}` });
    const { reference } = (await (await client.submit(aStandardReferral())).json()) as { reference: string };
    await eventually(async () => (await client.referral(reference))?.status === 'AWAITING_ACK', 'the team to be notified');
    const waiting = (await client.itemsOf(reference, 'ASSIGNMENT#victim-care'))[0]!;
    const deadlineAt = Date.parse(String(waiting.deadlineAt));

    first.child.kill('SIGKILL');
    await eventually(async () => first.child.exitCode !== null || first.child.signalCode !== null, 'the local cloud to die');
    // DynamoDB Local and the Cognito emulator die with it; wait until their ports are free again.
    await eventually(() => portsFree(ports), 'the dead local cloud to free its ports');

    const restartedAt = Date.now();
    const secondLog = path.join(PROJECT_ROOT, 'test-results', `restart-after-${restartedAt}.log`);
    const second = await launchLocalCloud({ ...options, logFile: secondLog });
    cleanups.push(second.stop);

    // The resumed wait counts down to the stored deadline, not a fresh window from the restart: however
    // long the restart took, it asked for no more than what was left of the original window.
    const resumedWait = await eventually(async () => {
      const waited = /waiting in "Wait for acknowledgement" for up to (\d+) s/.exec(readFileSync(secondLog, 'utf8'));
      return waited ? Number(waited[1]) : undefined;
    }, 'the resumed wait for acknowledgement', 120_000);
    expect(resumedWait).toBeLessThanOrEqual(Math.max(1, Math.ceil((deadlineAt - restartedAt) / 1000)));

    await eventually(async () => (await client.emailsAbout(reference)).some((e) => e.subject.startsWith('Reminder')), 'the reminder after the restart', 180_000);
    const reminded = (await client.itemsOf(reference, 'ASSIGNMENT#victim-care'))[0]!;
    // Never early, and the grace period runs from the original deadline, not from the restart.
    expect(Date.parse(String(reminded.remindedAt))).toBeGreaterThanOrEqual(deadlineAt);
    const escalation = withShortDeadlines(defaultServiceConfig, DEADLINE_SECONDS, GRACE_SECONDS).areas[0]!.escalation;
    expect(reminded.graceEndsAt).toBe(graceEndFor(new Date(String(waiting.assignedAt)), new Date(deadlineAt), escalation).toISOString());

    await eventually(async () => (await client.referral(reference))?.status === 'BREACHED', 'the breach', 180_000);
    const breached = (await client.itemsOf(reference, 'ASSIGNMENT#victim-care'))[0]!;
    expect(Date.parse(String(breached.breachedAt))).toBeGreaterThanOrEqual(Date.parse(String(reminded.graceEndsAt)));
    const emails = await client.emailsAbout(reference);
    const kinds = emails.map((e) => `${e.destination.to[0]}: ${e.subject.split(' ')[0]}`).sort();
    // Exactly one of each: the assignment, the reminder, the duty manager, the coordinator's breach notice.
    expect(emails).toHaveLength(4);
    expect(new Set(kinds).size).toBe(4);
    expect(emails.filter((e) => e.destination.to[0] === VICTIM_CARE && e.subject.startsWith('New referral'))).toHaveLength(1);
  }, 600_000);
});
