import { beforeEach, describe, expect, it, vi } from 'vitest';
import { staffRequest, bodyOf } from '../../support/portal-requests.js';

const readAggregates = vi.hoisted(() => vi.fn());
vi.mock('../../../functions/adapters/throughput-store.js', () => ({ readAggregates }));
const reports = await import('../../../functions/portal/routes/reports.js');

const query = { from: '2020-01-01', to: '2020-02-29', groupBy: 'month', by: 'team' };

beforeEach(() => {
  readAggregates.mockReset();
  readAggregates.mockResolvedValue([]);
});

describe('the reports pages', () => {
  it("show a commissioner their area's figures for the range they chose", async () => {
    const page = await reports.show(staffRequest(['commissioner-merseyside'], { query }));
    expect(page.statusCode).toBe(200);
    // Only the chosen breakdown is read: its charts follow it, so nothing else is needed.
    expect(readAggregates).toHaveBeenCalledWith(['merseyside'], expect.any(Array), ['team']);
    expect(bodyOf(page)).toContain('Referral figures');
  });

  it('read the breakdown the commissioner chose, not always team and band', async () => {
    await reports.show(staffRequest(['commissioner-merseyside'], { query: { ...query, by: 'source' } }));
    expect(readAggregates).toHaveBeenCalledWith(['merseyside'], expect.any(Array), ['source']);
  });

  it('give a coordinator the figures as a CSV file to download', async () => {
    const file = await reports.download(staffRequest(['coordinator-merseyside'], { query }));
    expect(file.statusCode).toBe(200);
    expect(file.headers?.['content-type']).toBe('text/csv; charset=utf-8');
    expect(file.headers?.['content-disposition']).toBe('attachment; filename="referral-figures-merseyside-2020-01-01-to-2020-02-29-by-month-and-team.csv"');
  });

  it('refuse a caseworker, before reading any figures', async () => {
    expect((await reports.show(staffRequest(['victim-care']))).statusCode).toBe(403);
    expect((await reports.download(staffRequest(['victim-care']))).statusCode).toBe(403);
    expect(readAggregates).not.toHaveBeenCalled();
  });
});
