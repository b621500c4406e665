import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import twoAreasJson from '../../fixtures/service-config.two-areas.json' with { type: 'json' };
import {
  type Area, BANDS, defaultServiceConfig, parseServiceConfig, type ServiceConfig,
} from '../../../functions/domain/config.js';
import { RELATIONSHIPS } from '../../../functions/domain/referral.js';
import {
  fallbackTeam, findArea, type HousingAnswers, route, type RoutingInput,
} from '../../../functions/domain/routing.js';

const config = defaultServiceConfig;
const twoAreas = parseServiceConfig(twoAreasJson);
const noHousingNeed: HousingAnswers = { needsSupport: false, unsafeAtHome: false, personKnowsAddress: false, propertyDamagedAtHome: false };

function input(overrides: Partial<RoutingInput> = {}): RoutingInput {
  return { postcode: 'L8 7QZ', band: 'STANDARD', relationship: 'stranger', housing: noHousingNeed, ...overrides };
}

function teamIds(routingInput: RoutingInput, serviceConfig: ServiceConfig = config): string[] {
  const decision = route(routingInput, serviceConfig);
  if (decision.outcome !== 'ROUTED') throw new Error(`expected ROUTED, got ${decision.outcome}`);
  return decision.teams.map((team) => team.teamId);
}

/** Merseyside with its teams' coverage and fallbacks changed, for the coverage rules. */
function merseysideWith(change: (area: Area) => void): ServiceConfig {
  const copy = structuredClone(config);
  change(copy.areas[0]!);
  return parseServiceConfig(copy);
}

const INWARD_LETTERS = 'ABDEFGHJLNPQRSTUWXYZ';
const inwardArb = fc.tuple(fc.integer({ min: 0, max: 9 }), fc.constantFrom(...INWARD_LETTERS), fc.constantFrom(...INWARD_LETTERS))
  .map(([digit, a, b]) => `${digit}${a}${b}`);
const merseysideOutwardArb = fc.oneof(
  fc.integer({ min: 1, max: 38 }).map((n) => `L${n}`),
  fc.integer({ min: 41, max: 49 }).map((n) => `CH${n}`),
  fc.integer({ min: 60, max: 63 }).map((n) => `CH${n}`),
  fc.constantFrom('PR8', 'PR9'),
  fc.integer({ min: 9, max: 12 }).map((n) => `WA${n}`),
);
const haltonOutwardArb = fc.constantFrom('WA7', 'WA8');
const postcodeArb = (outward: fc.Arbitrary<string>) => fc.tuple(outward, inwardArb).map(([o, i]) => `${o} ${i}`);
const housingArb: fc.Arbitrary<HousingAnswers> = fc.record({
  needsSupport: fc.boolean(), unsafeAtHome: fc.boolean(), personKnowsAddress: fc.boolean(),
  propertyDamagedAtHome: fc.option(fc.boolean(), { nil: undefined }),
});
const routingArb = (outward: fc.Arbitrary<string>) => fc.record({
  postcode: postcodeArb(outward),
  band: fc.constantFrom(...BANDS),
  relationship: fc.constantFrom(...RELATIONSHIPS),
  housing: housingArb,
});

describe('routing a Merseyside referral', () => {
  it('sends every HIGH referral to MDVS', () => {
    for (const relationship of RELATIONSHIPS) {
      expect(teamIds(input({ band: 'HIGH', relationship }))).toContain('mdvs');
    }
  });

  it('sends a STANDARD referral with no housing need to Victim Care only', () => {
    expect(route(input(), config)).toEqual({
      outcome: 'ROUTED', areaId: 'merseyside', teams: [{ teamId: 'victim-care', reason: 'standard-or-medium' }],
    });
  });

  it('sends a MEDIUM referral about a former partner to MDVS', () => {
    expect(route(input({ band: 'MEDIUM', relationship: 'ex-partner' }), config)).toMatchObject({
      teams: [{ teamId: 'mdvs', reason: 'medium-former-partner' }],
    });
  });

  it('sends a MEDIUM referral about anyone else to Victim Care', () => {
    expect(teamIds(input({ band: 'MEDIUM', relationship: 'colleague' }))).toEqual(['victim-care']);
  });

  it.each<[string, Partial<RoutingInput>]>([
    ['asks for housing help', { housing: { ...noHousingNeed, needsSupport: true } }],
    ['is unsafe at home and the person knows the address', { housing: { ...noHousingNeed, unsafeAtHome: true, personKnowsAddress: true } }],
    ['is harassed by a neighbour', { relationship: 'neighbour' }],
    ['had property damaged at home', { housing: { ...noHousingNeed, propertyDamagedAtHome: true } }],
  ])('adds housing support when the victim %s', (_, overrides) => {
    const decision = route(input(overrides), config);
    expect(decision).toMatchObject({
      teams: [{ teamId: 'victim-care' }, { teamId: 'housing-support', reason: 'housing-need' }],
    });
  });

  it('does not add housing support when the victim is unsafe at home but the person does not know the address', () => {
    expect(teamIds(input({ housing: { ...noHousingNeed, unsafeAtHome: true } }))).toEqual(['victim-care']);
  });

  it('sends a HIGH referral with a housing need to MDVS and housing support together', () => {
    expect(teamIds(input({ band: 'HIGH', housing: { ...noHousingNeed, needsSupport: true } }))).toEqual(['mdvs', 'housing-support']);
  });

  it.each(['M1 1AE', 'L39 1AA', 'L40 2AB', 'LA1 1AA', 'WA7 1AB', 'CH64 1AA'])('treats %s as out of area, kept under the default area, and names its coordinator', (postcode) => {
    expect(route(input({ postcode, band: 'HIGH' }), config)).toEqual({
      outcome: 'OUT_OF_AREA', areaId: 'merseyside', coordinatorEmail: 'coordinator@merseyside.referrals.example',
    });
  });

  it.each(['L1 8JQ', 'L38 2AB', 'CH41 4HY', 'CH63 9AA', 'PR8 1AA', 'PR9 0AA', 'WA9 1AB', 'WA12 8AA'])('finds Merseyside for %s', (postcode) => {
    expect(findArea(postcode, config)?.id).toBe('merseyside');
  });

  it('gives every in-area referral at least one team and never the same team twice', () => {
    fc.assert(fc.property(routingArb(merseysideOutwardArb), (routingInput) => {
      const ids = teamIds(routingInput);
      expect(ids.length).toBeGreaterThan(0);
      expect(new Set(ids).size).toBe(ids.length);
      if (routingInput.band === 'HIGH') expect(ids).toContain('mdvs');
    }));
  });
});

