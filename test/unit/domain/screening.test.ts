import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BANDS, type Band, defaultServiceConfig, raiseBand, type ScreeningRules } from '../../../functions/domain/config.js';
import {
  RELATIONSHIPS, RISK_ANSWERS, RISK_FACTOR_IDS, type RiskAnswer, type RiskFactorId,
} from '../../../functions/domain/referral.js';
import { screen, type ScreeningInput } from '../../../functions/domain/screening.js';

const rules: ScreeningRules = defaultServiceConfig.areas[0]!.screening;
const rank = (band: Band) => BANDS.indexOf(band);

function answers(yes: RiskFactorId[] = [], unsure: RiskFactorId[] = []): Record<RiskFactorId, RiskAnswer> {
  return Object.fromEntries(RISK_FACTOR_IDS.map((id) => [
    id, yes.includes(id) ? 'yes' : unsure.includes(id) ? 'unsure' : 'no',
  ])) as Record<RiskFactorId, RiskAnswer>;
}

function input(overrides: Partial<ScreeningInput> = {}): ScreeningInput {
  return { riskAnswers: answers(), immediateDanger: false, relationship: 'stranger', repeatWithinWindow: false, ...overrides };
}

const notRedFlags = RISK_FACTOR_IDS.filter((id) => !rules.redFlags.includes(id));

const riskAnswersArb = fc.record(
  Object.fromEntries(RISK_FACTOR_IDS.map((id) => [id, fc.constantFrom(...RISK_ANSWERS)])) as Record<RiskFactorId, fc.Arbitrary<RiskAnswer>>,
);
const screeningInputArb: fc.Arbitrary<ScreeningInput> = fc.record({
  riskAnswers: riskAnswersArb,
  immediateDanger: fc.boolean(),
  relationship: fc.constantFrom(...RELATIONSHIPS),
  repeatWithinWindow: fc.boolean(),
  professionalRaise: fc.option(
    fc.record({ band: fc.constantFrom('MEDIUM' as const, 'HIGH' as const), reason: fc.constant('Officer saw the threats') }),
    { nil: undefined },
  ),
}, { requiredKeys: ['riskAnswers', 'immediateDanger', 'relationship', 'repeatWithinWindow'] });
const rulesArb: fc.Arbitrary<ScreeningRules> = fc
  .record({
    rulesVersion: fc.string({ minLength: 1, maxLength: 20 }),
    redFlags: fc.subarray([...RISK_FACTOR_IDS]),
    highYesCount: fc.integer({ min: 1, max: RISK_FACTOR_IDS.length }),
    mediumYesCount: fc.integer({ min: 1, max: RISK_FACTOR_IDS.length }),
    formerPartnerRelationships: fc.subarray([...RELATIONSHIPS]),
    repeatWindowDays: fc.integer({ min: 0, max: 3650 }),
  })
  .map((r) => ({ ...r, mediumYesCount: Math.min(r.mediumYesCount, r.highYesCount) }));
const anyRules = fc.oneof(fc.constant(rules), rulesArb);

