import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  barChartSvg, breakdownTable, columnPanelsSvg, countOverTimeChart, durationText, HIDDEN_MARK_NOTE, MINUTE_STEPS, niceScale,
  outcomesChart, timeToAcknowledgeChart, timeToFirstContactChart, withinDeadlineChart, type Labels,
} from '../../functions/portal/charts.js';
import { publishableReport, type PublishedReport } from '../../functions/domain/suppression.js';
import { aggregateFacts, factIdFor, rollUp, throughputReport, type Dimension, type ThroughputFact } from '../../functions/domain/throughput.js';

const labels: Labels = {
  period: (p) => `Period ${p}`,
  axis: (p) => ({ top: p.slice(5) }),
  value: (v) => `Name of ${v}`,
  range: '1 January 2020 to 31 March 2020, by month',
};

const barsOf = (svg: string) => [...svg.matchAll(/<rect x="[^"]+" y="([^"]+)" width="[^"]+" height="([^"]+)" fill="#1d70b8"/g)].map((m) => Number(m[2]));
const textsOf = (svg: string) => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);

/** A team's referrals in a month, each assigned and acknowledged after `minutes`. */
function acknowledged(teamId: string, month: number, count: number, minutes = 30): ThroughputFact[] {
  return Array.from({ length: count }, (_, i) => {
    const reference = `SR-${teamId}-${month}-${i}`;
    const base = { at: new Date(Date.UTC(2020, month - 1, 2 + (i % 20), 10)), areaId: 'merseyside', teamId, band: 'HIGH', source: 'police' } as const;
    return [
      { ...base, kind: 'RECEIVED', factId: factIdFor('RECEIVED', reference) },
      { ...base, kind: 'ASSIGNED', factId: factIdFor('ASSIGNED', reference, teamId) },
      { ...base, kind: 'ACKNOWLEDGED', factId: factIdFor('ACKNOWLEDGED', reference, teamId), withinDeadline: true, secondsToAcknowledge: minutes * 60 },
    ] as ThroughputFact[];
  }).flat();
}

/** A team's first contacts in a month, `minutes` after submission, and an outcome for each. */
function contacted(teamId: string, month: number, count: number, minutes: number, outcome: 'support-accepted' | 'unable-to-contact'): ThroughputFact[] {
  return Array.from({ length: count }, (_, i) => {
    const reference = `SR-${teamId}-${month}-${i}`;
    const base = { at: new Date(Date.UTC(2020, month - 1, 2 + (i % 20), 12)), areaId: 'merseyside', teamId, band: i % 2 ? 'HIGH' : 'STANDARD', source: 'police' } as const;
    return [
      { ...base, kind: 'CONTACTED', factId: factIdFor('CONTACTED', reference, teamId), secondsToFirstContact: minutes * 60 },
      { ...base, kind: 'OUTCOME', factId: factIdFor('OUTCOME', reference, teamId), outcome },
    ] as ThroughputFact[];
  }).flat();
}

const report = (facts: ThroughputFact[], publishable = true, by: Dimension = 'team'): PublishedReport => {
  const exact = throughputReport(rollUp(aggregateFacts(facts)), { from: '2020-01-01', to: '2020-03-31', groupBy: 'month', by });
  return publishable ? publishableReport(exact) : exact;
};

describe('scales', () => {
  it('always holds the largest figure, in at most five nice steps from 0', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 10_000_000 }), (largest) => {
      const scale = niceScale(largest);
      expect(scale.max).toBeGreaterThanOrEqual(largest);
      expect(scale.ticks[0]).toBe(0);
      expect(scale.ticks.at(-1)).toBe(scale.max);
      expect(scale.ticks.length - 1).toBeLessThanOrEqual(5);
      const step = scale.ticks[1]!;
      expect(step / 10 ** Math.floor(Math.log10(step))).toBeOneOf([1, 2, 5]);
    }));
  });

  it('gives an empty chart one step rather than dividing by zero', () => {
    expect(niceScale(0)).toEqual({ max: 1, ticks: [0, 1] });
  });

  it('counts time in steps a reader knows: quarter hours, hours, days', () => {
    expect(niceScale(100, { steps: MINUTE_STEPS }).ticks).toEqual([0, 30, 60, 90, 120]);
    expect(niceScale(2000, { steps: MINUTE_STEPS }).ticks).toEqual([0, 480, 960, 1440, 1920, 2400]);
  });

  it('says durations as people do', () => {
    expect(durationText(45)).toBe('45 minutes');
    expect(durationText(61)).toBe('1 hour 1 minute');
    expect(durationText(3 * 1440 + 120)).toBe('3 days 2 hours');
    expect(durationText(303, true)).toBe('5 h 3 min');
  });
});

