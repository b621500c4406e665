import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultServiceConfig } from '../../functions/domain/config.js';
import { parseReferral } from '../../functions/domain/referral.js';
import { ASSIGNMENT_STATUSES, type AssignmentRecord, type AssignmentStatus } from '../../functions/domain/referral-record.js';
import {
  factorText, historyRows, inboxAssignments, inboxCounts, INBOX_FILTERS, isOverdue, referralSections, safeContact,
} from '../../functions/portal/views.js';

const NOW = new Date('2026-11-18T10:00:00Z'); // a Wednesday, 10:00 in London

function assignment(status: AssignmentStatus, deadlineAt: string | undefined, reference = 'SR-AAAA-BBBB'): AssignmentRecord {
  return { reference, teamId: 'mdvs', areaId: 'merseyside', band: 'HIGH', reason: 'test', status, assignedAt: '2026-11-17T09:00:00Z', deadlineAt };
}

const submission = () => {
  const body = JSON.parse(readFileSync(path.join(import.meta.dirname, '../fixtures/referral.json'), 'utf8')) as { victim: Record<string, unknown> };
  body.victim.safeContact = { methods: ['text'], safeTimes: 'Weekdays 10am to 2pm', voicemailOk: false };
  body.victim.phone = '07700900123';
  const parsed = parseReferral(body, NOW);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.referral;
};

describe('the inbox', () => {
  it('counts new, due today and overdue work', () => {
    const counts = inboxCounts([
      assignment('NOTIFIED', '2026-11-18T16:00:00Z', 'SR-AAAA-AAAA'), // new, due today
      assignment('NOTIFIED', '2026-11-20T16:00:00Z', 'SR-AAAA-BBBB'), // new
      assignment('REMINDED', '2026-11-18T09:00:00Z', 'SR-AAAA-CCCC'), // overdue
      assignment('BREACHED', '2026-11-17T09:00:00Z', 'SR-AAAA-DDDD'), // overdue
      assignment('ACKNOWLEDGED', '2026-11-18T09:00:00Z', 'SR-AAAA-EEEE'), // done: none of them
      assignment('DECLINED', '2026-11-18T12:00:00Z', 'SR-AAAA-FFFF'),
    ], NOW);
    expect(counts).toEqual({ fresh: 2, dueToday: 1, overdue: 2 });
  });

  it('counts a deadline at 23:30 London time on a BST day as due that day, not the next', () => {
    const summer = new Date('2026-07-01T08:00:00Z');
    expect(inboxCounts([assignment('NOTIFIED', '2026-07-01T22:30:00Z')], summer).dueToday).toBe(1);
    expect(inboxCounts([assignment('NOTIFIED', '2026-07-01T23:30:00Z')], summer).dueToday).toBe(0);
  });

  it('never calls acknowledged, declined or re-assigned work overdue, whatever its deadline', () => {
    for (const status of ['ACKNOWLEDGED', 'DECLINED', 'REASSIGNED'] as const) {
      expect(isOverdue(assignment(status, '2020-01-01T00:00:00Z'), NOW)).toBe(false);
    }
    // At the deadline's own instant an acknowledgement is in time (isLate is strict), so nothing is overdue yet.
    expect(isOverdue(assignment('NOTIFIED', NOW.toISOString()), NOW)).toBe(false);
    expect(isOverdue(assignment('NOTIFIED', new Date(NOW.getTime() - 1).toISOString()), NOW)).toBe(true);
  });

  it('shows every filter soonest deadline first, and only what the filter asks for', () => {
    const arbitraryAssignment = fc.record({
      status: fc.constantFrom(...ASSIGNMENT_STATUSES),
      deadline: fc.integer({ min: Date.parse('2026-01-01'), max: Date.parse('2027-01-01') }),
      n: fc.integer({ min: 0, max: 9999 }),
    }).map(({ status, deadline, n }) => assignment(status, new Date(deadline).toISOString(), `SR-AAAA-${String(n).padStart(4, '0').replace(/[01]/g, 'X')}`));
    fc.assert(fc.property(fc.array(arbitraryAssignment, { maxLength: 30 }), fc.constantFrom(...INBOX_FILTERS), (all, filter) => {
      const shown = inboxAssignments(all, filter);
      for (let i = 1; i < shown.length; i += 1) expect(shown[i - 1]!.deadlineAt! <= shown[i]!.deadlineAt!).toBe(true);
      for (const a of shown) {
        expect(a.status).not.toBe('ASSIGNED');
        if (filter === 'open') expect(['NOTIFIED', 'REMINDED', 'ESCALATED', 'BREACHED']).toContain(a.status);
        else if (filter !== 'all') expect(a.status).toBe(filter);
      }
      expect(shown.length).toBe(all.filter((a) => a.status !== 'ASSIGNED' && (filter === 'all'
        || (filter === 'open' ? ['NOTIFIED', 'REMINDED', 'ESCALATED', 'BREACHED'].includes(a.status) : a.status === filter))).length);
    }));
  });
});

