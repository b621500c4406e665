import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { TZDate } from '@date-fns/tz';
import { areaById, BANDS, teamById, type Area, type Band, type ServiceConfig } from '../functions/domain/config.js';
import { acknowledgementAt, breachAt, declineAt, ladderFor, ladderMovesBy, reminderAt, type LadderMove } from '../functions/domain/acknowledgement-ladder.js';
import { isWorkingTime } from '../functions/domain/deadlines.js';
import { parsePostcodePattern } from '../functions/domain/postcode.js';
import { newReference } from '../functions/domain/reference.js';
import { VICTIM_KEY_ALIAS } from '../lib/constructs/referral-store.js';
import {
  parseReferral, RISK_FACTOR_IDS, type ReferralInput, type ReferralSource, type ReferralSubmission, type Relationship,
  type RiskAnswer, type RiskFactorId, type SafeContactMethod,
} from '../functions/domain/referral.js';
import { isLate, settledStatus } from '../functions/domain/assignment-progress.js';
import { AWAITED_STATUSES, type AssignmentRecord } from '../functions/domain/referral-record.js';
import { fallbackTeam, findArea, route, routingInputFor } from '../functions/domain/routing.js';
import { screen, screeningInputFor, type ScreeningResult } from '../functions/domain/screening.js';
import {
  aggregateFacts, COUNTERS, factIdFor, OUT_OF_AREA, REPORT_TIME_ZONE, rollUp, type AggregateRow, type Counter, type FactKind, type ThroughputFact,
} from '../functions/domain/throughput.js';
import { coverOf } from '../functions/domain/report-calendar.js';
import { localDateOf } from '../functions/domain/working-calendar.js';
import { movedDeadline } from '../functions/domain/urgency.js';

/*
 * `npm run seed -- --referrals N [--year 2025] [--seed 42] [--details 200]`: fills a running local cloud
 * with a year of synthetic referrals, so the commissioner reports have something realistic to show.
 *
 * Every referral goes through the real domain code (validated, screened, routed, deadlines set), and
 * what happens to each assignment afterwards (acknowledged in time or late, declined and handed on,
 * breached) is drawn from a seeded generator: the same arguments give the same year. The aggregates the
 * live service would have counted are then written through the throughput store; the most recent
 * `--details` referrals are also stored in full, through the referral store, for the portal.
 *
 * Everyone in it is made up and says so: "Demo Person-000123", phone numbers from Ofcom's drama range,
 * addresses at example.org.
 */

/* ---------------------------------------------------------------------------------------------------
 * A small seeded generator (mulberry32): fast, and the same sequence on every machine.
 * ------------------------------------------------------------------------------------------------- */

export class SeededRandom {
  private state: number;
  constructor(seed: number) { this.state = seed >>> 0; }

  /** [0, 1) */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(maxExclusive: number): number { return Math.floor(this.next() * maxExclusive); }
  chance(p: number): boolean { return this.next() < p; }
  between(min: number, max: number): number { return min + this.next() * (max - min); }
  pick<T>(values: readonly T[]): T {
    const value = values[this.int(values.length)];
    if (value === undefined) throw new RangeError('nothing to pick from');
    return value;
  }
  /** A value from `[value, weight]` pairs, in proportion to the weights. */
  weighted<T>(choices: readonly (readonly [T, number])[]): T {
    const total = choices.reduce((sum, [, w]) => sum + w, 0);
    let at = this.next() * total;
    for (const [value, weight] of choices) {
      if ((at -= weight) < 0) return value;
    }
    return choices[choices.length - 1]![0];
  }
  /** Roughly normal (Irwin–Hall of 4), enough for times of day. */
  normal(mean: number, sd: number): number {
    const sum = this.next() + this.next() + this.next() + this.next();
    return mean + (sum - 2) * sd * Math.sqrt(3);
  }
}

/* ---------------------------------------------------------------------------------------------------
 * The shape of a year. Figures are plausible, not sourced: a demo, not a forecast.
 * ------------------------------------------------------------------------------------------------- */

const SOURCE_MIX: readonly (readonly [ReferralSource, number])[] = [['police', 45], ['self', 35], ['agency', 20]];

// Stalking is most often by a former partner; strangers are a minority.
const RELATIONSHIP_MIX: readonly (readonly [Relationship, number])[] = [
  ['ex-partner', 45], ['acquaintance', 14], ['stranger', 9], ['neighbour', 8], ['friend', 5], ['colleague', 5],
  ['family-member', 4], ['unknown', 6], ['partner', 2], ['other', 2],
];

/** Referrals per weekday, Sunday first: professionals refer on working days, and Monday catches the weekend. */
const WEEKDAY_WEIGHT = [0.5, 1.3, 1.15, 1.1, 1.05, 1.0, 0.55];
/** January (after the holidays) and the summer are busier; December quieter until the new year. */
const MONTH_WEIGHT = [1.15, 0.95, 1.0, 0.95, 1.0, 1.05, 1.12, 1.08, 1.0, 0.98, 0.95, 0.85];
const BANK_HOLIDAY_WEIGHT = 0.6;

const RED_FLAG_LIKE: readonly RiskFactorId[] = ['threatsToKill', 'violenceUsed', 'weaponsAccess', 'selfHarmThreats'];

