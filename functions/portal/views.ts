import { londonTime } from '../domain/agency-email.js';
import type { Band, ServiceConfig } from '../domain/config.js';
import { CONTACT_METHOD_WORDS, OUTCOME_WORDS, type ContactAttempt } from '../domain/contact-and-outcome.js';
import { locateTeam } from '../domain/config.js';
import { RISK_FACTOR_IDS, RISK_FACTOR_LABELS, type ReferralSubmission, type RiskFactorId } from '../domain/referral.js';
import { OPEN_ASSIGNMENT_STATUSES, type AssignmentRecord, type AssignmentStatus, type ReferralEvent } from '../domain/referral-record.js';
import type { ScreeningResult } from '../domain/screening.js';
import { isOverdue } from '../domain/assignment-progress.js';
import { matchesInboxSearch, NO_SEARCH, type InboxSearch } from '../domain/inbox-search.js';
import { inboxOrder } from '../domain/urgency.js';

/**
 * What the portal's pages show, worked out from records alone: no AWS calls, so every rule about what
 * a caseworker sees (and what counts as overdue) is tested without a cloud.
 */

const LONDON_DAY = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' });
const londonDay = (at: Date | string) => LONDON_DAY.format(typeof at === 'string' ? new Date(at) : at);

export const isOpen = (a: Pick<AssignmentRecord, 'status'>) => OPEN_ASSIGNMENT_STATUSES.includes(a.status);

export { isOverdue };

export interface InboxCounts {
  /** Told about it, not yet acknowledged or declined, and not yet overdue. */
  readonly fresh: number;
  /** Open with a deadline later today (London). */
  readonly dueToday: number;
  readonly overdue: number;
}

export function inboxCounts(assignments: readonly AssignmentRecord[], now: Date): InboxCounts {
  const today = londonDay(now);
  let fresh = 0;
  let dueToday = 0;
  let overdue = 0;
  for (const a of assignments) {
    if (isOverdue(a, now)) overdue += 1;
    else if (isOpen(a)) {
      if (a.status === 'NOTIFIED') fresh += 1;
      if (a.deadlineAt !== undefined && londonDay(a.deadlineAt) === today) dueToday += 1;
    }
  }
  return { fresh, dueToday, overdue };
}

/** The inbox's filter: open work by default, or one status, or everything. */
export const INBOX_FILTERS = ['open', 'all', 'NOTIFIED', 'REMINDED', 'ESCALATED', 'BREACHED', 'ACKNOWLEDGED', 'DECLINED', 'REASSIGNED'] as const;
export type InboxFilter = typeof INBOX_FILTERS[number];

export function parseInboxFilter(value: string | undefined): InboxFilter {
  return (INBOX_FILTERS as readonly string[]).includes(value ?? '') ? value as InboxFilter : 'open';
}

/**
 * Assignments an inbox shows for a filter and a search, in the one order of every list (SPEC §4):
 * soonest deadline first (overdue ones first of all), then the higher band, then the first received.
 */
export function inboxAssignments<T extends AssignmentRecord>(assignments: readonly T[], filter: InboxFilter, search: InboxSearch = NO_SEARCH): T[] {
  const shown = assignments.filter((a) => a.status !== 'ASSIGNED' && (
    filter === 'all' || (filter === 'open' ? isOpen(a) || a.status === 'BREACHED' : a.status === filter)) && matchesInboxSearch(a, search));
  return [...shown].sort(inboxOrder);
}

const STATUS_WORDS: Record<AssignmentStatus, { text: string; colour: string }> = {
  ASSIGNED: { text: 'Being sent', colour: 'grey' },
  NOTIFIED: { text: 'New', colour: 'blue' },
  REMINDED: { text: 'Reminded', colour: 'orange' },
  ESCALATED: { text: 'Escalated', colour: 'orange' },
  BREACHED: { text: 'Deadline missed', colour: 'red' },
  ACKNOWLEDGED: { text: 'Acknowledged', colour: 'green' },
  DECLINED: { text: 'Declined', colour: 'grey' },
  REASSIGNED: { text: 'Re-assigned', colour: 'grey' },
};

export function statusTag(status: AssignmentStatus): { text: string; classes: string } {
  const words = STATUS_WORDS[status];
  return { text: words.text, classes: `govuk-tag--${words.colour}` };
}

