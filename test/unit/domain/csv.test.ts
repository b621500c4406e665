import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csv, csvField, reportCsv, TOTAL } from '../../../functions/domain/csv.js';
import { CONFIDENTIAL, SMALL } from '../../../functions/domain/suppression.js';
import { ALL_TEAMS, REFERRAL_LEVEL, rollUp, throughputReport, type AggregateRow } from '../../../functions/domain/throughput.js';

/** A strict RFC 4180 reader, to check what a spreadsheet would see. */
function parse(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"' && field === '') {
      i++;
      for (;;) {
        if (i >= text.length) throw new Error('unterminated quote');
        if (text[i] === '"' && text[i + 1] === '"') { field += '"'; i += 2; continue; }
        if (text[i] === '"') { i++; break; }
        field += text[i++];
      }
      if (i < text.length && text[i] !== ',' && !text.startsWith('\r\n', i)) throw new Error(`text after a closing quote at ${i}`);
    } else if (text[i] === ',') {
      record.push(field); field = ''; i++;
    } else if (text.startsWith('\r\n', i)) {
      record.push(field); records.push(record); record = []; field = ''; i += 2;
    } else {
      if (text[i] === '"' || text[i] === '\r' || text[i] === '\n') throw new Error(`bare ${JSON.stringify(text[i])} at ${i}`);
      field += text[i++];
    }
  }
  if (field !== '' || record.length) throw new Error('the last record has no CRLF');
  return records;
}

describe('CSV fields', () => {
  it.each([
    ['plain text as it is', 'mdvs', 'mdvs'],
    ['a comma inside quotes', 'Merseyside, north', '"Merseyside, north"'],
    ['a quote doubled, inside quotes', 'the "duty" team', '"the ""duty"" team"'],
    ['a line break inside quotes', 'two\r\nlines', '"two\r\nlines"'],
    ['a bare line feed inside quotes', 'two\nlines', '"two\nlines"'],
  ])('writes %s', (_name, value, expected) => {
    expect(csvField(value)).toBe(expected);
  });

  it.each(['=HYPERLINK("http://example.test","click")', '+44 151', '-1+2', '@SUM(A1)', '\tlead', '\rlead'])(
    'keeps a spreadsheet from running %j as a formula',
    (value) => {
      const [[field]] = parse(`${csvField(value)}\r\n`) as [[string]];
      expect(field).toBe(`'${value}`);
    },
  );

  it('writes numbers as numbers and nothing as an empty field', () => {
    expect([csvField(0), csvField(12.5), csvField(null), csvField(undefined)]).toEqual(['0', '12.5', '', '']);
    expect(() => csvField(Number.NaN)).toThrow(RangeError);
  });

  it('ends every record with CRLF, the last one too', () => {
    expect(csv([['a', 'b'], [1, null]])).toBe('a,b\r\n1,\r\n');
  });

  it('reads back every field it writes, a formula only with its leading quote', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'Z', ' ', ',', '"', '\r', '\n', '=', '+', '-', '@', '\t', "'", 'é') });
    fc.assert(fc.property(fc.array(fc.array(text, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 5 }), (records) => {
      const expected = records.map((r) => r.map((f) => (/^[=+\-@\t\r]/.test(f) ? `'${f}` : f)));
      expect(parse(csv(records))).toEqual(expected);
    }), { numRuns: 1_000 });
  });
});