/** How serious a case is, which drives how many risk answers are yes. Tuned for roughly 50/30/20 STANDARD/MEDIUM/HIGH. */
const SEVERITY_MIX = [['low', 55], ['middle', 31], ['high', 14]] as const;
const YES_CHANCE = {
  low: { other: 0.13, redFlag: 0.008, danger: 0.002 },
  middle: { other: 0.42, redFlag: 0.015, danger: 0.01 },
  high: { other: 0.62, redFlag: 0.3, danger: 0.12 },
} as const;

/** Postcode districts near Merseyside that no configured area covers, for the referrals that arrive from outside. */
const OUTSIDE_DISTRICTS = ['M1', 'M14', 'WN1', 'WN8', 'CH1', 'CH5', 'PR1', 'PR4', 'WA1', 'WA4', 'LA1', 'LL11', 'SK1', 'BL1'];
const OUT_OF_AREA_SHARE = 0.04;
/** The same person referred again (a second incident, another agency). Screening raises the band within the window. */
const REPEAT_SHARE = 0.06;

/** What each assignment's team does. The rest acknowledge within the deadline. */
const OUTCOME_CHANCE = { decline: 0.05, late: 0.08, breach: 0.035, lateAfterBreach: 0.5 };

const INWARD_LETTERS = 'ABDEFGHJLNPQRSTUWXYZ';

/* ---------------------------------------------------------------------------------------------------
 * Generating referrals
 * ------------------------------------------------------------------------------------------------- */

interface Person { readonly number: number; readonly postcode: string; readonly lastReferredAt: number }

const pad = (n: number, width: number) => String(n).padStart(width, '0');

function inAreaDistricts(config: ServiceConfig): string[] {
  const districts: string[] = [];
  for (const area of config.areas) {
    for (const raw of area.postcodes) {
      const pattern = parsePostcodePattern(raw);
      if (!pattern) continue;
      // A bare postcode area ("L") covers every district: offer its first twenty.
      const to = pattern.from === 0 && pattern.to === 99 ? 20 : pattern.to;
      for (let n = Math.max(1, pattern.from); n <= to; n++) districts.push(`${pattern.letters}${n}${pattern.subDistrict}`);
    }
  }
  return districts;
}

function postcodeIn(district: string, random: SeededRandom): string {
  return `${district} ${random.int(10)}${random.pick([...INWARD_LETTERS])}${random.pick([...INWARD_LETTERS])}`;
}

/** Arrival instants across the year (or up to `now` in the current year), busier on weekdays and in some months. */
function arrivals(count: number, year: number, now: Date, random: SeededRandom, isHoliday: (day: string) => boolean): Date[] {
  const days: { date: [number, number, number]; weight: number }[] = [];
  for (let t = Date.UTC(year, 0, 1); new Date(t).getUTCFullYear() === year; t += 86_400_000) {
    const d = new Date(t);
    const day = d.toISOString().slice(0, 10);
    if (new Date(`${day}T00:00:00Z`).getTime() > now.getTime()) break;
    let weight = (WEEKDAY_WEIGHT[d.getUTCDay()] ?? 1) * (MONTH_WEIGHT[d.getUTCMonth()] ?? 1);
    if (isHoliday(day)) weight *= BANK_HOLIDAY_WEIGHT;
    days.push({ date: [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()], weight: weight * random.between(0.85, 1.15) });
  }
  if (days.length === 0) throw new RangeError(`${year} has not started yet`);
  const cumulative: number[] = [];
  let total = 0;
  for (const { weight } of days) cumulative.push((total += weight));

  const times: Date[] = [];
  while (times.length < count) {
    const target = random.next() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! <= target) lo = mid + 1; else hi = mid;
    }
    const [y, m, d] = days[lo]!.date;
    // Professionals refer in office hours; people referring themselves often do it in the evening.
    const hour = random.chance(0.6) ? random.normal(12.5, 2.5) : random.chance(0.75) ? random.normal(20, 1.8) : random.between(0, 24);
    const minutes = Math.min(24 * 60 - 1, Math.max(0, Math.round(hour * 60)));
    const at = new Date(new TZDate(y, m, d, Math.floor(minutes / 60), minutes % 60, random.int(60), 0, REPORT_TIME_ZONE).getTime());
    if (at.getTime() <= now.getTime()) times.push(at);
  }
  return times.sort((a, b) => a.getTime() - b.getTime());
}

function isoDay(at: Date): string {
  return localDateOf(at, REPORT_TIME_ZONE);
}

function riskAnswers(random: SeededRandom, severity: keyof typeof YES_CHANCE): Record<RiskFactorId, RiskAnswer> {
  const chance = YES_CHANCE[severity];
  return Object.fromEntries(RISK_FACTOR_IDS.map((id) => {
    const p = RED_FLAG_LIKE.includes(id) ? chance.redFlag : id === 'veryFrightened' ? Math.min(0.9, chance.other * 1.6) : chance.other;
    const answer: RiskAnswer = random.chance(p) ? 'yes' : random.chance(0.1) ? 'unsure' : 'no';
    return [id, answer];
  })) as Record<RiskFactorId, RiskAnswer>;
}

