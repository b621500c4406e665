import { coordinatorEmail, operationsAlert, type CoordinatorReason } from '../domain/agency-email.js';
import { areaById, teamById } from '../domain/config.js';
import { requiredEnv } from './environment.js';
import { sendEmail } from './mailer.js';
import { alertOperations } from './operations-alerts.js';
import { getReferral, markEmailUndeliverable, noticeAlreadySent, recordNoticeSent } from './referral-store.js';
import { serviceConfig } from './service-config.js';

const portalUrl = requiredEnv('PORTAL_URL');

/** Reasons that mean something broke: operations hear of them as well as the coordinator. */
const FAULTS: ReadonlySet<CoordinatorReason> = new Set(['WORKFLOW_FAILED', 'ASSIGNMENT_FAILED', 'EMAIL_UNDELIVERABLE']);

/**
 * Tells the referral's coordinator, once per referral, reason and team however often it is asked (a
 * retried step, a repeated event). For faults, tells operations first, through SNS rather than our own
 * SES account: when email is what failed, the alert still gets through. An undeliverable team address
 * is recorded on the assignment before anyone is told, so the portal shows it whatever happens next.
 */
export async function tellCoordinator(input: {
  reference: string; reason: CoordinatorReason; teamId?: string; error?: string; actor: string; now: Date;
}): Promise<{ sent: boolean }> {
  const { reference, reason, teamId, error, now } = input;
  const notice = teamId ? `coordinator:${reason}:${teamId}` : `coordinator:${reason}`;
  if (reason === 'EMAIL_UNDELIVERABLE' && teamId) {
    await markEmailUndeliverable(reference, teamId, { now, actor: input.actor, why: error ?? 'EmailRefused' });
  }
  if (FAULTS.has(reason)) await alertOperationsOnce(reference, notice, operationsAlert({ reference, reason, ...(teamId ? { teamId } : {}), ...(error ? { error } : {}) }), now);
  if (await noticeAlreadySent(reference, notice)) return { sent: false };

  const referral = await getReferral(reference);
  // The referral's own area when it has one; otherwise the default area's coordinator answers.
  const area = (referral?.areaId && areaById(serviceConfig, referral.areaId)) || areaById(serviceConfig, serviceConfig.defaultAreaId);
  if (!area) throw new Error('Default area missing from config');
  const team = teamId ? teamById(area, teamId) : undefined;
  const email = coordinatorEmail({
    to: area.coordinatorEmail, reference, reason, portalUrl,
    ...(team ? { teamName: team.name } : {}),
    ...(referral?.screening ? { band: referral.screening.band } : {}),
  });
  const messageId = await sendEmail(email, { reference, notice: reason });
  await recordNoticeSent(reference, notice, messageId, new Date());
  return { sent: true };
}

/** One operations alert per referral and notice, recorded beside the referral's other notices. */
export async function alertOperationsOnce(reference: string, notice: string, alert: { subject: string; lines: string[] }, now: Date): Promise<void> {
  if (await noticeAlreadySent(reference, `operations:${notice}`)) return;
  await alertOperations(alert);
  await recordNoticeSent(reference, `operations:${notice}`, 'sns', now);
}
