import type { AgencyEmail } from '../domain/agency-email.js';
import { sendEmail } from './mailer.js';
import { claimTeamEmail, recordTeamEmailSent, releaseTeamEmail } from './referral-store.js';

/** Another attempt at the same step holds the email: the workflow retries after its backoff. */
export class TeamEmailInProgress extends Error {
  override readonly name = 'TeamEmailInProgress';
}

/** The attempt's claim ends this long before its function would be stopped, so the record can still be written. */
const MARGIN_MS = 2_000;
/** Less time than this left: better to let the next attempt send than to be cut off mid-send. */
const LEAST_TIME_TO_SEND_MS = 1_000;

/**
 * Sends a team its assignment's email once, however the step is retried. An attempt that runs out of
 * time is given up by the workflow, but its calls can still be in flight (in the local cloud, they run
 * on): so each attempt claims the email until just before its own deadline, sends only while the claim
 * holds (the send is aborted when it lapses), and records the message id the moment SES gives it. A retry
 * that finds a live claim waits for it; one that finds it lapsed with nothing recorded sends again, the one
 * case where the team can get the email twice: an attempt cut off between SES taking the email and the
 * record (SES v2 takes no idempotency key). Returns the message id, or undefined when the assignment
 * moved on without its email (acknowledged from the portal first, say).
 *
 * `recordSent` lets the caller's own next write carry the message id (the move to NOTIFIED does), so the
 * record costs no write of its own; when it answers false (the assignment moved on meanwhile) the id is
 * recorded alone, as it is without one.
 */
export async function emailTeamOnce(input: {
  reference: string; teamId: string; email: AgencyEmail; deadline: Date;
  recordSent?: (messageId: string) => Promise<boolean>;
}): Promise<string | undefined> {
  const { reference, teamId, email } = input;
  const until = new Date(input.deadline.getTime() - MARGIN_MS);
  const claim = await claimTeamEmail(reference, teamId, { until, now: new Date() });
  if (claim.kind === 'sent') return claim.messageId;
  if (claim.kind === 'moved-on') return undefined;
  if (claim.kind === 'held') throw new TeamEmailInProgress(`An earlier attempt holds the team email until ${claim.until}`);

  const timeToSend = until.getTime() - Date.now();
  if (timeToSend < LEAST_TIME_TO_SEND_MS) {
    await releaseTeamEmail(reference, teamId, until);
    throw new TeamEmailInProgress('Too little time left to send the team email');
  }
  let messageId: string;
  try {
    messageId = await sendEmail(email, { reference, team: teamId }, { abortSignal: AbortSignal.timeout(timeToSend) });
  } catch (error) {
    // An answer from SES (a refusal, throttling) or a refused connection: nothing left, so the next
    // attempt need not wait. A time-out or a dropped connection may have left it: the claim stands.
    if (certainlyNotSent(error)) await releaseTeamEmail(reference, teamId, until).catch(() => undefined);
    throw error;
  }
  if (!(await input.recordSent?.(messageId))) await recordTeamEmailSent(reference, teamId, messageId);
  return messageId;
}

function certainlyNotSent(error: unknown): boolean {
  const { $metadata, code, errors } = error as { $metadata?: { httpStatusCode?: number }; code?: string; errors?: unknown[] };
  // Connecting to a name with several addresses fails with one error per address.
  if (Array.isArray(errors) && errors.length > 0) return errors.every(certainlyNotSent);
  return $metadata?.httpStatusCode !== undefined || code === 'ECONNREFUSED';
}