const BEHAVIOUR_CHOICES = ['following', 'watching', 'turning-up', 'messages', 'calls', 'social-media', 'gifts', 'contacting-others', 'tracking'] as const;
const FREQUENCY_CHOICES = ['a-few-times', 'weekly', 'several-times-a-week', 'daily', 'many-times-a-day'] as const;
const TENURE_CHOICES = ['owner-occupier', 'private-rent', 'social-rent', 'living-with-family-or-friends', 'temporary-accommodation', 'prefer-not-to-say'] as const;
const REFERRING_AGENCIES = ['GP practice (synthetic)', 'Housing association (synthetic)', 'University wellbeing service (synthetic)', 'Independent advocacy (synthetic)'];

/** A referral as the API would receive it: every detail made up, and obviously so. */
function submissionBody(random: SeededRandom, person: Person, at: Date, source: ReferralSource): ReferralInput {
  const severity = random.weighted(SEVERITY_MIX);
  const answers = riskAnswers(random, severity);
  const relationship = random.weighted(RELATIONSHIP_MIX);
  const tag = pad(person.number, 6);
  const first = new Date(at.getTime() - random.between(7, 400) * 86_400_000);
  const latest = new Date(at.getTime() - random.between(0, 6) * 86_400_000);
  const methods: SafeContactMethod[] = source === 'self'
    ? [random.weighted([['phone', 4], ['text', 4], ['email', 2], ['letter', 1]] as const)]
    : [random.weighted([['phone', 4], ['text', 3], ['through-referrer', 3]] as const)];
  const needsHome = answers.propertyDamage === 'yes' && random.chance(0.3);
  const referrerNumber = 1 + random.int(400);
  return {
    source,
    ...(source === 'self' ? {} : {
      referrer: source === 'police'
        ? { name: `Demo Officer ${referrerNumber}`, organisation: 'Police (synthetic)', email: `officer.${referrerNumber}@police.example`, collarNumber: `D${referrerNumber}` }
        : { name: `Demo Caseworker ${referrerNumber}`, organisation: random.pick(REFERRING_AGENCIES), email: `caseworker.${referrerNumber}@agency.example` },
    }),
    victim: {
      firstName: 'Demo',
      lastName: `Person-${tag}`,
      ...(methods.includes('email') ? { email: `demo.person.${tag}@example.org` } : {}),
      // Ofcom sets 07700 900000–900999 aside for drama: nobody owns these numbers.
      ...(methods.includes('phone') || methods.includes('text') ? { phone: `07700 900${pad(person.number % 1000, 3)}` } : {}),
      ...(methods.includes('letter') ? { address: `${1 + (person.number % 90)} Example Street (synthetic)` } : {}),
      postcode: person.postcode,
      safeContact: { methods, voicemailOk: random.chance(0.4) },
    },
    incident: {
      behaviours: [...new Set([random.pick(BEHAVIOUR_CHOICES), random.pick(BEHAVIOUR_CHOICES), ...(answers.propertyDamage === 'yes' ? ['property-damage' as const] : [])])],
      timesCount: 2 + random.int(60),
      frequency: random.pick(FREQUENCY_CHOICES),
      firstDate: isoDay(first),
      latestDate: isoDay(latest),
      relationship,
      description: `Synthetic demo referral ${tag}: no real person or event is described.`,
      reportedToPolice: source === 'police' || random.chance(0.4),
    },
    riskAnswers: answers,
    housing: {
      tenure: random.pick(TENURE_CHOICES),
      needsSupport: random.chance(0.07),
      unsafeAtHome: random.chance(severity === 'low' ? 0.08 : 0.25),
      personKnowsAddress: random.chance(relationship === 'stranger' ? 0.2 : 0.6),
      propertyDamagedAtHome: needsHome,
    },
    consent: { shareWithServices: true },
    immediateDanger: random.chance(YES_CHANCE[severity].danger),
  };
}

/* ---------------------------------------------------------------------------------------------------
 * What the teams then do
 * ------------------------------------------------------------------------------------------------- */

export interface SeededAssignment {
  readonly record: AssignmentRecord;
  /** The states it went through after it was assigned, in order, each only if it happened by `now`. */
  readonly steps: readonly SeededStep[];
}

export type SeededStep =
  | { kind: 'NOTIFIED'; at: Date }
  | { kind: 'ACKNOWLEDGED'; at: Date; late: boolean }
  | { kind: 'DECLINED'; at: Date }
  | LadderMove;

export interface SeededReferral {
  readonly reference: string;
  readonly receivedAt: Date;
  readonly submission: ReferralSubmission;
  readonly screening: ScreeningResult;
  /** Undefined: out of area. */
  readonly areaId: string | undefined;
  readonly assignments: readonly SeededAssignment[];
}

const SECOND = 1000;
const DECLINE_REASONS = ['No capacity this week (synthetic)', 'Outside our service criteria (synthetic)', 'Already supported by another service (synthetic)'];

/** A moment in the window that a caseworker would plausibly be at work, early in the window more often than late. */
function acknowledgementIn(random: SeededRandom, from: Date, to: Date, workingHoursOnly: boolean): Date {
  const span = to.getTime() - from.getTime();
  let at = new Date(from.getTime() + span * random.next() ** 1.8);
  for (let tries = 0; workingHoursOnly && !isWorkingTime(at) && tries < 8; tries++) {
    at = new Date(from.getTime() + span * random.next() ** 1.5);
  }
  return at;
}