describe('risk screening with the Merseyside rules', () => {
  it('is STANDARD when nothing is answered yes', () => {
    expect(screen(input(), rules)).toEqual({ band: 'STANDARD', factors: [], rulesVersion: 'merseyside-screening-1' });
  });

  it.each(['threatsToKill', 'violenceUsed', 'weaponsAccess', 'selfHarmThreats'] as const)('is HIGH when the red flag %s is yes', (flag) => {
    const result = screen(input({ riskAnswers: answers([flag]) }), rules);
    expect(result.band).toBe('HIGH');
    expect(result.factors).toContain(`red-flag:${flag}`);
  });

  it('is HIGH with seven yes answers, none of them red flags', () => {
    const result = screen(input({ riskAnswers: answers(notRedFlags.slice(0, 7)) }), rules);
    expect(result).toMatchObject({ band: 'HIGH', factors: ['yes-count:7'] });
  });

  it.each([4, 5, 6])('is MEDIUM with %i yes answers, none of them red flags', (count) => {
    const result = screen(input({ riskAnswers: answers(notRedFlags.slice(1, 1 + count)) }), rules);
    expect(result).toMatchObject({ band: 'MEDIUM', factors: [`yes-count:${count}`] });
  });

  it('is STANDARD with three yes answers', () => {
    expect(screen(input({ riskAnswers: answers(notRedFlags.slice(1, 4)) }), rules).band).toBe('STANDARD');
  });

  it('is HIGH when the victim is in immediate danger, whatever the answers', () => {
    expect(screen(input({ immediateDanger: true }), rules)).toMatchObject({ band: 'HIGH', factors: ['immediate-danger'] });
  });

  it('is MEDIUM when the victim is very frightened of a former partner', () => {
    const result = screen(input({ riskAnswers: answers(['veryFrightened']), relationship: 'ex-partner' }), rules);
    expect(result).toMatchObject({ band: 'MEDIUM', factors: ['very-frightened-former-partner'] });
  });

  it('stays STANDARD when the victim is very frightened of a stranger and nothing else is yes', () => {
    expect(screen(input({ riskAnswers: answers(['veryFrightened']), relationship: 'stranger' }), rules).band).toBe('STANDARD');
  });

  it('never counts "not sure" as yes', () => {
    const allUnsure = answers([], [...RISK_FACTOR_IDS]);
    expect(screen(input({ riskAnswers: allUnsure, relationship: 'ex-partner' }), rules).band).toBe('STANDARD');
  });

  it('raises the band one step for a repeat referral within the window', () => {
    expect(screen(input({ repeatWithinWindow: true }), rules)).toMatchObject({ band: 'MEDIUM', factors: ['repeat-referral'] });
    const medium = input({ riskAnswers: answers(notRedFlags.slice(1, 5)), repeatWithinWindow: true });
    expect(screen(medium, rules).band).toBe('HIGH');
    const high = input({ immediateDanger: true, repeatWithinWindow: true });
    expect(screen(high, rules)).toMatchObject({ band: 'HIGH', factors: ['immediate-danger', 'repeat-referral'] });
  });

  it('lets a professional raise the band, and records their judgement', () => {
    const raised = screen(input({ professionalRaise: { band: 'HIGH', reason: 'Known to have breached a restraining order' } }), rules);
    expect(raised).toMatchObject({ band: 'HIGH', factors: ['professional-judgement'] });
  });

  it('ignores a professional "raise" to a band the rules already exceed', () => {
    const result = screen(input({ immediateDanger: true, professionalRaise: { band: 'MEDIUM', reason: 'Reasonable concern' } }), rules);
    expect(result).toMatchObject({ band: 'HIGH', factors: ['immediate-danger'] });
  });

  it('records every red flag that fired, in a stable order', () => {
    const result = screen(input({ riskAnswers: answers(['selfHarmThreats', 'threatsToKill']) }), rules);
    expect(result.factors).toEqual(['red-flag:threatsToKill', 'red-flag:selfHarmThreats']);
  });
});

describe('risk screening, for any answers and any valid rules', () => {
  it('never lowers the band when one more answer is yes', () => {
    fc.assert(fc.property(screeningInputArb, anyRules, fc.constantFrom(...RISK_FACTOR_IDS), (base, r, id) => {
      fc.pre(base.riskAnswers[id] !== 'yes');
      const before = screen(base, r);
      const after = screen({ ...base, riskAnswers: { ...base.riskAnswers, [id]: 'yes' } }, r);
      expect(rank(after.band)).toBeGreaterThanOrEqual(rank(before.band));
    }));
  });

  it('is always HIGH when the victim is in immediate danger', () => {
    fc.assert(fc.property(screeningInputArb, anyRules, (base, r) => {
      expect(screen({ ...base, immediateDanger: true }, r).band).toBe('HIGH');
    }));
  });

  it('is always HIGH when any red flag is yes', () => {
    fc.assert(fc.property(screeningInputArb, anyRules, fc.nat(), (base, r, pick) => {
      fc.pre(r.redFlags.length > 0);
      const flag = r.redFlags[pick % r.redFlags.length]!;
      expect(screen({ ...base, riskAnswers: { ...base.riskAnswers, [flag]: 'yes' } }, r).band).toBe('HIGH');
    }));
  });

  it('never gives a band below what a professional asked for, nor below the rules alone', () => {
    fc.assert(fc.property(screeningInputArb, anyRules, fc.constantFrom('MEDIUM' as const, 'HIGH' as const), (base, r, band) => {
      const withoutRaise = screen({ ...base, professionalRaise: undefined }, r);
      const withRaise = screen({ ...base, professionalRaise: { band, reason: 'Seen the messages myself' } }, r);
      expect(rank(withRaise.band)).toBeGreaterThanOrEqual(rank(withoutRaise.band));
      expect(rank(withRaise.band)).toBeGreaterThanOrEqual(rank(band));
    }));
  });

  it('raises the band by at most one step for a repeat referral', () => {
    fc.assert(fc.property(screeningInputArb, anyRules, (base, r) => {
      const first = screen({ ...base, repeatWithinWindow: false, professionalRaise: undefined }, r);
      const repeat = screen({ ...base, repeatWithinWindow: true, professionalRaise: undefined }, r);
      expect(repeat.band).toBe(raiseBand(first.band));
    }));
  });

  it('always records the version of the rules it used', () => {
    fc.assert(fc.property(screeningInputArb, anyRules, (base, r) => {
      expect(screen(base, r).rulesVersion).toBe(r.rulesVersion);
    }));
  });

  it('gives a reason for every band above STANDARD', () => {
    fc.assert(fc.property(screeningInputArb, anyRules, (base, r) => {
      const result = screen(base, r);
      if (result.band !== 'STANDARD') expect(result.factors.length).toBeGreaterThan(0);
    }));
  });
});
