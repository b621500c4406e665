import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { REDACTED, redactPersonalData, redactText } from '../../functions/platform/log-redaction.js';
import { logger } from '../../functions/platform/observability.js';

afterEach(() => vi.restoreAllMocks());

/** What the shared logger writes for one call, as the text that would reach CloudWatch. */
function written(log: () => void): string {
  const lines: string[] = [];
  const capture = (...args: unknown[]) => { lines.push(args.map(String).join(' ')); };
  // Powertools writes through a Console of its own, made when the logger is: that is where lines go out.
  const out = (logger as unknown as { console: Console }).console;
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) vi.spyOn(out, method).mockImplementation(capture);
  log();
  expect(lines.length).toBeGreaterThan(0);
  return lines.join('\n');
}

describe('log lines', () => {
  it('never carry a victim’s details, even when a whole referral is passed by mistake', () => {
    const victim = { firstName: 'Morwenna', lastName: 'Trevithick', email: 'm.t@example.org', phone: '07700 900123', postcode: 'L1 8JQ', address: '3 Rope Walk' };
    const output = written(() => logger.error('Oops', { reference: 'SR-AAAA-BBBB', submission: { victim }, victim, incident: { description: 'He follows me' } }));
    expect(output).toContain('SR-AAAA-BBBB');
    for (const value of [...Object.values(victim), 'He follows me']) expect(output).not.toContain(value);
  });

  it('never carry details quoted inside a message or an error', () => {
    const output = written(() => logger.error('Could not send to m.t@example.org', { error: new Error('Rejected 07700 900123, (0151) 496 0000 and +44 7700 900456 at L1 8JQ') }));
    for (const value of ['m.t@example.org', '07700 900123', '496 0000', '7700 900456', 'L1 8JQ']) expect(output).not.toContain(value);
    // What kind of error it was is kept: that is what someone on call needs.
    expect(output).toContain('"name":"Error"');
  });

  it('keep references, statuses and team ids as they are', () => {
    for (const value of ['SR-7KQ2-9XMD', 'AWAITING_ACK', 'victim-care', 'housing-support', '2026-11-21T10:00:00.000Z',
      'arn:aws:lambda:eu-west-2:000000000000:function:NotifyTeam0667A0B7', '11366ece-82c3-4bc9-b1ff-f7b5f10a439c']) {
      expect(redactText(value)).toBe(value);
    }
  });

  it('redact any email address or UK mobile number wherever it sits in a string', () => {
    const local = fc.stringMatching(/^[a-z][a-z0-9.]{0,10}[a-z0-9]$/);
    fc.assert(fc.property(fc.string(), local, fc.integer({ min: 0, max: 999_999 }), fc.string(), (before, user, digits, after) => {
      const email = `${user}@example.org`;
      const phone = `07700 ${String(digits).padStart(6, '0')}`;
      const text = redactText(`${before} ${email} ${after} ${phone} ${before}`);
      expect(text).not.toContain(email);
      expect(text).not.toContain(phone);
    }));
  });

  it('redact free text whole, under any key that can hold it, names and addresses inside it included', () => {
    const note = 'Spoke to Oriel at 27 Wildersmoor Terrace; her brother dan marsh answered first.';
    const fields = {
      contactNote: note, outcomeReason: note, note, notes: [note], closure: { kind: 'signposted-elsewhere', reason: note },
      accessNeeds: note, safeTimes: note, victimName: 'oriel marsh', username: 'oriel.marsh', detail: { description: note, declineReason: note },
    };
    const output = written(() => logger.info('Contact attempt recorded', { reference: 'SR-7KQ2-9XMD', ...fields }));
    for (const fragment of ['Oriel', 'Wildersmoor', 'dan marsh', 'oriel']) expect(output).not.toContain(fragment);
    expect(output).toContain('SR-7KQ2-9XMD');
    expect(output).toContain('signposted-elsewhere');
  });

  it('never carry a name or an address quoted inside a message or an error', () => {
    const output = written(() => logger.error('Request failed', {
      error: new Error('Mail refused for Oriel Pennywhistle-Marsh <o.pm@example.org> of Flat 3, 27 Wildersmoor Terrace, Liverpool'),
      detail: 'Could not match "oriel pennywhistle" against PC Thandiwe Brackenridge or mx ellery quint <e.q@example.org>',
    }));
    for (const fragment of ['Oriel', 'Pennywhistle', 'Flat 3', 'Wildersmoor', 'oriel pennywhistle', 'Thandiwe', 'Brackenridge', 'ellery quint']) {
      expect(output).not.toContain(fragment);
    }
    expect(output).toContain('"name":"Error"');
    expect(output).toContain('Mail refused');
  });

  it('keep what on-call needs from a message: identifiers, quoted or not, and our own sentence-case wording', () => {
    for (const value of [
      "Cannot find module 'zod' imported from '/var/task/index.mjs'",
      'The conditional request failed',
      'ConditionalCheckFailedException: The conditional request failed',
      'Task timed out after 29.03 seconds',
      'Workflow not started with the request; the table stream will start it',
      '    at async Promise.all (index 0)',
    ]) {
      expect(redactText(value)).toBe(value);
    }
  });

  it('replace values under personal keys at any depth, but not the keys themselves', () => {
    expect(JSON.parse(JSON.stringify({ a: { b: { lastName: 'Smith', status: 'OK' } } }, redactPersonalData))).toEqual({ a: { b: { lastName: REDACTED, status: 'OK' } } });
  });
});