describe('column panels', () => {
  it('draws each known figure to the same scale in every panel', () => {
    const svg = columnPanelsSvg({
      id: 'c', title: 'T', description: 'D', unit: 'count', categories: [{ top: 'Jan' }, { top: 'Feb' }],
      series: [{ label: 'A', values: [10, 20] }, { label: 'B', values: [5, 0] }],
    });
    const heights = barsOf(svg);
    expect(heights).toHaveLength(3); // a zero draws no bar
    expect(heights[1]! / heights[0]!).toBeCloseTo(2, 1);
    expect(heights[2]! / heights[0]!).toBeCloseTo(0.5, 1);
  });

  it('draws hidden figures as gaps with a marker, never as a number or a bar', () => {
    const svg = columnPanelsSvg({
      id: 'c', title: 'T', description: 'D', unit: 'count', categories: [{ top: 'Jan' }, { top: 'Feb' }, { top: 'Mar' }],
      series: [{ label: 'A', values: ['<5', 12, '[c]'] }],
    });
    expect(barsOf(svg)).toHaveLength(1);
    expect(svg.match(/<path d="M/g)).toHaveLength(2);
    expect(textsOf(svg)).not.toContain('&lt;5');
    expect(textsOf(svg)).not.toContain('[c]');
    expect(textsOf(svg)).toContain('12');
  });

  it('is an image with a name and a description, and uses no style attributes (the CSP forbids them)', () => {
    const svg = columnPanelsSvg({ id: 'c', title: 'Referrals & "more"', description: 'Desc <b>', unit: 'count', categories: [], series: [] });
    expect(svg).toMatch(/^<svg [^>]*role="img" aria-labelledby="c-title c-desc"/);
    expect(svg).toContain('<title id="c-title">Referrals &amp; &quot;more&quot;</title>');
    expect(svg).toContain('<desc id="c-desc">Desc &lt;b&gt;</desc>');
    expect(svg).toContain('No figures to show');
    expect(svg).not.toMatch(/\sstyle=/);
  });
});

describe('horizontal bars', () => {
  it('labels every bar with its measure and value, and hidden ones in words', () => {
    const svg = barChartSvg({
      id: 'b', title: 'T', description: 'D', unit: 'minutes', measures: ['Median', '90th percentile'],
      groups: [{ label: 'Team A', values: [30, 90] }, { label: 'Team B', values: ['[c]', '[c]'] }, { label: 'Team C', values: [null, null] }],
    });
    const texts = textsOf(svg);
    expect(texts.filter((t) => t === 'Median')).toHaveLength(3);
    expect(texts).toEqual(expect.arrayContaining(['30 min', '1 h 30 min', 'not shown: small numbers', 'nothing to measure']));
    expect(texts.join(' ')).not.toMatch(/\[c\]/);
    // The second measure is hatched, not only a different colour.
    expect(svg).toContain('fill="url(#b-hatch)"');
  });

  it('puts percentages on a 0–100 scale', () => {
    const svg = barChartSvg({ id: 'p', title: 'T', description: 'D', unit: 'percent', measures: ['Within'], groups: [{ label: 'A', values: [50] }] });
    expect(textsOf(svg)).toEqual(expect.arrayContaining(['0%', '50%', '100%']));
  });
});

describe('the dashboard charts', () => {
  const facts = [...acknowledged('mdvs', 1, 12), ...acknowledged('mdvs', 2, 3), ...acknowledged('victim-care', 1, 20, 120), ...acknowledged('victim-care', 2, 22, 120)];

  it('charts assignments per team over time, with a table of the same published figures', () => {
    const chart = countOverTimeChart(report(facts), 'assignments', 'team', 'Referrals assigned to each team', labels);
    expect(chart.table.head.map((h) => h.text)).toEqual(['Period', 'Name of mdvs', 'Name of victim-care', 'All']);
    const rows = chart.table.rows.map((row) => row.map((c) => c.text));
    expect(rows[1]).toEqual(['Period 2020-02', '<5', expect.any(String), expect.any(String)]);
    expect(rows[2]).toEqual(['Period 2020-03', '0', '0', '0']);
    expect(rows.at(-1)?.[0]).toBe('Total');
    expect(chart.note).toBe(HIDDEN_MARK_NOTE);
    expect(chart.summary).toMatch(/^Referrals assigned to each team, 1 January 2020 to 31 March 2020, by month\. In total: Name of mdvs: /);
    expect(chart.summary).not.toMatch(/ALL_TEAMS|Received/);
  });

  it('shows exact figures with no note when nothing is hidden', () => {
    const chart = countOverTimeChart(report(facts, false), 'assignments', 'team', 'T', labels);
    expect(chart.table.rows[1]?.map((c) => c.text)).toEqual(['Period 2020-02', '3', '22', '25']);
    expect(chart.note).toBeUndefined();
  });

  it('says so when there is nothing at all', () => {
    const chart = countOverTimeChart(report([]), 'assignments', 'team', 'Referrals assigned to each team', labels);
    expect(chart.summary).toBe('Referrals assigned to each team, 1 January 2020 to 31 March 2020, by month: none.');
    expect(chart.svg).toContain('No figures to show');
    expect(chart.table.rows.map((r) => r.map((c) => c.text))).toEqual([
      ['Period 2020-01', '0'], ['Period 2020-02', '0'], ['Period 2020-03', '0'], ['Total', '0'],
    ]);
  });

  it('gives the share within deadline and the times to acknowledge per team, and for all teams', () => {
    const published = report(facts, false);
    const within = withinDeadlineChart(published, 'w', 'Within', labels);
    expect(within.table.rows.map((r) => r.map((c) => c.text))).toEqual([
      ['Name of mdvs', '15', '15', '100%'], ['Name of victim-care', '42', '42', '100%'], ['All teams', '57', '57', '100%'],
    ]);
    const times = timeToAcknowledgeChart(published, 't', 'Times', labels);
    // Read from 5-minute histogram buckets: within a bucket of the exact 30 minutes.
    expect(times.table.rows[0]?.map((c) => c.text)).toEqual(['Name of mdvs', '15', '33', '35']);
    expect(times.summary).toContain('Name of victim-care: median 2 hours 2 minutes, 90th percentile 2 hours 4 minutes');
  });

  it('lists every figure by the chosen breakdown, with a total column, and a dash where a figure does not apply', () => {
    const table = breakdownTable(report(facts, false), labels, 'team');
    expect(table.head.map((h) => h.text)).toEqual(['Figure', 'Name of mdvs', 'Name of victim-care', 'Name of ALL_TEAMS', 'Total']);
    const rows = Object.fromEntries(table.rows.map(([name, ...cells]) => [name.text, cells.map((c) => c.text)]));
    // Referrals are received by an area, not a team; and the referral-level column has no team's work in it.
    expect(rows['Referrals received']).toEqual(['–', '–', '57', '57']);
    expect(rows['Assignments to teams']).toEqual(['15', '42', '–', '57']);
    expect(rows['Declined']).toEqual(['0', '0', '–', '0']);
    // Nothing to measure is a dash too.
    expect(rows['Median time to first contact (minutes)']).toEqual(['–', '–', '–', '–']);
    expect(rows['Contacted: the team spoke to the person']).toEqual(['0', '0', '–', '0']);
    expect(Object.keys(rows)).toEqual(expect.arrayContaining(['Outcome: support accepted', 'Outcome: not appropriate', '90th percentile time to first contact (minutes)']));
    expect(table.rows).toHaveLength(18);
  });

  it('follows the chosen breakdown: by band, a line per band and "All bands", with no dashes for figures that apply', () => {
    const byBand = report([...facts, ...contacted('mdvs', 1, 6, 90, 'support-accepted')], false, 'band');
    const within = withinDeadlineChart(byBand, 'w', 'Within', labels);
    expect(within.table.head[0]?.text).toBe('Risk band');
    expect(within.table.rows.map((r) => r[0].text)).toEqual(['Name of STANDARD', 'Name of MEDIUM', 'Name of HIGH', 'All bands']);
    const counts = countOverTimeChart(byBand, 'received', 'c', 'Referrals received, by risk band', labels);
    expect(counts.table.head.map((h) => h.text)).toEqual(['Period', 'Name of STANDARD', 'Name of MEDIUM', 'Name of HIGH', 'All']);
    expect(counts.table.rows.at(-1)?.map((c) => c.text)).toEqual(['Total', '0', '0', '57', '57']);
    const table = breakdownTable(byBand, labels, 'risk band');
    expect(table.rows[0]?.map((c) => c.text)).toEqual(['Referrals received', '0', '0', '57', '57']);
  });

  it('gives the time from submission to first contact per value, hidden with its contacts when they are few', () => {
    const contacts = [...contacted('mdvs', 1, 8, 90, 'support-accepted'), ...contacted('victim-care', 2, 3, 300, 'unable-to-contact')];
    const exact = timeToFirstContactChart(report(contacts, false), 'f', 'First contact', labels);
    // Read from 5-minute buckets, entries spread through theirs: within a bucket of the exact 90 and 300 minutes.
    expect(exact.table.head.map((h) => h.text)).toEqual(['Team', 'Contacted', 'Median (minutes)', '90th percentile (minutes)']);
    expect(exact.table.rows.map((r) => r.map((c) => c.text))).toEqual([
      ['Name of mdvs', '8', '92', '95'], ['Name of victim-care', '3', '303', '304'], ['All teams', '11', '93', '303'],
    ]);
    expect(exact.summary).toContain('Name of mdvs: median 1 hour 32 minutes, 90th percentile 1 hour 35 minutes');
    const published = timeToFirstContactChart(report(contacts), 'f', 'First contact', labels);
    expect(published.table.rows[1]?.map((c) => c.text)).toEqual(['Name of victim-care', '<5', '[c]', '[c]']);
    expect(published.note).toBe(HIDDEN_MARK_NOTE);
    expect(textsOf(published.svg)).toContain('not shown: small numbers');
  });

  it('counts each outcome per value, a bar per outcome, named', () => {
    const contacts = [...contacted('mdvs', 1, 8, 90, 'support-accepted'), ...contacted('victim-care', 2, 6, 300, 'unable-to-contact')];
    const chart = outcomesChart(report(contacts, false), 'o', 'Outcomes', labels);
    expect(chart.table.head.map((h) => h.text)).toEqual(['Team', 'Support accepted', 'Support declined', 'Unable to contact', 'Referred elsewhere', 'Not appropriate']);
    expect(chart.table.rows.map((r) => r.map((c) => c.text))).toEqual([
      ['Name of mdvs', '8', '0', '0', '0', '0'], ['Name of victim-care', '0', '0', '6', '0', '0'], ['All teams', '8', '0', '6', '0', '0'],
    ]);
    expect(textsOf(chart.svg).filter((t) => t === 'Unable to contact')).toHaveLength(3);
    expect(chart.summary).toContain('Name of mdvs: support accepted 8, support declined 0, unable to contact 0');
  });
});
