import middy from '@middy/core';
import { hasEarlierReferral, recordScreening, requireReferral } from '../adapters/referral-store.js';
import { serviceConfig } from '../adapters/service-config.js';
import { parseTaskInput, referenceInput } from '../adapters/task-input.js';
import { areaById } from '../domain/config.js';
import { findArea } from '../domain/routing.js';
import { screen } from '../domain/screening.js';
import { taskDefaults } from '../platform/middleware.js';
import { logger } from '../platform/observability.js';

const screenReferral = async (input: unknown) => {
  const { reference } = parseTaskInput(referenceInput, input);
  const referral = await requireReferral(reference);
  if (referral.screening) return { band: referral.screening.band };

  const { submission } = referral;
  // An out-of-area referral is still screened, by the default area's rules, so the coordinator sees a band.
  const area = findArea(submission.victim.postcode, serviceConfig) ?? areaById(serviceConfig, serviceConfig.defaultAreaId);
  if (!area) throw new Error('Default area missing from config');
  const rules = area.screening;
  const result = screen({
    riskAnswers: submission.riskAnswers,
    immediateDanger: submission.immediateDanger,
    relationship: submission.incident.relationship,
    repeatWithinWindow: await hasEarlierReferral(referral, rules.repeatWindowDays),
    ...(submission.referrer?.raiseBandTo
      ? { professionalRaise: { band: submission.referrer.raiseBandTo, reason: submission.referrer.raiseReason ?? '' } }
      : {}),
  }, rules);
  await recordScreening(reference, result, new Date());
  logger.info('Referral screened', { reference, band: result.band, rulesVersion: result.rulesVersion });
  return { band: result.band };
};

export const handler = middy(screenReferral).use(taskDefaults());
