import type { Band, Deadline } from './config.js';

/** An email about a referral, as sent to a team, a duty manager or a coordinator. */
export interface AgencyEmail {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

const SCREENING_NOTE = 'The band is from a screening aid, not a clinical risk assessment.';

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Header lines cannot be split by a value: CR, LF and other controls are dropped, length is capped. */
export function safeSubject(value: string): string {
  return value.replace(/[\u0000-\u001F\u007F\u2028\u2029]/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200);
}

export function describeDeadline(deadline: Deadline): string {
  if ('clockHours' in deadline) return `${deadline.clockHours} hours`;
  if ('workingDays' in deadline) return deadline.workingDays === 1 ? '1 working day' : `${deadline.workingDays} working days`;
  return `${deadline.seconds} seconds`;
}

/** Deadlines are shown as a caseworker in England reads a clock: London time, with the day. */
export function londonTime(at: Date | string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/London', weekday: 'short', day: 'numeric', month: 'short', year: 'numeric',
    hour: '2-digit', minute: '2-digit', hour12: false, timeZoneName: 'short',
  }).format(typeof at === 'string' ? new Date(at) : at);
}

export function referralLink(portalUrl: string, reference: string): string {
  return `${portalUrl.replace(/\/+$/, '')}/portal/referrals/${encodeURIComponent(reference)}`;
}

function render(to: string, subject: string, lines: string[], link: string): AgencyEmail {
  const text = [...lines, '', `Sign in to read it: ${link}`, '', SCREENING_NOTE].join('\n');
  const html = [
    ...lines.map((line) => `<p>${escapeHtml(line)}</p>`),
    `<p><a href="${escapeHtml(link)}">Sign in to read the referral</a></p>`,
    `<p><small>${escapeHtml(SCREENING_NOTE)}</small></p>`,
  ].join('\n');
  return { to, subject: safeSubject(subject), text, html };
}

/**
 * SPEC §6: reference, band, team, deadline and a portal link — nothing about the victim, because
 * email leaves our control (forwarding, shared inboxes, scanners). The band is in the body only.
 */
export function teamAssignmentEmail(input: {
  to: string; reference: string; band: Band; teamName: string; deadline: Deadline; deadlineAt?: string; portalUrl: string;
}): AgencyEmail {
  return render(
    input.to,
    // No band here (SPEC §6): subjects are read on lock screens and in previews, over shoulders.
    `New referral ${input.reference} for ${input.teamName}`,
    [
      `A referral has been assigned to ${input.teamName}.`,
      `Reference: ${input.reference}`,
      `Screening band: ${input.band}`,
      input.deadlineAt
        ? `Please acknowledge it by ${londonTime(input.deadlineAt)} (within ${describeDeadline(input.deadline)}).`
        : `Please acknowledge it within ${describeDeadline(input.deadline)}.`,
    ],
    referralLink(input.portalUrl, input.reference),
  );
}

/** The deadline has passed: the team is reminded and its duty manager told, with the grace period's end. */
export function deadlineMissedEmails(input: {
  teamEmail: string; dutyManagerEmail: string; reference: string; band: Band; teamName: string;
  deadlineAt: string; graceEndsAt: string; portalUrl: string;
}): { reminder: AgencyEmail; dutyManager: AgencyEmail } {
  const link = referralLink(input.portalUrl, input.reference);
  const facts = [
    `Reference: ${input.reference}`,
    `Screening band: ${input.band}`,
    `Deadline was: ${londonTime(input.deadlineAt)}`,
    `It will be recorded as breached at ${londonTime(input.graceEndsAt)} unless it is acknowledged before then.`,
  ];
  return {
    reminder: render(input.teamEmail, `Reminder: referral ${input.reference} is past its deadline`, [
      `${input.teamName} has not yet acknowledged this referral and its deadline has passed.`, ...facts,
    ], link),
    dutyManager: render(input.dutyManagerEmail, `Duty manager: referral ${input.reference} missed its deadline at ${input.teamName}`, [
      `A referral assigned to ${input.teamName} was not acknowledged by its deadline. The team has been reminded.`, ...facts,
    ], link),
  };
}

export type CoordinatorReason = 'OUT_OF_AREA' | 'WORKFLOW_FAILED' | 'ASSIGNMENT_FAILED' | 'EMAIL_UNDELIVERABLE' | 'DEADLINE_BREACHED' | 'NO_TEAM_LEFT';

const COORDINATOR_LINES: Record<CoordinatorReason, { subject: string; line: string }> = {
  OUT_OF_AREA: {
    subject: 'is outside every area we serve',
    // Only what happened: the API shows the person nothing; the online form shows the national options only.
    line: 'The postcode given is outside every area this service covers, so no team has been assigned and nobody has been asked to contact the person. '
      + 'If they used the online form, it gave them the national helplines (National Stalking Helpline, Victim Support, 999 and 101) and told them not to wait to hear from us.',
  },
  WORKFLOW_FAILED: {
    subject: 'could not be routed automatically',
    line: 'A step of the referral workflow failed after retrying. Please check the referral and assign it by hand.',
  },
  ASSIGNMENT_FAILED: {
    subject: 'needs a person: one team could not be followed up',
    line: 'A step in following up this referral with one team failed after retrying, so its deadline is no longer being tracked automatically. Please check that the team has it.',
  },
  EMAIL_UNDELIVERABLE: {
    subject: 'needs a person: a team could not be emailed',
    line: 'Email to this team could not be delivered (the address was refused, bounced or complained of), so the team may not know it has this referral. Please make sure the team has it, and check the team’s address.',
  },
  DEADLINE_BREACHED: {
    subject: 'was not acknowledged in time',
    line: 'A team did not acknowledge this referral by its deadline or within the grace period after the reminder. It is recorded as breached.',
  },
  NO_TEAM_LEFT: {
    subject: 'has no team left to take it',
    line: 'Every team this referral could go to has declined it. Please decide who takes it on.',
  },
};

export function coordinatorEmail(input: {
  to: string; reference: string; reason: CoordinatorReason; band?: Band; teamName?: string; portalUrl: string;
}): AgencyEmail {
  const wording = COORDINATOR_LINES[input.reason];
  return render(
    input.to,
    `Referral ${input.reference} ${wording.subject}`,
    [
      wording.line,
      `Reference: ${input.reference}`,
      ...(input.band ? [`Screening band: ${input.band}`] : []),
      ...(input.teamName ? [`Team: ${input.teamName}`] : []),
    ],
    referralLink(input.portalUrl, input.reference),
  );
}

/**
 * What the operations topic is told when something broke: enough to find it (reference, team, what
 * failed), nothing about the person. Short: SNS email subjects are capped at 100 characters.
 */
export function operationsAlert(input: { reference: string; reason: CoordinatorReason; teamId?: string; error?: string }): { subject: string; lines: string[] } {
  const wording = COORDINATOR_LINES[input.reason];
  return {
    subject: safeSubject(`Referral service alert: ${input.reason} for ${input.reference}`).slice(0, 99),
    lines: [
      wording.line,
      `Reference: ${input.reference}`,
      ...(input.teamId ? [`Team: ${input.teamId}`] : []),
      ...(input.error ? [`Error: ${safeSubject(input.error)}`] : []),
      'The coordinator has been told as well.',
    ],
  };
}