export const BAND_TAG: Record<Band, { text: string; classes: string }> = {
  HIGH: { text: 'High', classes: 'govuk-tag--red' },
  MEDIUM: { text: 'Medium', classes: 'govuk-tag--yellow' },
  STANDARD: { text: 'Standard', classes: 'govuk-tag--grey' },
};

export const teamName = (config: ServiceConfig, teamId: string) => locateTeam(config, teamId)?.team.name ?? teamId;

export interface InboxRow {
  readonly reference: string;
  readonly teamId: string;
  readonly teamName: string;
  readonly band: { text: string; classes: string };
  readonly status: { text: string; classes: string };
  readonly deadline: string;
  readonly overdue: boolean;
  readonly late: boolean;
  /** The referral said the person was in danger when referred: flagged in words, not by colour alone. */
  readonly inDangerNow: boolean;
}

export function inboxRow(config: ServiceConfig, a: AssignmentRecord, now: Date): InboxRow {
  return {
    reference: a.reference, teamId: a.teamId, teamName: teamName(config, a.teamId),
    band: BAND_TAG[a.band], status: statusTag(a.status),
    deadline: a.deadlineAt ? londonTime(a.deadlineAt) : 'Not set', overdue: isOverdue(a, now), late: a.late === true,
    inDangerNow: a.immediateDanger === true,
  };
}


/** Why the band is what it is, in words, from the screening's stable factor codes. */
export function factorText(factor: string): string {
  if (factor === 'immediate-danger') return 'Said to be in danger now';
  if (factor.startsWith('red-flag:')) return `Red flag: ${RISK_FACTOR_LABELS[factor.slice(9) as RiskFactorId] ?? factor.slice(9)}`;
  if (factor.startsWith('yes-count:')) return `${factor.slice(10)} risk questions answered yes`;
  if (factor === 'very-frightened-former-partner') return 'Very frightened of a partner or former partner';
  if (factor === 'repeat-referral') return 'Referred before (repeat referral)';
  if (factor === 'professional-judgement') return 'Raised by the referring professional';
  return factor;
}

const METHOD_WORDS: Record<string, string> = {
  phone: 'Phone call', text: 'Text message', email: 'Email', letter: 'Letter', 'through-referrer': 'Only through the referrer',
};

/**
 * The safe-contact instructions, stated so they cannot be missed: a caseworker who calls a number the
 * victim did not mark safe can put them in danger.
 */
export function safeContact(submission: ReferralSubmission): { methods: string[]; lines: string[]; voicemailOk: boolean } {
  const { methods, safeTimes, voicemailOk } = submission.victim.safeContact;
  const lines = [
    `Contact only by: ${methods.map((m) => METHOD_WORDS[m] ?? m).join(', ')}. Do not use any other way.`,
    safeTimes ? `Safe times: ${safeTimes}.` : 'No safe times given: if you are unsure it is safe, do not make contact.',
    voicemailOk ? 'A voicemail may be left.' : 'Do not leave a voicemail or a message with anyone else.',
    'If someone else answers or it does not feel safe, end the contact without saying who you are.',
  ];
  return { methods: methods.map((m) => METHOD_WORDS[m] ?? m), lines, voicemailOk };
}

