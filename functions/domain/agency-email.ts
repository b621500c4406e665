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
 * email leaves our control (forwarding, shared inboxes, scanners).
 */
export function teamAssignmentEmail(input: {
  to: string; reference: string; band: Band; teamName: string; deadline: Deadline; portalUrl: string;
}): AgencyEmail {
  return render(
    input.to,
    `New referral ${input.reference} for ${input.teamName} (${input.band})`,
    [
      `A referral has been assigned to ${input.teamName}.`,
      `Reference: ${input.reference}`,
      `Screening band: ${input.band}`,
      `Please acknowledge it within ${describeDeadline(input.deadline)}.`,
    ],
    referralLink(input.portalUrl, input.reference),
  );
}

export type CoordinatorReason = 'OUT_OF_AREA' | 'WORKFLOW_FAILED';

const COORDINATOR_LINES: Record<CoordinatorReason, { subject: string; line: string }> = {
  OUT_OF_AREA: {
    subject: 'is outside every area we serve',
    line: 'The postcode given is outside every area this service covers, so no team has been assigned. The person has been shown national helplines.',
  },
  WORKFLOW_FAILED: {
    subject: 'could not be routed automatically',
    line: 'A step of the referral workflow failed after retrying. Please check the referral and assign it by hand.',
  },
};

export function coordinatorEmail(input: {
  to: string; reference: string; reason: CoordinatorReason; band?: Band; portalUrl: string;
}): AgencyEmail {
  const wording = COORDINATOR_LINES[input.reason];
  return render(
    input.to,
    `Referral ${input.reference} ${wording.subject}`,
    [
      wording.line,
      `Reference: ${input.reference}`,
      ...(input.band ? [`Screening band: ${input.band}`] : []),
    ],
    referralLink(input.portalUrl, input.reference),
  );
}
