import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  coordinatorEmail, deadlineMissedEmails, escapeHtml, operationsAlert, safeSubject, teamAssignmentEmail, type CoordinatorReason,
} from '../../functions/domain/agency-email.js';
import { BANDS, defaultServiceConfig } from '../../functions/domain/config.js';

const base = {
  to: 'mdvs@merseyside.referrals.example', reference: 'SR-7KQ2-9XMD', band: 'HIGH' as const,
  teamName: 'Stalking Service', deadline: { clockHours: 24 }, portalUrl: 'https://referrals.example/',
};

describe('the email a team receives', () => {
  it('carries the reference, band, team, deadline and a portal link, and nothing else', () => {
    const email = teamAssignmentEmail(base);
    expect(email.subject).toBe('New referral SR-7KQ2-9XMD for Stalking Service');
    expect(email.text).toContain('Screening band: HIGH');
    expect(email.text).toContain('Reference: SR-7KQ2-9XMD');
    expect(email.text).toContain('within 24 hours');
    expect(email.text).toContain('https://referrals.example/portal/referrals/SR-7KQ2-9XMD');
    expect(email.text).toContain('not a clinical risk assessment');
  });

  it('escapes whatever a config or team name holds in its HTML', () => {
    const email = teamAssignmentEmail({ ...base, teamName: '<script>alert(1)</script> & "Co"' });
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('&#60;script&#62;');
  });

  it('never lets a value split the subject header', () => {
    fc.assert(fc.property(fc.string(), fc.string(), (a, b) => {
      const subject = teamAssignmentEmail({ ...base, teamName: `${a}\r\nBcc: someone@example.org${b}` }).subject;
      expect(subject).not.toMatch(/[\r\n]/);
      expect(subject.length).toBeLessThanOrEqual(200);
    }));
  });

  it('escapes every HTML-significant character', () => {
    fc.assert(fc.property(fc.string(), (s) => {
      expect(escapeHtml(s)).not.toMatch(/[<>"']/);
    }));
  });

  it('describes working-day deadlines in words a caseworker reads at a glance', () => {
    expect(teamAssignmentEmail({ ...base, deadline: { workingDays: 1 } }).text).toContain('1 working day.');
    expect(teamAssignmentEmail({ ...base, deadline: { workingDays: 2 } }).text).toContain('2 working days.');
  });
});

describe('the email a coordinator receives', () => {
  it('says why a person is needed, with the reference and no victim details', () => {
    const email = coordinatorEmail({ to: 'coordinator@merseyside.referrals.example', reference: 'SR-7KQ2-9XMD', reason: 'OUT_OF_AREA', portalUrl: 'https://referrals.example' });
    expect(email.subject).toBe('Referral SR-7KQ2-9XMD is outside every area we serve');
    expect(email.text).toContain('national helplines');
  });

  it('says of an out-of-area referral only what happened: nobody asked to make contact, helplines only where the form showed them', () => {
    const email = coordinatorEmail({ to: 'coordinator@merseyside.referrals.example', reference: 'SR-7KQ2-9XMD', reason: 'OUT_OF_AREA', portalUrl: 'https://referrals.example' });
    expect(email.text).toContain('nobody has been asked to contact the person');
    expect(email.text).toContain('If they used the online form');
    expect(email.text).not.toMatch(/has been shown|will (contact|get in touch)/);
  });

  it('strips control characters from subjects', () => {
    expect(safeSubject('a\u0000b\u2028c\n d')).toBe('a b c d');
  });
});

describe('every email to staff', () => {
  // Exhaustive by type: a new reason fails to compile here until it is added, and so is checked too.
  const reasons = Object.keys({
    OUT_OF_AREA: true, WORKFLOW_FAILED: true, ASSIGNMENT_FAILED: true, EMAIL_UNDELIVERABLE: true, DEADLINE_BREACHED: true, NO_TEAM_LEFT: true,
  } satisfies Record<CoordinatorReason, true>) as CoordinatorReason[];
  const teamNames = defaultServiceConfig.areas.flatMap((area) => area.teams.map((team) => team.name));

  it('keeps the band out of its subject, which lock screens and previews show, and in its body', () => {
    fc.assert(fc.property(fc.constantFrom(...BANDS), fc.constantFrom(...teamNames), fc.constantFrom(...reasons), (band, teamName, reason) => {
      const deadlineAt = '2026-11-18T10:00:00.000Z';
      const missed = deadlineMissedEmails({
        teamEmail: 'team@example.org', dutyManagerEmail: 'duty@example.org', reference: 'SR-7KQ2-9XMD', band, teamName,
        deadlineAt, graceEndsAt: '2026-11-18T16:00:00.000Z', portalUrl: 'https://referrals.example',
      });
      const emails = [
        teamAssignmentEmail({ ...base, band, teamName, deadlineAt }),
        missed.reminder, missed.dutyManager,
        coordinatorEmail({ to: 'coordinator@example.org', reference: 'SR-7KQ2-9XMD', reason, band, teamName, portalUrl: 'https://referrals.example' }),
      ];
      for (const email of emails) {
        expect(email.subject).not.toMatch(/high|medium|standard/i);
        expect(email.text).toContain(`Screening band: ${band}`);
      }
      expect(operationsAlert({ reference: 'SR-7KQ2-9XMD', reason, teamId: 'mdvs' }).subject).not.toMatch(/high|medium|standard/i);
    }));
  });
});