interface Simulated {
  readonly assignments: SeededAssignment[];
  readonly facts: ThroughputFact[];
}

/**
 * One team's assignment from the moment it is assigned: acknowledged (in time, late, or after a breach),
 * declined and handed to the fallback team, or breached. Steps after `now` have not happened yet.
 */
function simulateAssignment(
  random: SeededRandom, area: Area, referral: { reference: string; postcode: string; source: ReferralSource; band: Band },
  teamId: string, reason: string, assignedAt: Date, teamsSoFar: string[], now: Date, out: Simulated, reroutedFrom?: string,
): void {
  const team = teamById(area, teamId);
  if (!team) throw new Error(`routed to ${teamId}, which is not in ${area.id}'s config`);
  const { reference, band, source } = referral;
  const deadlineRule = team.deadlines[band];
  // As the route and re-route steps set the deadline (a re-routed one never later than at the team that
  // declined it) and the remind step the grace period.
  const left = reroutedFrom ? teamById(area, reroutedFrom) : undefined;
  const ladder = ladderFor(assignedAt, movedDeadline({ at: assignedAt, band, to: team, from: left }).deadlineAt, area.escalation);
  const { deadlineAt, graceEndsAt } = ladder;
  const record: AssignmentRecord = {
    reference, teamId, areaId: area.id, band, reason, source, status: 'ASSIGNED',
    assignedAt: assignedAt.toISOString(), deadlineAt: deadlineAt.toISOString(), ...(reroutedFrom ? { reroutedFrom } : {}),
  };
  const steps: SeededStep[] = [];
  const base = { areaId: area.id, teamId, band, source };
  const happened = (at: Date) => at.getTime() <= now.getTime();
  out.assignments.push({ record, steps });
  out.facts.push({ kind: 'ASSIGNED', factId: factIdFor('ASSIGNED', reference, teamId), at: assignedAt, ...base });

  const notifiedAt = new Date(assignedAt.getTime() + random.between(1, 20) * SECOND);
  if (!happened(notifiedAt)) return;
  steps.push({ kind: 'NOTIFIED', at: notifiedAt });
  const workingDays = 'workingDays' in deadlineRule;

  const acknowledged = (at: Date) => {
    if (!happened(at)) return;
    const late = isLate(record, at);
    steps.push({ kind: 'ACKNOWLEDGED', at, late });
    out.facts.push({
      kind: 'ACKNOWLEDGED', factId: factIdFor('ACKNOWLEDGED', reference, teamId), at, ...base,
      withinDeadline: !late, secondsToAcknowledge: Math.max(0, Math.round((at.getTime() - assignedAt.getTime()) / 1000)),
    });
  };

  const declined = (declinedAt: Date) => {
    if (!happened(declinedAt)) return;
    steps.push({ kind: 'DECLINED', at: declinedAt });
    out.facts.push({ kind: 'DECLINED', factId: factIdFor('DECLINED', reference, teamId), at: declinedAt, ...base });
    // As the re-route step does: the next team along the fallback chain that has not had it yet.
    const next = fallbackTeam(area, teamId, teamsSoFar, referral.postcode);
    const reroutedAt = new Date(declinedAt.getTime() + random.between(1, 10) * SECOND);
    if (!next || !happened(reroutedAt)) return;
    out.facts.push({ kind: 'REROUTED', factId: factIdFor('REROUTED', reference, teamId), at: reroutedAt, ...base });
    teamsSoFar.push(next.id);
    simulateAssignment(random, area, referral, next.id, `fallback-for:${teamId}`, reroutedAt, teamsSoFar, now, out, teamId);
  };

  const outcome = random.weighted([
    ['decline', OUTCOME_CHANCE.decline], ['late', OUTCOME_CHANCE.late], ['breach', OUTCOME_CHANCE.breach],
    ['in-time', 1 - OUTCOME_CHANCE.decline - OUTCOME_CHANCE.late - OUTCOME_CHANCE.breach],
  ] as const);
  // When the team answers, if it ever does: in time, in the grace period, or after the breach.
  const answeredAt = outcome === 'in-time' || outcome === 'decline' ? acknowledgementIn(random, notifiedAt, deadlineAt, workingDays)
    : outcome === 'late' ? acknowledgementIn(random, deadlineAt, graceEndsAt, false)
    : random.chance(OUTCOME_CHANCE.lateAfterBreach) ? new Date(graceEndsAt.getTime() + random.between(1, 72) * 3600 * SECOND) : undefined;

  // Until then the ladder moves it on, as the workflow would: reminded at the deadline, breached after the grace period.
  for (const move of ladderMovesBy(ladder, now, answeredAt)) {
    steps.push(move);
    if (move.kind === 'BREACHED') out.facts.push({ kind: 'BREACHED', factId: factIdFor('BREACHED', reference, teamId), at: move.at, ...base });
  }
  if (answeredAt === undefined) return;
  if (outcome === 'decline') return declined(answeredAt);
  acknowledged(answeredAt);
}

export interface SyntheticYear {
  readonly referrals: SeededReferral[];
  readonly facts: ThroughputFact[];
}

