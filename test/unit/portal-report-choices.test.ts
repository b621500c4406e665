import { describe, expect, it } from 'vitest';
import {
  axisLabel, choicesQuery, defaultRange, parseReportQuery, periodText, rangePresets, weekStart, type CallerScope,
} from '../../functions/portal/report-choices.js';

const commissioner: CallerScope = { today: '2026-11-18', areaIds: ['merseyside'], exactAreaIds: [] };
const coordinatorOfTwo: CallerScope = { today: '2026-11-18', areaIds: ['merseyside', 'halton'], exactAreaIds: ['merseyside'] };
const query = (text: string) => Object.fromEntries(new URLSearchParams(text));
const dates = 'from-day=1&from-month=1&from-year=2020&to-day=31&to-month=3&to-year=2020';

describe('the report controls', () => {
  it('default to the last 12 months up to and including today, by month and team, across all the caller’s areas', () => {
    expect(defaultRange('2026-11-18')).toEqual({ from: '2025-12-01', to: '2026-11-18' });
    expect(defaultRange('2027-01-01')).toEqual({ from: '2026-02-01', to: '2027-01-01' });
    expect(defaultRange('2024-02-29')).toEqual({ from: '2023-03-01', to: '2024-02-29' });
    const parsed = parseReportQuery({}, coordinatorOfTwo);
    expect(parsed.ok && parsed.choices).toEqual({
      from: '2025-12-01', to: '2026-11-18', groupBy: 'month', by: 'team', area: 'all', areaIds: ['merseyside', 'halton'], figures: 'publishable',
    });
  });

  it('offer the last 12 months, this year to date and this financial year to date, each ending today', () => {
    expect(rangePresets('2026-11-18')).toEqual([
      { id: 'range-last-12-months', text: 'Last 12 months', from: '2025-12-01', to: '2026-11-18' },
      { id: 'range-year-to-date', text: 'This year to date', from: '2026-01-01', to: '2026-11-18' },
      { id: 'range-financial-year-to-date', text: 'This financial year to date', from: '2026-04-01', to: '2026-11-18' },
    ]);
    // Before April, the financial year began the April before; on 1 January the year to date is one day.
    expect(rangePresets('2027-01-01').slice(1).map((p) => [p.from, p.to])).toEqual([['2027-01-01', '2027-01-01'], ['2026-04-01', '2027-01-01']]);
    expect(rangePresets('2027-04-01')[2]).toMatchObject({ from: '2027-04-01', to: '2027-04-01' });
    for (const preset of rangePresets('2026-11-18')) {
      const parsed = parseReportQuery({ from: preset.from, to: preset.to }, commissioner);
      expect(parsed.ok && parsed.choices).toMatchObject({ from: preset.from, to: preset.to });
    }
  });

  it('read dates from the three boxes, or in their short form from a link', () => {
    const boxes = parseReportQuery(query(`${dates}&groupBy=week&by=band`), commissioner);
    expect(boxes.ok && boxes.choices).toMatchObject({ from: '2020-01-01', to: '2020-03-31', groupBy: 'week', by: 'band', areaIds: ['merseyside'] });
    const short = parseReportQuery(query('from=2020-01-01&to=2020-03-31&groupBy=quarter'), commissioner);
    expect(short.ok && short.choices).toMatchObject({ from: '2020-01-01', to: '2020-03-31', groupBy: 'quarter' });
    expect(short.ok && choicesQuery(short.choices)).toBe('from=2020-01-01&to=2020-03-31&groupBy=quarter&by=team&area=merseyside');
  });

  it.each([
    ['from-day=31&from-month=2&from-year=2020&to-day=1&to-month=3&to-year=2020', 'The start date must be a real date', '#from-day'],
    ['from-day=&from-month=&from-year=&to-day=1&to-month=3&to-year=2020', 'Enter the start date', '#from-day'],
    ['from-day=1&from-month=&from-year=2020&to-day=1&to-month=3&to-year=2020', 'The start date must include a month', '#from-month'],
    ['from-day=1&from-month=1&from-year=20&to-day=1&to-month=3&to-year=2020', 'Year must include 4 numbers', '#from-year'],
    ['from-day=1&from-month=1&from-year=1999&to-day=1&to-month=3&to-year=2020', 'The start date must be in 2000 or later', '#from-year'],
    ['from-day=1&from-month=4&from-year=2020&to-day=1&to-month=3&to-year=2020', 'The end date must be the same as or after the start date', '#to-day'],
    ['from-day=1&from-month=1&from-year=2026&to-day=1&to-month=1&to-year=2027', 'The end date must be today or in the past', '#to-day'],
    ['from-day=1&from-month=1&from-year=2015&to-day=1&to-month=1&to-year=2026', 'Choose a range of 5 years or less', '#from-day'],
    [`${dates.replace('from-year=2020', 'from-year=2018')}&groupBy=week`, 'That range has more than 60 weeks. Group the figures by a longer period, or choose a shorter range', '#groupBy'],
    [`${dates}&groupBy=fortnight`, 'Choose whether to group the figures by week, month or quarter', '#groupBy'],
    [`${dates}&by=postcode`, 'Choose what to break the figures down by', '#by'],
  ])('refuse %s: “%s”, linking to %s', (text, message, href) => {
    const parsed = parseReportQuery(query(text), commissioner);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.errors.map((e) => [e.text, e.href])).toEqual([[message, href]]);
  });

  it('keep what was typed, so the form shows it again', () => {
    const parsed = parseReportQuery(query('from-day=31&from-month=2&from-year=2020&to-day=x&to-month=3&to-year=2020'), commissioner);
    expect(parsed.values.from).toEqual({ day: '31', month: '2', year: '2020' });
    expect(parsed.values.to).toEqual({ day: 'x', month: '3', year: '2020' });
  });

  it('let a caller choose only their own areas, and break down by area only when they have several', () => {
    expect(parseReportQuery(query(`${dates}&area=halton`), coordinatorOfTwo)).toMatchObject({ ok: true, choices: { areaIds: ['halton'] } });
    expect(parseReportQuery(query(`${dates}&area=lancashire`), coordinatorOfTwo)).toMatchObject({ ok: false, errors: [{ href: '#area' }] });
    // One area: the choice is not offered, so anything given is ignored.
    expect(parseReportQuery(query(`${dates}&area=halton`), commissioner)).toMatchObject({ ok: true, choices: { areaIds: ['merseyside'] } });
    expect(parseReportQuery(query(`${dates}&by=area`), commissioner).ok).toBe(false);
    expect(parseReportQuery(query(`${dates}&by=area`), coordinatorOfTwo).ok).toBe(true);
  });

  it('give exact figures only where the caller coordinates every area asked about', () => {
    expect(parseReportQuery(query(`${dates}&figures=exact&area=merseyside`), coordinatorOfTwo)).toMatchObject({ choices: { figures: 'exact' } });
    expect(parseReportQuery(query(`${dates}&figures=exact&area=all`), coordinatorOfTwo)).toMatchObject({ choices: { figures: 'publishable' } });
    expect(parseReportQuery(query(`${dates}&figures=exact`), commissioner)).toMatchObject({ choices: { figures: 'publishable' } });
  });
});

describe('period words', () => {
  it('name ISO weeks by their Monday, across a year end', () => {
    expect(weekStart('2020-W01')).toBe('2019-12-30');
    expect(weekStart('2026-W53')).toBe('2026-12-28');
    expect(periodText('2020-W05', 'week')).toBe('Week commencing 27 January 2020');
  });

  it('name months and quarters in full, and put the year under the first column and where it changes', () => {
    expect(periodText('2020-02', 'month')).toBe('February 2020');
    expect(periodText('2020-Q4', 'quarter')).toBe('October to December 2020');
    const periods = ['2020-11', '2020-12', '2021-01'];
    expect(periods.map((p, i) => axisLabel(p, i, periods, 'month'))).toEqual([{ top: 'Nov', bottom: '2020' }, { top: 'Dec' }, { top: 'Jan', bottom: '2021' }]);
    expect(axisLabel('2020-W05', 0, ['2020-W05'], 'week')).toEqual({ top: '27 Jan', bottom: '2020' });
  });
});