type Row = { key: { text: string }; value: { text: string } };
const row = (key: string, value: string | undefined | null): Row[] => (value === undefined || value === null || value === '' ? [] : [{ key: { text: key }, value: { text: value } }]);
const yesNo = (value: boolean | undefined) => (value === undefined ? undefined : value ? 'Yes' : 'No');
const words = (value: string) => value.replace(/-/g, ' ').replace(/^./, (c) => c.toUpperCase());
const day = (iso: string | undefined) => (iso ? new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${iso}T00:00:00Z`)) : undefined);

/** Everything the victim or referrer gave, in sections for summary lists. */
export function referralSections(submission: ReferralSubmission): { heading: string; rows: Row[] }[] {
  const { victim, incident, housing, referrer, personResponsible, needs, helper } = submission;
  return [
    {
      heading: 'The person referred',
      rows: [
        ...row('Name', `${victim.firstName} ${victim.lastName}`),
        ...row('Date of birth', day(victim.dateOfBirth)),
        ...row('Phone', victim.phone),
        ...row('Mobile (for texts)', victim.mobile),
        ...row('Email', victim.email),
        ...row('Address', victim.address),
        ...row('Postcode', victim.postcode),
        ...row('In danger now (when referred)', yesNo(submission.immediateDanger)),
        ...row('Wants updates by email', submission.updates ? yesNo(submission.updates.byEmail) : undefined),
      ],
    },
    {
      heading: 'Language, access and household',
      rows: [
        ...row('Preferred language', needs?.language),
        ...row('Needs an interpreter', yesNo(needs?.interpreter)),
        ...row('Communication or access needs', needs?.accessNeeds),
        ...row('Children in the household', yesNo(needs?.childrenInHousehold)),
      ],
    },
    {
      heading: 'What has been happening',
      rows: [
        ...row('Who is doing it', words(incident.relationship)),
        ...row('What they have done', incident.behaviours.map(words).join(', ')),
        ...row('How often', words(incident.frequency)),
        ...row('Roughly how many times', incident.timesCount?.toString()),
        ...row('First happened', day(incident.firstDate)),
        ...row('Last happened', day(incident.latestDate)),
        ...row('In their words', incident.description),
        ...row('Reported to police', yesNo(incident.reportedToPolice)),
        ...row('Crime reference', incident.crimeReference),
        ...row('Officer', incident.officer),
      ],
    },
    {
      heading: 'The person responsible',
      rows: [
        ...row('Name', personResponsible?.name),
        ...row('Description', personResponsible?.description),
        ...row('Lives nearby', personResponsible?.livesNearby === 'unsure' ? 'Not sure' : personResponsible?.livesNearby && words(personResponsible.livesNearby)),
      ],
    },
    {
      heading: 'Home',
      rows: [
        ...row('Where they live', words(housing.tenure)),
        ...row('Unsafe at home', yesNo(housing.unsafeAtHome)),
        ...row('Person knows the address', yesNo(housing.personKnowsAddress)),
        ...row('Wants help with housing', yesNo(housing.needsSupport)),
        ...row('Property damaged at home', yesNo(housing.propertyDamagedAtHome)),
      ],
    },
    {
      heading: 'Referred by',
      rows: submission.source === 'self' || !referrer
        ? helper
          ? [...row('Source', 'Self-referral, filled in by someone helping them'), ...row('Helper is their', helper.relationship)]
          : row('Source', 'Self-referral (the person themselves)')
        : [
          ...row('Source', submission.source === 'police' ? 'Police' : 'Another agency'),
          ...row('Name', referrer.name),
          ...row('Organisation', referrer.organisation),
          ...row('Role', referrer.role),
          ...row('Collar number', referrer.collarNumber),
          ...row('Email', referrer.email),
          ...row('Phone', referrer.phone),
          ...row('Raised the band to', referrer.raiseBandTo),
          ...row('Why', referrer.raiseReason),
        ],
    },
  ];
}

/** The risk answers in the one order the factors have everywhere, whatever order they were stored in. */
export function riskRows(submission: ReferralSubmission): Row[] {
  return RISK_FACTOR_IDS.map((id) => {
    const answer = submission.riskAnswers[id];
    return { key: { text: RISK_FACTOR_LABELS[id] }, value: { text: answer === 'unsure' ? 'Not sure' : words(answer) } };
  });
}

export function screeningView(screening: ScreeningResult | undefined): { band: { text: string; classes: string } | undefined; factors: string[] } {
  return { band: screening ? BAND_TAG[screening.band] : undefined, factors: (screening?.factors ?? []).map(factorText) };
}

const EVENT_WORDS: Record<string, string> = {
  REFERRAL_RECEIVED: 'Referral received',
  STATUS_CHANGED: 'Referral status changed',
  ASSIGNMENT_CREATED: 'Assigned to a team',
  ASSIGNMENT_STATUS_CHANGED: 'Assignment status changed',
  ASSIGNMENT_REROUTED: 'Re-routed after a decline',
  ASSIGNMENT_REASSIGNED: 'Re-assigned by a coordinator',
  PERSONAL_DETAILS_VIEWED: 'Details viewed',
  NOTICE_SENT: 'Email sent',
  VICTIM_EMAIL_UNDELIVERABLE: 'The victim\u2019s email address did not accept an update: check it before using it',
  WORKFLOW_FAILED: 'Workflow step failed',
  EMAIL_UNDELIVERABLE: 'Email to the team could not be delivered',
  PERSONAL_DATA_ERASED: 'Personal details erased on request',
  CONTACT_ATTEMPT_RECORDED: 'Contact attempt recorded',
  OUTCOME_RECORDED: 'Outcome recorded',
};

/** A referral in the out-of-area queue: what the coordinator needs to choose which to open first. */
export interface OutOfAreaRow {
  readonly reference: string;
  readonly received: string;
  readonly band: { text: string; classes: string } | undefined;
  readonly dangerNow: boolean;
}

export function outOfAreaRow(referral: { reference: string; createdAt: string; screening?: ScreeningResult; submission: Pick<ReferralSubmission, 'immediateDanger'> }): OutOfAreaRow {
  return {
    reference: referral.reference,
    received: londonTime(referral.createdAt),
    band: referral.screening ? BAND_TAG[referral.screening.band] : undefined,
    dangerNow: referral.submission.immediateDanger === true,
  };
}

/** The audit trail, newest first: who, when, what, previous → next. */
export function historyRows(config: ServiceConfig, events: readonly ReferralEvent[]): { when: string; who: string; what: string }[] {
  return [...events].sort((a, b) => b.at.localeCompare(a.at)).map((e) => {
    const detail = e.detail ?? {};
    const who = typeof detail.username === 'string' ? detail.username : e.actor.startsWith('user:') ? 'A signed-in user' : 'The service';
    const parts = [EVENT_WORDS[e.type] ?? words(e.type.toLowerCase())];
    if (e.teamId) parts.push(`(${teamName(config, e.teamId)})`);
    if (e.from || e.to) parts.push(`${e.from ?? '–'} → ${e.to ?? '–'}`);
    if (typeof detail.reason === 'string') parts.push(`Reason: ${detail.reason}`);
    if (detail.late === true) parts.push('(late)');
    if (typeof detail.notice === 'string') parts.push(`(${detail.notice})`);
    if (typeof detail.deadlineCarriedFrom === 'string') parts.push(`(kept the sooner deadline of ${teamName(config, detail.deadlineCarriedFrom)})`);
    if (e.type === 'CONTACT_ATTEMPT_RECORDED') parts.push(attemptWords(detail));
    return { when: londonTime(e.at), who, what: parts.join(' ') };
  });
}

type AttemptFacts = Partial<Pick<ContactAttempt, 'method' | 'reached'>> & { attemptAt?: unknown; at?: unknown };
/** One attempt in words: how, whether the person was reached, and when (the note is shown beside it, never here). */
function attemptWords(attempt: AttemptFacts | Record<string, unknown>): string {
  const method = CONTACT_METHOD_WORDS[attempt.method as ContactAttempt['method']] ?? 'Another way';
  const when = typeof attempt.attemptAt === 'string' ? attempt.attemptAt : typeof attempt.at === 'string' ? attempt.at : undefined;
  return `${method}, ${attempt.reached === true ? 'reached the person' : 'did not reach the person'}${when ? `, ${londonTime(when)}` : ''}`;
}

/** A team's attempts to reach the person, oldest first, for the table on the referral page (with their notes). */
export function attemptRows(attempts: readonly ContactAttempt[], teamId: string): { when: string; how: string; reached: string; note: string }[] {
  return attempts.filter((a) => a.teamId === teamId).map((a) => ({
    when: londonTime(a.at), how: CONTACT_METHOD_WORDS[a.method] ?? a.method, reached: a.reached ? 'Yes' : 'No', note: a.note ?? '',
  }));
}

/** The outcome rows of an assignment's summary, once its team has recorded them. */
export function outcomeRows(a: AssignmentRecord): Row[] {
  return [
    ...(a.firstContactAt ? [{ key: { text: 'First reached the person' }, value: { text: londonTime(a.firstContactAt) } }] : []),
    ...(a.outcome ? [
      { key: { text: 'Outcome' }, value: { text: `${OUTCOME_WORDS[a.outcome]}${a.outcomeAt ? ` (${londonTime(a.outcomeAt)})` : ''}` } },
      ...(a.outcomeReason ? [{ key: { text: 'Outcome reason' }, value: { text: a.outcomeReason } }] : []),
    ] : []),
  ];
}