/**
 * A year of referrals and the facts the live service would have counted for them. Pure: the same
 * arguments give the same year (`now` only cuts off what has not happened yet).
 */
export function syntheticYear(options: { referrals: number; year: number; seed: number; now: Date; config: ServiceConfig; isHoliday: (day: string) => boolean }): SyntheticYear {
  const { config, now } = options;
  const random = new SeededRandom(options.seed ^ Math.imul(options.year, 0x9e3779b1));
  const districts = inAreaDistricts(config);
  const outside = OUTSIDE_DISTRICTS.filter((d) => !findArea(d, config));
  const defaultArea = areaById(config, config.defaultAreaId);
  if (!defaultArea) throw new Error('the config has no default area');

  const references = new Set<string>();
  const people: Person[] = [];
  const referrals: SeededReferral[] = [];
  const facts: ThroughputFact[] = [];

  for (const receivedAt of arrivals(options.referrals, options.year, now, random, options.isHoliday)) {
    let reference: string;
    do reference = newReference((n) => random.int(n)); while (references.has(reference));
    references.add(reference);

    const repeatOf = people.length > 20 && random.chance(REPEAT_SHARE) ? people[people.length - 1 - random.int(Math.min(people.length, 2000))] : undefined;
    const person: Person = repeatOf ?? {
      number: people.length + 1,
      postcode: postcodeIn(random.chance(OUT_OF_AREA_SHARE) && outside.length ? random.pick(outside) : random.pick(districts), random),
      lastReferredAt: 0,
    };
    const source = random.weighted(SOURCE_MIX);
    const body = submissionBody(random, person, receivedAt, source);
    // A professional raising the band, with a reason, now and then.
    if (source !== 'self' && random.chance(0.02) && body.referrer) {
      Object.assign(body.referrer, { raiseBandTo: random.pick(['MEDIUM', 'HIGH'] as const), raiseReason: 'Professional judgement (synthetic demo)' });
    }
    const parsed = parseReferral(body, receivedAt);
    if (!parsed.ok) throw new Error(`a synthetic referral failed validation: ${JSON.stringify(parsed.errors)}`);
    const submission = parsed.referral;

    const area = findArea(submission.victim.postcode, config);
    const rules = (area ?? defaultArea).screening;
    const repeat = repeatOf !== undefined && receivedAt.getTime() - repeatOf.lastReferredAt <= rules.repeatWindowDays * 86_400_000;
    const screening = screen(screeningInputFor(submission, repeat), rules);
    people[person.number - 1] = { ...person, lastReferredAt: receivedAt.getTime() };
    const band = screening.band;

    const decision = route(routingInputFor(submission, band), config);
    const areaId = decision.outcome === 'ROUTED' ? decision.areaId : undefined;
    facts.push({ kind: 'RECEIVED', factId: factIdFor('RECEIVED', reference), at: receivedAt, band, source, areaId });
    const simulated: Simulated = { assignments: [], facts };
    if (decision.outcome === 'ROUTED') {
      const routedArea = areaById(config, decision.areaId)!;
      // The workflow screens and routes within seconds of the referral arriving.
      const assignedAt = new Date(receivedAt.getTime() + random.between(2, 30) * SECOND);
      const teamsSoFar = decision.teams.map((t) => t.teamId);
      for (const routed of decision.teams) {
        if (!(assignedAt.getTime() <= now.getTime())) break;
        simulateAssignment(random, routedArea, { reference, postcode: submission.victim.postcode, source, band }, routed.teamId, routed.reason, assignedAt, teamsSoFar, now, simulated);
      }
    }
    referrals.push({ reference, receivedAt, submission, screening, areaId, assignments: simulated.assignments });
  }
  return { referrals, facts };
}

/* ---------------------------------------------------------------------------------------------------
 * Summing up
 * ------------------------------------------------------------------------------------------------- */

export interface SeedSummary {
  readonly year: number;
  readonly seed: number;
  readonly referrals: number;
  readonly outOfArea: number;
  readonly byBand: Record<Band, number>;
  /** Assignments per team, fallback assignments included. */
  readonly byTeam: Record<string, number>;
  readonly facts: Record<FactKind, number>;
  /**
   * Sums over every bucket written. A report over the year shows these less what happened after New
   * Year to December's referrals (acknowledged, breached... in January), which is counted in January.
   */
  readonly totals: Record<Counter, number>;
  readonly aggregateRows: number;
  readonly detailed: number;
  /** Writes the store's bulk writer made: a few per area per day, week and month, however many referrals. */
  readonly aggregateWrites: number;
  readonly seconds: { generate: number; aggregates: number; details: number; total: number };
}

function summarise(year: SyntheticYear, rows: readonly AggregateRow[]): Omit<SeedSummary, 'year' | 'seed' | 'detailed' | 'aggregateWrites' | 'seconds'> {
  const byBand = Object.fromEntries(BANDS.map((b) => [b, 0])) as Record<Band, number>;
  const byTeam: Record<string, number> = {};
  for (const referral of year.referrals) {
    byBand[referral.screening.band]++;
    for (const { record } of referral.assignments) byTeam[record.teamId] = (byTeam[record.teamId] ?? 0) + 1;
  }
  const facts = { RECEIVED: 0, ASSIGNED: 0, ACKNOWLEDGED: 0, DECLINED: 0, REROUTED: 0, BREACHED: 0, CONTACTED: 0, OUTCOME: 0 } satisfies Record<FactKind, number>;
  for (const fact of year.facts) facts[fact.kind]++;
  const totals = Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Record<Counter, number>;
  for (const row of rows) for (const c of COUNTERS) totals[c] += row.counters[c] ?? 0;
  return {
    referrals: year.referrals.length,
    outOfArea: year.referrals.filter((r) => r.areaId === undefined).length,
    byBand, byTeam, facts, totals, aggregateRows: rows.length,
  };
}

