import * as z from 'zod';
import rawServiceConfig from '../../config/service-config.json' with { type: 'json' };
import { parsePostcodePattern, patternsOverlap, patternWithin, type PostcodePattern } from './postcode.js';
import { RELATIONSHIPS, RISK_FACTOR_IDS } from './referral.js';

/** Risk screening bands, lowest first: the order is what "raise" and "never lower" mean. */
export const BANDS = ['STANDARD', 'MEDIUM', 'HIGH'] as const;
export type Band = typeof BANDS[number];

function bandRank(band: Band): number {
  return BANDS.indexOf(band);
}

/** Moves a band up by `steps`, stopping at HIGH. Negative steps do nothing: nothing lowers a band. */
export function raiseBand(band: Band, steps = 1): Band {
  const rank = Math.min(bandRank(band) + Math.max(0, Math.trunc(steps)), BANDS.length - 1);
  return BANDS[rank] ?? band;
}

export function maxBand(a: Band, b: Band): Band {
  return bandRank(a) >= bandRank(b) ? a : b;
}

const id = z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'must be lower-case letters, digits and hyphens, starting with a letter');
const email = z.email();
const postcodePattern = z.string().refine((value) => parsePostcodePattern(value) !== undefined, {
  message: 'must be a postcode area ("L"), a district ("L1", "EC1A") or a range within one area ("L1-L38")',
});

// Seconds exist for tests and demonstrations that need a deadline to pass while someone watches.
const deadlineSchema = z.union([
  z.strictObject({ clockHours: z.number().positive().max(24 * 31) }),
  z.strictObject({ workingDays: z.int().positive().max(31) }),
  z.strictObject({ seconds: z.int().positive().max(31 * 24 * 3600) }),
]);

const teamSchema = z.strictObject({
  id,
  name: z.string().min(1).max(200),
  email,
  dutyManagerEmail: email,
  /** Coverage within the area; absent means the whole area. */
  postcodes: z.array(postcodePattern).min(1).optional(),
  deadlines: z.strictObject({ STANDARD: deadlineSchema, MEDIUM: deadlineSchema, HIGH: deadlineSchema }),
  fallbackTeamId: id.optional(),
});

const screeningRulesSchema = z
  .strictObject({
    rulesVersion: z.string().min(1).max(100),
    redFlags: z.array(z.enum(RISK_FACTOR_IDS)),
    highYesCount: z.int().min(1).max(RISK_FACTOR_IDS.length),
    mediumYesCount: z.int().min(1).max(RISK_FACTOR_IDS.length),
    formerPartnerRelationships: z.array(z.enum(RELATIONSHIPS)),
    repeatWindowDays: z.int().min(0).max(3660),
  })
  .superRefine((rules, ctx) => {
    if (rules.mediumYesCount > rules.highYesCount) {
      ctx.addIssue({ code: 'custom', path: ['mediumYesCount'], message: 'must not be more than highYesCount' });
    }
    if (new Set(rules.redFlags).size !== rules.redFlags.length) {
      ctx.addIssue({ code: 'custom', path: ['redFlags'], message: 'lists a risk factor twice' });
    }
  });

const areaSchema = z.strictObject({
  id,
  name: z.string().min(1).max(200),
  coordinatorEmail: email,
  postcodes: z.array(postcodePattern).min(1),
  screening: screeningRulesSchema,
  roles: z.strictObject({ specialist: id, general: id, housing: id }),
  teams: z.array(teamSchema).min(1),
  // SPEC §5: grace after a missed deadline is a quarter of the original window, and at least 2 hours.
  escalation: z
    .strictObject({
      graceFraction: z.number().gt(0).max(1),
      minimumGraceSeconds: z.number().min(0),
    })
    .default({ graceFraction: 0.25, minimumGraceSeconds: 7200 }),
});

export const serviceConfigSchema = z.strictObject({
  version: z.string().min(1).max(100),
  defaultAreaId: id,
  areas: z.array(areaSchema).min(1),
});

export type ServiceConfig = z.output<typeof serviceConfigSchema>;
export type Area = ServiceConfig['areas'][number];
export type Team = Area['teams'][number];
export type ScreeningRules = Area['screening'];
export type Deadline = z.output<typeof deadlineSchema>;
export type TeamRole = keyof Area['roles'];

export function areaById(config: ServiceConfig, areaId: string): Area | undefined {
  return config.areas.find((area) => area.id === areaId);
}

export function teamById(area: Area, teamId: string): Team | undefined {
  return area.teams.find((team) => team.id === teamId);
}

/**
 * Team ids are unique across the whole deployment (see parseServiceConfig), so a team id alone, as in
 * `/api/teams/{teamId}/...`, names one team in one area.
 */
export function locateTeam(config: ServiceConfig, teamId: string): { area: Area; team: Team } | undefined {
  for (const area of config.areas) {
    const team = teamById(area, teamId);
    if (team) return { area, team };
  }
  return undefined;
}

function duplicates(values: readonly string[]): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const value of values) {
    if (seen.has(value)) repeated.add(value);
    seen.add(value);
  }
  return [...repeated];
}

