import { type Band, maxBand, raiseBand, type ScreeningRules } from './config.js';
import { RISK_FACTOR_IDS, type ReferralSubmission, type Relationship, type RiskAnswer, type RiskFactorId } from './referral.js';

export type ScreeningInput = {
  riskAnswers: Record<RiskFactorId, RiskAnswer>;
  immediateDanger: boolean;
  relationship: Relationship;
  repeatWithinWindow: boolean;
  professionalRaise?: { band: 'MEDIUM' | 'HIGH'; reason: string };
};

/**
 * `factors` are stable codes, in a fixed order, for every rule that fired: `immediate-danger`,
 * `red-flag:<riskFactorId>`, `yes-count:<n>` (once the count reaches the MEDIUM threshold),
 * `very-frightened-former-partner`, `repeat-referral`, `professional-judgement`.
 */
export type ScreeningResult = { band: Band; factors: string[]; rulesVersion: string };

/**
 * SPEC §3. A screening aid, not a clinical risk assessment. "Not sure" is never counted as yes: the
 * band must rest on what the person told us, and a professional who suspects more can raise it.
 */
export function screen(input: ScreeningInput, rules: ScreeningRules): ScreeningResult {
  const factors: string[] = [];
  const isYes = (id: RiskFactorId) => input.riskAnswers[id] === 'yes';

  if (input.immediateDanger) factors.push('immediate-danger');
  const redFlags = RISK_FACTOR_IDS.filter((id) => rules.redFlags.includes(id) && isYes(id));
  factors.push(...redFlags.map((id) => `red-flag:${id}`));
  const yesCount = RISK_FACTOR_IDS.filter(isYes).length;
  if (yesCount >= rules.mediumYesCount) factors.push(`yes-count:${yesCount}`);
  const frightenedOfFormerPartner = isYes('veryFrightened') && rules.formerPartnerRelationships.includes(input.relationship);
  if (frightenedOfFormerPartner) factors.push('very-frightened-former-partner');

  let band: Band = 'STANDARD';
  if (input.immediateDanger || redFlags.length > 0 || yesCount >= rules.highYesCount) band = 'HIGH';
  else if (yesCount >= rules.mediumYesCount || frightenedOfFormerPartner) band = 'MEDIUM';

  // Recorded even when already HIGH: a repeat is something the receiving team needs to know.
  if (input.repeatWithinWindow) {
    factors.push('repeat-referral');
    band = raiseBand(band);
  }

  // Recorded only when it moved the band, so the factors never suggest a professional drove a band
  // the rules had already reached.
  if (input.professionalRaise && maxBand(band, input.professionalRaise.band) !== band) {
    factors.push('professional-judgement');
    band = input.professionalRaise.band;
  }

  return { band, factors, rulesVersion: rules.rulesVersion };
}

/** The screening input a submitted referral gives, once the store has said whether it is a repeat. */
export function screeningInputFor(referral: ReferralSubmission, repeatWithinWindow: boolean): ScreeningInput {
  const { raiseBandTo, raiseReason } = referral.referrer ?? {};
  return {
    riskAnswers: referral.riskAnswers,
    immediateDanger: referral.immediateDanger,
    relationship: referral.incident.relationship,
    repeatWithinWindow,
    ...(raiseBandTo !== undefined ? { professionalRaise: { band: raiseBandTo, reason: raiseReason ?? '' } } : {}),
  };
}