/* ---------------------------------------------------------------------------------------------------
 * Writing into the local cloud
 * ------------------------------------------------------------------------------------------------- */

export interface SeedTarget {
  /** Default: AWS_ENDPOINT_URL_DYNAMODB, else DynamoDB Local on DYNAMODB_PORT (8000), as `npm start` runs it. */
  readonly dynamodbUrl?: string;
  /** Default: TABLE_NAME, else the local cloud's table (named after the template's logical id, ReferralTable…). */
  readonly tableName?: string;
  /** Default: AWS_ENDPOINT_URL_KMS, else the local cloud's KMS on KMS_PORT (8006), as `npm start` runs it. */
  readonly kmsUrl?: string;
}

export interface SeedOptions {
  readonly referrals: number;
  readonly year: number;
  readonly seed: number;
  /** How many of the most recent referrals to store in full (referral, assignments, events) for the portal. */
  readonly details: number;
  readonly now?: Date;
  /** Seed a year that already has figures (they add up). Off by default: a second run would double the year. */
  readonly addToExisting?: boolean;
  readonly log?: (line: string) => void;
}

export class LocalCloudNotReachable extends Error {}
export class YearAlreadySeeded extends Error {}

/** Finds the local cloud's table, or says plainly that nothing is listening. */
async function resolveTarget(target: SeedTarget): Promise<{ dynamodbUrl: string; tableName: string }> {
  const dynamodbUrl = target.dynamodbUrl ?? process.env.AWS_ENDPOINT_URL_DYNAMODB ?? `http://127.0.0.1:${process.env.DYNAMODB_PORT ?? 8000}`;
  const client = new DynamoDBClient({
    endpoint: dynamodbUrl, maxAttempts: 1, region: process.env.AWS_REGION ?? 'eu-west-2',
    credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'local', secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'local' },
  });
  try {
    const { TableNames = [] } = await client.send(new ListTablesCommand({}), { abortSignal: AbortSignal.timeout(5000) });
    const tableName = target.tableName ?? process.env.TABLE_NAME ?? TableNames.find((name) => name.startsWith('ReferralTable'));
    if (!tableName || !TableNames.includes(tableName)) {
      throw new LocalCloudNotReachable(`DynamoDB Local at ${dynamodbUrl} has no referral table${tableName ? ` called ${tableName}` : ''} (tables: ${TableNames.join(', ') || 'none'}). Has \`npm start\` finished starting?`);
    }
    return { dynamodbUrl, tableName };
  } catch (error) {
    if (error instanceof LocalCloudNotReachable) throw error;
    throw new LocalCloudNotReachable(`DynamoDB Local is not answering at ${dynamodbUrl} (${(error as Error).message || (error as Error).name}). Start the local cloud first with \`npm start\`, or set DYNAMODB_PORT to the port it uses.`);
  } finally {
    client.destroy();
  }
}

type ReferralStore = typeof import('../functions/adapters/referral-store.js');

