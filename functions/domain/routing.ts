import { type Area, areaById, type Band, type ServiceConfig, type Team, teamById } from './config.js';
import { postcodeMatches } from './postcode.js';
import type { ReferralSubmission, Relationship, RiskAnswer, RiskFactorId } from './referral.js';

export type HousingAnswers = Pick<
  ReferralSubmission['housing'],
  'needsSupport' | 'unsafeAtHome' | 'personKnowsAddress' | 'propertyDamagedAtHome'
>;

export type RoutingInput = {
  postcode: string;
  band: Band;
  relationship: Relationship;
  housing: HousingAnswers;
  /** Accepted so callers can pass the referral's answers as they are; §4 routes on the band, not single answers. */
  riskAnswers?: Record<RiskFactorId, RiskAnswer>;
};

/**
 * Reasons are short stable codes: `high-risk`, `medium-former-partner`, `standard-or-medium`,
 * `housing-need`, `fallback-for:<teamId>` (the chosen team does not cover the postcode) and
 * `no-covering-team` (nobody covers it, so the general team takes it rather than nobody).
 */
export type RoutedTeam = { teamId: string; reason: string };

export type RoutingDecision =
  | { outcome: 'ROUTED'; areaId: string; teams: RoutedTeam[] }
  /** `areaId`: the default area, which keeps a referral no area covers (SPEC §4). */
  | { outcome: 'OUT_OF_AREA'; areaId: string; coordinatorEmail: string };

export function findArea(postcode: string, config: ServiceConfig): Area | undefined {
  return config.areas.find((area) => postcodeMatches(postcode, area.postcodes));
}

function covers(team: Team, postcode: string): boolean {
  return team.postcodes === undefined || postcodeMatches(postcode, team.postcodes);
}

/** SPEC §4: housing support joins in addition to the main team, never instead of it. */
export function needsHousingTeam(housing: HousingAnswers, relationship: Relationship): boolean {
  return housing.needsSupport
    || (housing.unsafeAtHome && housing.personKnowsAddress)
    || relationship === 'neighbour'
    || housing.propertyDamagedAtHome === true;
}

/**
 * The next team along `teamId`'s fallback chain that is not in `exclude` (and, given a postcode, covers
 * it). Used when a team declines: pass every team already on the referral as `exclude`.
 */
export function fallbackTeam(area: Area, teamId: string, exclude: readonly string[], postcode?: string): Team | undefined {
  const visited = new Set<string>([teamId]);
  let next = teamById(area, teamId)?.fallbackTeamId;
  while (next !== undefined && !visited.has(next)) {
    visited.add(next);
    const team = teamById(area, next);
    if (!team) return undefined;
    if (!exclude.includes(team.id) && (postcode === undefined || covers(team, postcode))) return team;
    next = team.fallbackTeamId;
  }
  return undefined;
}

function coveringTeam(area: Area, teamId: string, postcode: string): { team: Team; viaFallback: boolean } | undefined {
  const team = teamById(area, teamId);
  if (!team) return undefined;
  if (covers(team, postcode)) return { team, viaFallback: false };
  const fallback = fallbackTeam(area, teamId, [], postcode);
  return fallback ? { team: fallback, viaFallback: true } : undefined;
}

export function route(input: RoutingInput, config: ServiceConfig): RoutingDecision {
  const area = findArea(input.postcode, config);
  if (!area) {
    // parseServiceConfig guarantees the default area; the first area is a belt-and-braces answer.
    const home = areaById(config, config.defaultAreaId) ?? config.areas[0];
    return { outcome: 'OUT_OF_AREA', areaId: home?.id ?? config.defaultAreaId, coordinatorEmail: home?.coordinatorEmail ?? '' };
  }

  const wanted: RoutedTeam[] = [];
  if (input.band === 'HIGH') {
    wanted.push({ teamId: area.roles.specialist, reason: 'high-risk' });
  } else if (input.band === 'MEDIUM' && area.screening.formerPartnerRelationships.includes(input.relationship)) {
    wanted.push({ teamId: area.roles.specialist, reason: 'medium-former-partner' });
  } else {
    wanted.push({ teamId: area.roles.general, reason: 'standard-or-medium' });
  }
  if (needsHousingTeam(input.housing, input.relationship)) {
    wanted.push({ teamId: area.roles.housing, reason: 'housing-need' });
  }

  const teams: RoutedTeam[] = [];
  for (const choice of wanted) {
    const found = coveringTeam(area, choice.teamId, input.postcode);
    if (!found || teams.some((t) => t.teamId === found.team.id)) continue;
    teams.push({ teamId: found.team.id, reason: found.viaFallback ? `fallback-for:${choice.teamId}` : choice.reason });
  }
  if (teams.length === 0) {
    teams.push({ teamId: area.roles.general, reason: 'no-covering-team' });
  }
  return { outcome: 'ROUTED', areaId: area.id, teams };
}

/** The routing input a screened referral gives. */
export function routingInputFor(referral: ReferralSubmission, band: Band): RoutingInput {
  return {
    postcode: referral.victim.postcode,
    band,
    relationship: referral.incident.relationship,
    housing: referral.housing,
    riskAnswers: referral.riskAnswers,
  };
}