describe('routing when a team does not cover the postcode', () => {
  it('hands the referral along the fallback chain to the first team that covers it', () => {
    const patchy = merseysideWith((area) => { area.teams[0]!.postcodes = ['L1-L20']; });
    expect(route(input({ postcode: 'L25 1AB', band: 'HIGH' }), patchy)).toMatchObject({
      teams: [{ teamId: 'victim-care', reason: 'fallback-for:mdvs' }],
    });
    expect(teamIds(input({ postcode: 'L15 1AB', band: 'HIGH' }), patchy)).toEqual(['mdvs']);
  });

  it('leaves out a team nobody can stand in for, but keeps the others', () => {
    const patchy = merseysideWith((area) => { area.teams[2]!.postcodes = ['CH41-CH49']; });
    expect(teamIds(input({ band: 'HIGH', housing: { ...noHousingNeed, needsSupport: true } }), patchy)).toEqual(['mdvs']);
  });

  it('falls back to the general team rather than routing to nobody', () => {
    const patchy = merseysideWith((area) => {
      for (const team of area.teams) team.postcodes = ['PR8'];
    });
    expect(route(input({ band: 'HIGH' }), patchy)).toMatchObject({
      teams: [{ teamId: 'victim-care', reason: 'no-covering-team' }],
    });
  });

  it('does not list a team twice when a fallback lands on a team already chosen', () => {
    const patchy = merseysideWith((area) => {
      area.teams[0]!.postcodes = ['PR8'];
      area.teams[2]!.postcodes = ['PR8'];
      area.teams[2]!.fallbackTeamId = 'victim-care';
    });
    expect(teamIds(input({ band: 'HIGH', housing: { ...noHousingNeed, needsSupport: true } }), patchy)).toEqual(['victim-care']);
  });
});

describe('the fallback for a team that declines', () => {
  const area = config.areas[0]!;

  it('is the next team along the chain', () => {
    expect(fallbackTeam(area, 'mdvs', [])?.id).toBe('victim-care');
  });

  it('skips teams already on the referral, and there may be nobody left', () => {
    expect(fallbackTeam(area, 'mdvs', ['victim-care'])).toBeUndefined();
    expect(fallbackTeam(area, 'housing-support', [])).toBeUndefined();
    expect(fallbackTeam(area, 'victim-care', [])).toBeUndefined();
    expect(fallbackTeam(area, 'no-such-team', [])).toBeUndefined();
  });
});

describe('routing with two areas configured', () => {
  const teamsOf = (areaId: string) => new Set(twoAreas.areas.find((area) => area.id === areaId)!.teams.map((team) => team.id));

  it('routes a Halton postcode only to Halton teams', () => {
    fc.assert(fc.property(routingArb(haltonOutwardArb), (routingInput) => {
      const decision = route(routingInput, twoAreas);
      expect(decision.outcome).toBe('ROUTED');
      if (decision.outcome !== 'ROUTED') return;
      expect(decision.areaId).toBe('halton');
      for (const team of decision.teams) expect(teamsOf('halton').has(team.teamId)).toBe(true);
    }));
  });

  it('routes a Merseyside postcode only to Merseyside teams', () => {
    fc.assert(fc.property(routingArb(merseysideOutwardArb), (routingInput) => {
      const decision = route(routingInput, twoAreas);
      expect(decision.outcome).toBe('ROUTED');
      if (decision.outcome !== 'ROUTED') return;
      expect(decision.areaId).toBe('merseyside');
      for (const team of decision.teams) expect(teamsOf('merseyside').has(team.teamId)).toBe(true);
    }));
  });

  it("uses Halton's own idea of a former partner", () => {
    expect(route(input({ postcode: 'WA8 7AB', band: 'MEDIUM', relationship: 'partner' }), twoAreas)).toMatchObject({
      areaId: 'halton', teams: [{ teamId: 'halton-stalking', reason: 'medium-former-partner' }],
    });
    expect(teamIds(input({ band: 'MEDIUM', relationship: 'partner' }), twoAreas)).toEqual(['victim-care']);
  });

  it("keeps a postcode neither area covers under the default area and tells its coordinator", () => {
    expect(route(input({ postcode: 'M1 1AE' }), twoAreas)).toEqual({
      outcome: 'OUT_OF_AREA', areaId: 'merseyside', coordinatorEmail: 'coordinator@merseyside.referrals.example',
    });
  });
});