/** One referral in full, through the same store functions the workflow and the portal use. */
async function storeDetails(store: ReferralStore, referral: SeededReferral, defaultAreaId: string): Promise<boolean> {
  const { reference, receivedAt, screening } = referral;
  // Imported with its history: the table stream must not start a workflow for a synthetic past referral.
  const created = await store.createReferral({ reference, submission: referral.submission, now: receivedAt, importedBy: 'npm run seed' });
  if (created.kind !== 'created') return false;
  const at = (offsetMs: number) => new Date(receivedAt.getTime() + offsetMs);
  await store.recordScreening(reference, screening, at(1000));
  if (referral.areaId === undefined) {
    // Kept under the default area, in its coordinator's out-of-area queue, as the workflow keeps it.
    await store.moveReferral(reference, 'OUT_OF_AREA', {
      now: at(2000), actor: 'workflow', set: { areaId: defaultAreaId, ...store.outOfAreaQueueEntry(defaultAreaId, { reference, createdAt: receivedAt.toISOString() }) },
      detail: { keptUnder: defaultAreaId },
    });
    return true;
  }
  const initial = referral.assignments.filter((a) => !a.record.reroutedFrom);
  const rerouted = referral.assignments.filter((a) => a.record.reroutedFrom);
  const routedAt = new Date(initial[0]?.record.assignedAt ?? at(2000).toISOString());
  await store.moveReferral(reference, 'ROUTED', {
    now: routedAt, actor: 'workflow', set: { areaId: referral.areaId },
    detail: { areaId: referral.areaId, teams: initial.map((a) => a.record.teamId) },
    extraItems: initial.map((a) => store.assignmentItem(a.record)),
  });

  const replay = async (assignment: SeededAssignment) => {
    const { teamId } = assignment.record;
    const actor = `user:synthetic-${teamId}.caseworker`;
    for (const step of assignment.steps) {
      const now = step.at;
      if (step.kind === 'NOTIFIED') {
        await store.moveAssignment(reference, teamId, { from: ['ASSIGNED'], to: 'NOTIFIED', now, actor: 'workflow', set: { notifiedAt: now.toISOString() } });
      } else if (step.kind === 'REMINDED') {
        await store.moveAssignment(reference, teamId, { ...reminderAt(now, step.graceEndsAt), now, actor: 'workflow' });
      } else if (step.kind === 'BREACHED') {
        await store.moveAssignment(reference, teamId, { ...breachAt(now), now, actor: 'workflow' });
      } else if (step.kind === 'ACKNOWLEDGED') {
        await store.moveAssignment(reference, teamId, {
          ...acknowledgementAt(now, `synthetic-${teamId}.caseworker`, step.late), now, actor,
          detail: { late: step.late, username: `${teamId}.caseworker` },
        });
      } else {
        await store.moveAssignment(reference, teamId, {
          ...declineAt(now, `synthetic-${teamId}.caseworker`, DECLINE_REASONS[reference.charCodeAt(3) % DECLINE_REASONS.length]!), now, actor,
          detail: { username: `${teamId}.caseworker` },
        });
      }
    }
  };
  // The workflow notifies every team, then waits: the referral is awaiting acknowledgement.
  const firstNotified = initial.flatMap((a) => a.steps.filter((s) => s.kind === 'NOTIFIED').map((s) => s.at.getTime()));
  const awaiting = firstNotified.length > 0;
  if (awaiting) await store.moveReferral(reference, 'AWAITING_ACK', { now: new Date(Math.max(...firstNotified) + 500), actor: 'workflow' });
  for (const assignment of initial) await replay(assignment);
  for (const assignment of rerouted) {
    await store.addAssignment(assignment.record, {
      reference, at: assignment.record.assignedAt, actor: 'workflow', type: 'ASSIGNMENT_REROUTED', teamId: assignment.record.teamId,
      detail: { from: assignment.record.reroutedFrom ?? '' },
    });
    await replay(assignment);
  }
  // Settled once nobody is waited on any more, as the workflow's last step records it.
  const stored = await store.listAssignments(reference);
  const open = stored.some((a) => AWAITED_STATUSES.includes(a.status));
  if (!open && awaiting) {
    const last = Math.max(...referral.assignments.flatMap((a) => a.steps.map((s) => s.at.getTime())));
    await store.moveReferral(reference, settledStatus(stored), { now: new Date(last + 1000), actor: 'workflow' });
  }
  return true;
}

/**
 * Seeds a running local cloud (or any DynamoDB endpoint with the service's table). Sets the table and
 * endpoint in the environment before loading the stores, which read them once as a Lambda does.
 */
export async function seedLocalCloud(options: SeedOptions, target: SeedTarget = {}): Promise<SeedSummary> {
  const log = options.log ?? (() => undefined);
  const now = options.now ?? new Date();
  if (!Number.isInteger(options.referrals) || options.referrals < 1 || options.referrals > 2_000_000) throw new RangeError('--referrals must be a whole number from 1 to 2,000,000');
  if (!Number.isInteger(options.year) || options.year < 2000 || options.year > now.getUTCFullYear()) throw new RangeError(`--year must be from 2000 to ${now.getUTCFullYear()}`);
  const started = performance.now();
  const { dynamodbUrl, tableName } = await resolveTarget(target);
  if (process.env.TABLE_NAME && process.env.TABLE_NAME !== tableName) throw new Error(`TABLE_NAME is ${process.env.TABLE_NAME}, but the stores would need ${tableName}`);
  Object.assign(process.env, {
    TABLE_NAME: tableName, AWS_ENDPOINT_URL_DYNAMODB: dynamodbUrl, AWS_REGION: process.env.AWS_REGION ?? 'eu-west-2',
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local', AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
    // Seeded referrals get their victim keys from the running local cloud's KMS, as the functions do.
    AWS_ENDPOINT_URL_KMS: target.kmsUrl ?? process.env.AWS_ENDPOINT_URL_KMS ?? `http://127.0.0.1:${process.env.KMS_PORT ?? 8006}`,
    VICTIM_KEY_ID: process.env.VICTIM_KEY_ID ?? VICTIM_KEY_ALIAS,
  });
  const { serviceConfig } = await import('../functions/adapters/service-config.js');
  const { englandAndWales } = await import('../functions/domain/working-calendar.js');

  log(`generating ${options.referrals} referrals for ${options.year} (seed ${options.seed})…`);
  const year = syntheticYear({ ...options, now, config: serviceConfig, isHoliday: (day) => englandAndWales.isHoliday(day) });
  const rows = aggregateFacts(year.facts);
  const totals = rollUp(rows);
  const generated = performance.now();

  const throughputStore = await import('../functions/adapters/throughput-store.js');
  // Seeding adds to whatever is there: a year that already has referrals would end up with two years'
  // worth. (Early January may hold the previous year's late acknowledgements: those are not referrals.)
  if (!options.addToExisting) {
    const areaIds = [...serviceConfig.areas.map((a) => a.id), OUT_OF_AREA];
    const existing = await throughputStore.readAggregates(areaIds, coverOf(`${options.year}-01-01`, `${options.year}-12-31`), ['area']);
    if (existing.some((total) => Object.values(total.counts).some((counts) => (counts.received ?? 0) > 0))) {
      throw new YearAlreadySeeded(`${tableName} already has report figures for ${options.year}: seeding it again would add to them. Choose another --year, or start a fresh local cloud (LOCAL_DATA_DIR=<empty folder> npm start).`);
    }
  }
  log(`writing the aggregates of ${year.facts.length} facts (${rows.length} day rows, ${totals.length} span totals) to ${tableName} at ${dynamodbUrl}…`);
  // Through the store, so its layout lives in one place. Its bulk writer keeps no once-only markers
  // (a fact item and a marker per fact would be 200,000 writes more for 100,000 referrals): the guard
  // above is what stops a year being added twice.
  const writes = await throughputStore.addAggregates(totals);
  const aggregated = performance.now();

  let detailed = 0;
  if (options.details > 0) {
    const referralStore = await import('../functions/adapters/referral-store.js');
    // Kept only as long as the service keeps them: a referral past retention is gone to every read.
    const kept = year.referrals.filter((r) => !referralStore.isExpired({ expiresAt: referralStore.expiresAtFor(r.receivedAt) }, now.getTime()));
    const chosen = kept.slice(-options.details);
    if (chosen.length < Math.min(options.details, year.referrals.length)) log(`only ${chosen.length} referral(s) of ${options.year} are within retention: storing those in full`);
    log(`storing ${chosen.length} referrals in full for the portal…`);
    for (const referral of chosen) if (await storeDetails(referralStore, referral, serviceConfig.defaultAreaId)) detailed++;
  }
  const finished = performance.now();
  const secs = (from: number, to: number) => Math.round((to - from) / 100) / 10;
  return {
    year: options.year, seed: options.seed, ...summarise(year, rows), detailed, aggregateWrites: writes,
    seconds: { generate: secs(started, generated), aggregates: secs(generated, aggregated), details: secs(aggregated, finished), total: secs(started, finished) },
  };
}