/** Everything zod cannot see on its own: references between teams and areas, cycles, overlapping postcodes. */
function crossCheck(config: ServiceConfig): string[] {
  const problems: string[] = [];

  for (const areaId of duplicates(config.areas.map((area) => area.id))) {
    problems.push(`area id "${areaId}" is used by more than one area`);
  }
  // Team ids double as sign-in groups and API path segments, so one id naming two teams in two
  // areas would show one area's referrals to the other. Unique across the deployment, not just the area.
  for (const teamId of duplicates(config.areas.flatMap((area) => area.teams.map((team) => team.id)))) {
    problems.push(`team id "${teamId}" is used more than once`);
  }
  // A team called `coordinator-…` or `commissioner-…` would share a sign-in group with a role.
  for (const team of config.areas.flatMap((area) => area.teams)) {
    if (/^(coordinator|commissioner)-/.test(team.id)) problems.push(`team id "${team.id}" would clash with a coordinator or commissioner sign-in group`);
  }
  if (!areaById(config, config.defaultAreaId)) {
    problems.push(`defaultAreaId "${config.defaultAreaId}" is not one of the areas`);
  }

  for (const area of config.areas) {
    const where = `area "${area.id}"`;
    for (const [role, teamId] of Object.entries(area.roles)) {
      if (!teamById(area, teamId)) problems.push(`${where}: roles.${role} names "${teamId}", which is not one of its teams`);
    }
    const areaPatterns = area.postcodes.map(parsePostcodePattern).filter((p): p is PostcodePattern => p !== undefined);
    for (const team of area.teams) {
      if (team.fallbackTeamId !== undefined && !teamById(area, team.fallbackTeamId)) {
        problems.push(`${where}: team "${team.id}" falls back to "${team.fallbackTeamId}", which is not one of its teams`);
      }
      for (const raw of team.postcodes ?? []) {
        const pattern = parsePostcodePattern(raw);
        if (pattern && !patternWithin(pattern, areaPatterns)) {
          problems.push(`${where}: team "${team.id}" covers "${raw}", which is outside the area`);
        }
      }
    }
    problems.push(...fallbackCycles(area).map((cycle) => `${where}: fallback teams go round in a circle: ${cycle.join(' -> ')}`));
  }

  const claims = config.areas.flatMap((area) => area.postcodes.flatMap((raw) => {
    const pattern = parsePostcodePattern(raw);
    return pattern ? [{ areaId: area.id, raw, pattern }] : [];
  }));
  for (const [i, a] of claims.entries()) {
    for (const b of claims.slice(i + 1)) {
      if (a.areaId !== b.areaId && patternsOverlap(a.pattern, b.pattern)) {
        problems.push(`postcodes "${a.raw}" (area "${a.areaId}") and "${b.raw}" (area "${b.areaId}") overlap: a postcode must belong to one area`);
      }
    }
  }
  return problems;
}

function fallbackCycles(area: Area): string[][] {
  const cycles: string[][] = [];
  const reported = new Set<string>();
  for (const start of area.teams) {
    const path: string[] = [];
    let current: Team | undefined = start;
    while (current && !path.includes(current.id)) {
      path.push(current.id);
      current = current.fallbackTeamId === undefined ? undefined : teamById(area, current.fallbackTeamId);
    }
    if (current && !reported.has(current.id)) {
      const cycle = path.slice(path.indexOf(current.id));
      cycle.forEach((teamId) => reported.add(teamId));
      cycles.push([...cycle, current.id]);
    }
  }
  return cycles;
}

/**
 * A copy of `config` in which every deadline is `seconds` long and every grace period at least
 * `minimumGraceSeconds`, so integration tests can watch the whole escalation ladder happen in seconds.
 */
export function withShortDeadlines(config: ServiceConfig, seconds: number, minimumGraceSeconds: number): ServiceConfig {
  const deadline = { seconds };
  return parseServiceConfig({
    ...config,
    areas: config.areas.map((area) => ({
      ...area,
      escalation: { ...area.escalation, minimumGraceSeconds },
      teams: area.teams.map((team) => ({ ...team, deadlines: { STANDARD: deadline, MEDIUM: deadline, HIGH: deadline } })),
    })),
  });
}

/** Validates the shape with zod, then the references zod cannot follow. Throws listing every problem found. */
export function parseServiceConfig(raw: unknown): ServiceConfig {
  const parsed = serviceConfigSchema.safeParse(raw);
  const problems = parsed.success
    ? crossCheck(parsed.data)
    : parsed.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(top level)'}: ${issue.message}`);
  if (!parsed.success || problems.length > 0) {
    throw new Error(`Service config is not valid:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
  return parsed.data;
}

/*
 * Why config/service-config.json looks the way it does (JSON cannot carry comments):
 * - mdvs falls back to victim-care: SPEC §4 names the general hub as MDVS's fallback.
 * - housing-support has no fallback. No other team is a housing provider; handing a declined housing
 *   need to the general hub would look like cover without being cover, and victim-care is usually
 *   already on the referral. With no fallback the coordinator is told and finds housing help by hand.
 * - victim-care has no fallback: it is the last resort, so its declines go to the coordinator.
 * - MEDIUM goes to mdvs within 1 working day and HIGH within 24 clock hours, because risk does not
 *   wait for Monday; everyone else has 2 working days (SPEC §4).
 */
export const defaultServiceConfig: ServiceConfig = parseServiceConfig(rawServiceConfig);