describe('the referral page', () => {
  it('states the safe-contact instructions plainly, voicemail included', () => {
    const { lines } = safeContact(submission());
    expect(lines[0]).toBe('Contact only by: Text message. Do not use any other way.');
    expect(lines).toContain('Safe times: Weekdays 10am to 2pm.');
    expect(lines).toContain('Do not leave a voicemail or a message with anyone else.');
  });

  it('says when no safe time was given rather than leaving it out', () => {
    const referral = submission();
    const { lines } = safeContact({ ...referral, victim: { ...referral.victim, safeContact: { methods: ['phone'], voicemailOk: true } } });
    expect(lines.join(' ')).toMatch(/No safe times given/);
    expect(lines).toContain('A voicemail may be left.');
  });

  it('puts every detail the victim gave in a section', () => {
    const referral = submission();
    const values = referralSections(referral).flatMap((section) => section.rows.map((row) => row.value.text));
    for (const value of [referral.victim.firstName, referral.victim.lastName, referral.victim.postcode, referral.incident.description]) {
      expect(values.some((v) => v.includes(value))).toBe(true);
    }
  });

  it('explains each screening factor in words', () => {
    expect(factorText('immediate-danger')).toBe('Said to be in danger now');
    expect(factorText('red-flag:threatsToKill')).toBe('Red flag: Threats to kill');
    expect(factorText('yes-count:7')).toBe('7 risk questions answered yes');
  });

  it('shows the history newest first, with who did what', () => {
    const rows = historyRows(defaultServiceConfig, [
      { reference: 'SR-AAAA-BBBB', at: '2026-11-18T09:00:00Z', actor: 'workflow', type: 'STATUS_CHANGED', from: 'RECEIVED', to: 'SCREENED' },
      { reference: 'SR-AAAA-BBBB', at: '2026-11-18T09:30:00Z', actor: 'user:abc', type: 'PERSONAL_DETAILS_VIEWED', detail: { username: 'mdvs.caseworker' } },
      { reference: 'SR-AAAA-BBBB', at: '2026-11-18T09:40:00Z', actor: 'user:abc', type: 'ASSIGNMENT_STATUS_CHANGED', teamId: 'mdvs', from: 'NOTIFIED', to: 'DECLINED', detail: { username: 'mdvs.caseworker' } },
    ]);
    expect(rows.map((r) => r.who)).toEqual(['mdvs.caseworker', 'mdvs.caseworker', 'The service']);
    expect(rows[0]!.what).toContain('NOTIFIED → DECLINED');
    expect(rows[1]!.what).toBe('Details viewed');
  });

  it('says when a re-routed referral kept the sooner deadline of the team that declined it', () => {
    const [row] = historyRows(defaultServiceConfig, [
      { reference: 'SR-AAAA-BBBB', at: '2026-11-18T09:41:00Z', actor: 'workflow', type: 'ASSIGNMENT_REROUTED', teamId: 'victim-care', detail: { from: 'mdvs', deadlineCarriedFrom: 'mdvs' } },
    ]);
    expect(row!.what).toBe('Re-routed after a decline (Victim Care Merseyside) (kept the sooner deadline of Merseyside Domestic Violence and Stalking Service)');
  });
});