/* ---------------------------------------------------------------------------------------------------
 * Command line
 * ------------------------------------------------------------------------------------------------- */

const USAGE = 'Usage: npm run seed -- --referrals N [--year YYYY (default: last year)] [--seed 42] [--details 200] [--add-to-existing]';

function parseArgs(args: string[], now: Date): SeedOptions | string {
  const values: Record<string, string> = {};
  let addToExisting = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--add-to-existing') {
      addToExisting = true;
      continue;
    }
    const match = /^--(referrals|year|seed|details)(?:=(.*))?$/.exec(arg);
    if (!match) return `Unknown argument ${arg}\n${USAGE}`;
    const value = match[2] ?? args[++i];
    if (value === undefined) return `${arg} needs a value\n${USAGE}`;
    values[match[1]!] = value;
  }
  const number = (name: string, fallback?: number) => {
    const raw = values[name];
    if (raw === undefined) return fallback;
    const n = Number(raw.replace(/_/g, ''));
    return Number.isInteger(n) && n >= 0 ? n : Number.NaN;
  };
  const referrals = number('referrals');
  if (referrals === undefined) return USAGE;
  const parsed = {
    referrals,
    year: number('year', now.getUTCFullYear() - 1)!,
    seed: number('seed', 42)!,
    details: number('details', 200)!,
  };
  const bad = Object.entries(parsed).find(([, v]) => Number.isNaN(v));
  if (bad) return `--${bad[0]} must be a whole number\n${USAGE}`;
  return { ...parsed, addToExisting };
}

export function printSummary(summary: SeedSummary, print: (line: string) => void = console.log): void {
  const share = (n: number) => `${n} (${((100 * n) / Math.max(1, summary.referrals)).toFixed(1)}%)`;
  print(`seeded ${summary.referrals} synthetic referrals for ${summary.year} (seed ${summary.seed}) in ${summary.seconds.total} s`);
  print(`  by band:   ${Object.entries(summary.byBand).map(([band, n]) => `${band} ${share(n)}`).join(', ')}; out of area ${share(summary.outOfArea)}`);
  print(`  by team:   ${Object.entries(summary.byTeam).sort().map(([team, n]) => `${team} ${n}`).join(', ')} (assignments)`);
  print(`  facts:     ${Object.entries(summary.facts).map(([kind, n]) => `${kind} ${n}`).join(', ')}`);
  print(`  written:   ${summary.aggregateRows} aggregate rows in ${summary.aggregateWrites} writes in ${summary.seconds.aggregates} s; ${summary.detailed} referrals in full in ${summary.seconds.details} s (generated in ${summary.seconds.generate} s)`);
}

async function main(args: string[]): Promise<number> {
  const options = parseArgs(args, new Date());
  if (typeof options === 'string') {
    console.error(options);
    return 2;
  }
  try {
    printSummary(await seedLocalCloud({ ...options, log: (line) => console.log(line) }));
    return 0;
  } catch (error) {
    console.error(error instanceof LocalCloudNotReachable || error instanceof YearAlreadySeeded || error instanceof RangeError ? error.message : error);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
