import middy from '@middy/core';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SNSEvent } from 'aws-lambda';
import { alertOperationsOnce, tellCoordinator } from '../adapters/coordinator-notices.js';
import { alertOperations } from '../adapters/operations-alerts.js';
import { appendEvent } from '../adapters/referral-store.js';
import { judgeEmailEvent, type SesEvent } from '../domain/email-events.js';
import { taskDefaults } from '../platform/middleware.js';
import { logger, metrics } from '../platform/observability.js';

/**
 * A bounce, complaint or rejection reported by SES after it accepted an email (SPEC §9, "someone is
 * always told"). Mail to a team that cannot arrive means the team may never hear of a referral: the
 * assignment shows it, and the coordinator and operations are told. Any other undeliverable mail
 * (a coordinator's or duty manager's address) goes to operations. Retried by SNS when it fails, so each
 * notice is sent once whatever the number of deliveries.
 */
const recordEmailEvent = async (event: SNSEvent): Promise<void> => {
  for (const record of event.Records) {
    let sesEvent: SesEvent;
    try {
      sesEvent = JSON.parse(record.Sns.Message) as SesEvent;
    } catch {
      logger.error('Email event that is not JSON', { messageId: record.Sns.MessageId });
      continue;
    }
    const verdict = judgeEmailEvent(sesEvent);
    if (verdict.kind === 'passing') {
      logger.info('Email event needs nothing yet', { why: verdict.why });
      continue;
    }
    metrics.addMetric('EmailUndeliverable', MetricUnit.Count, 1);
    logger.warn('Email could not be delivered', { why: verdict.why, reference: verdict.reference, teamId: verdict.teamId });
    const now = new Date();
    if (verdict.reference && verdict.toVictim) {
      // The victim's own safe address does not work: the caseworker needs to know before relying on it,
      // but it is nothing for operations to fix. Recorded in the referral's history, not alerted.
      await appendEvent({ reference: verdict.reference, at: now.toISOString(), actor: 'ses-event', type: 'VICTIM_EMAIL_UNDELIVERABLE', detail: { why: verdict.why } });
    } else if (verdict.reference && verdict.teamId) {
      await tellCoordinator({
        reference: verdict.reference, teamId: verdict.teamId, reason: 'EMAIL_UNDELIVERABLE', error: verdict.why, actor: 'ses-event', now,
      });
    } else if (verdict.reference) {
      await alertOperationsOnce(verdict.reference, `email:${sesEvent.mail?.messageId ?? 'unknown'}`, {
        subject: `Referral service alert: email about ${verdict.reference} undeliverable`,
        lines: [`An email about referral ${verdict.reference} (not a team's assignment email) could not be delivered: ${verdict.why}.`,
          'Check the coordinator and duty manager addresses in the service config.'],
      }, now);
    } else {
      await alertOperations({
        subject: 'Referral service alert: an email could not be delivered',
        lines: [`An email the service sent could not be delivered: ${verdict.why}. SES message id: ${sesEvent.mail?.messageId ?? 'unknown'}.`],
      });
    }
  }
};

export const handler = middy(recordEmailEvent).use(taskDefaults());
