import middy from '@middy/core';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { sendEmail } from '../adapters/mailer.js';
import { getReferral, noticeAlreadySent, recordNoticeSent } from '../adapters/referral-store.js';
import { updateAddress, updateNotice, victimUpdateEmail, victimUpdatesIn } from '../domain/victim-updates.js';
import { taskDefaults } from '../platform/middleware.js';
import { logger, metrics } from '../platform/observability.js';
import { EMAIL_REFUSED_ERRORS } from '../../workflows/workflow-contract.js';

const REFUSED: ReadonlySet<string> = new Set(EMAIL_REFUSED_ERRORS);

/**
 * SPEC §6: the victim who chose email as safe and asked for updates hears, once each, that the request
 * arrived and that a team picked it up. A second consumer of the table's stream, so the request path
 * and the acknowledging caseworker never wait on it. Each update is sent at most once per referral
 * (checked before, recorded after the send); a record that could not be sent is reported on its own
 * and retried by the event source mapping.
 */
const sendVictimUpdates = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  const batchItemFailures: DynamoDBBatchResponse['batchItemFailures'] = [];
  for (const { reference, update, sequenceNumber } of victimUpdatesIn(event.Records)) {
    if (batchItemFailures.length > 0) {
      batchItemFailures.push({ itemIdentifier: sequenceNumber });
      continue;
    }
    const notice = updateNotice(update);
    try {
      const referral = await getReferral(reference);
      const to = referral && updateAddress(referral.submission);
      if (!to || await noticeAlreadySent(reference, notice)) continue;
      const messageId = await sendEmail(victimUpdateEmail(update, reference, to), { reference, kind: 'victim-update' });
      await recordNoticeSent(reference, notice, messageId, new Date());
      metrics.addMetric('VictimUpdateSent', MetricUnit.Count, 1);
      logger.info('Victim update sent', { reference, update });
    } catch (error) {
      const errorName = (error as Error).name;
      if (REFUSED.has(errorName)) {
        // Refused for good (a rejected address): retrying cannot help, and a victim's address is not
        // something to show anyone. Recorded so it is not tried again, and counted for the dashboard.
        await recordNoticeSent(reference, notice, `refused:${errorName}`, new Date());
        metrics.addMetric('VictimUpdateRefused', MetricUnit.Count, 1);
        logger.warn('Victim update refused by the mail service', { reference, update, errorName });
        continue;
      }
      logger.warn('Could not send a victim update', { reference, update, errorName });
      batchItemFailures.push({ itemIdentifier: sequenceNumber });
    }
  }
  if (batchItemFailures.length > 0) metrics.addMetric('VictimUpdateFailed', MetricUnit.Count, batchItemFailures.length);
  return { batchItemFailures };
};

export const handler = middy(sendVictimUpdates).use(taskDefaults());