describe('the throughput report as CSV', () => {
  const row = (day: string, teamId: string, counters: AggregateRow['counters'], histogram: AggregateRow['histogram'] = {}): AggregateRow =>
    ({ day, areaId: 'merseyside', teamId, band: 'HIGH', source: 'police', counters, histogram });
  const rows = [
    row('2026-06-01', REFERRAL_LEVEL, { received: 30 }),
    row('2026-06-02', 'mdvs', { assigned: 20, acknowledged: 20, acknowledgedWithinDeadline: 15, declined: 2 }, { 6: 10, 12: 10 }),
    row('2026-06-09', 'mdvs', { assigned: 12, acknowledged: 11, acknowledgedWithinDeadline: 11, breached: 1 }, { 12: 11 }),
  ];
  const report = throughputReport(rollUp(rows), { from: '2026-06-01', to: '2026-06-14', groupBy: 'week', by: 'team' });

  it('lays out a header, the lines and totals of each period, each value\'s total and the overall total', () => {
    const none = '0,,,0,0,0,0,0';
    const notApplicable = Array(17).fill('[z]').join(',');
    expect(reportCsv(report, { publishable: false })).toBe([
      'period,team,received,assignments,acknowledged,acknowledged_within_deadline,within_deadline_percent,median_minutes_to_acknowledge,p90_minutes_to_acknowledge,declined,rerouted,breached,'
        + 'contacted,median_minutes_to_first_contact,p90_minutes_to_first_contact,outcome_support_accepted,outcome_support_declined,outcome_unable_to_contact,outcome_referred_elsewhere,outcome_not_appropriate',
      `2026-W23,mdvs,[z],20,20,15,75,35,64,2,0,0,${none}`,
      `2026-W23,${ALL_TEAMS},30,${notApplicable}`,
      `2026-W23,${TOTAL},30,20,20,15,75,35,64,2,0,0,${none}`,
      `2026-W24,mdvs,[z],12,11,11,100,63,64,0,0,1,${none}`,
      `2026-W24,${ALL_TEAMS},0,${notApplicable}`,
      `2026-W24,${TOTAL},0,12,11,11,100,63,64,0,0,1,${none}`,
      `${TOTAL},mdvs,[z],32,31,26,83.9,61,64,2,0,1,${none}`,
      `${TOTAL},${ALL_TEAMS},30,${notApplicable}`,
      `${TOTAL},${TOTAL},30,32,31,26,83.9,61,64,2,0,1,${none}`,
      '',
    ].join('\r\n'));
  });

  it('writes time to first contact and each outcome, suppressed like the rest when for publishing', () => {
    const contacts = throughputReport(rollUp([
      row('2026-06-02', 'mdvs', { contacted: 12, outcomeSupportAccepted: 9, outcomeUnableToContact: 3 }),
      { ...row('2026-06-03', 'victim-care', { contacted: 2, outcomeNotAppropriate: 2 }), firstContactHistogram: { 24: 2 } },
      { ...row('2026-06-04', 'mdvs', {}), firstContactHistogram: { 12: 6, 36: 6 } },
    ]), { from: '2026-06-01', to: '2026-06-07', groupBy: 'week', by: 'band' });
    const exact = parse(reportCsv(contacts, { publishable: false }));
    const header = exact[0]!;
    const high = exact.find((r) => r[0] === TOTAL && r[1] === 'HIGH')!;
    // 14 first contacts: 6 at 60–65 min, 2 at 120–125, 6 at 180–185; the 7th is the 1st of 2 in 120–125, the 13th the 5th of 6 in 180–185.
    const at = (record: string[], column: string) => record[header.indexOf(column)];
    expect(['contacted', 'median_minutes_to_first_contact', 'p90_minutes_to_first_contact', 'outcome_support_accepted', 'outcome_unable_to_contact', 'outcome_not_appropriate']
      .map((c) => at(high, c))).toEqual(['14', '121', '184', '9', '3', '2']);
    expect(at(exact.find((r) => r[0] === TOTAL && r[1] === 'MEDIUM')!, 'median_minutes_to_first_contact')).toBe('');
    const published = parse(reportCsv(throughputReport(rollUp([
      row('2026-06-02', 'mdvs', { contacted: 3, outcomeSupportAccepted: 2 }),
      { ...row('2026-06-03', 'mdvs', {}), firstContactHistogram: { 24: 3 } },
    ]), { from: '2026-06-01', to: '2026-06-07', groupBy: 'week', by: 'band' }), { publishable: true }));
    const publishedHigh = published.find((r) => r[0] === TOTAL && r[1] === 'HIGH')!;
    expect(['contacted', 'median_minutes_to_first_contact', 'p90_minutes_to_first_contact', 'outcome_support_accepted'].map((c) => at(publishedHigh, c)))
      .toEqual([SMALL, CONFIDENTIAL, CONFIDENTIAL, SMALL]);
  });

  it('suppresses small numbers when it is for publishing', () => {
    const withVictimCare = throughputReport(
      rollUp([...rows, row('2026-06-10', 'victim-care', { assigned: 9, declined: 7 })]),
      { from: '2026-06-01', to: '2026-06-14', groupBy: 'week', by: 'team' },
    );
    const records = parse(reportCsv(withVictimCare, { publishable: true }));
    const fields = records.slice(1).flat();
    expect(fields).toContain(SMALL);
    expect(fields).toContain(CONFIDENTIAL);
    for (const field of fields) expect(['1', '2', '3', '4']).not.toContain(field);
    expect(records).toHaveLength(13);
  });

  it('neutralises a formula in a team id that came from configuration', () => {
    const hostile = throughputReport(rollUp([row('2026-06-02', '=cmd', { assigned: 9 })]), { from: '2026-06-01', to: '2026-06-07', groupBy: 'week', by: 'team' });
    expect(parse(reportCsv(hostile, { publishable: false }))[1]?.[1]).toBe("'=cmd");
  });
});
