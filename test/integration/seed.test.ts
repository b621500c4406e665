import { beforeAll, describe, expect, inject, it } from 'vitest';
import { BANDS, type ServiceConfig } from '../../functions/domain/config.js';
import { coverOf } from '../../functions/domain/report-calendar.js';
import { COUNTERS, OUT_OF_AREA, type Counter, type SpanTotals } from '../../functions/domain/throughput.js';
import { englandAndWales } from '../../functions/domain/working-calendar.js';
import type { SeedSummary } from '../../local/seed.js';
import { LocalCloudClient } from '../support/local-cloud-client.js';
import { personalDetails, type ReferralBody } from '../support/referrals.js';

const cloud = inject('localCloud');
// Far in the past, so no other test's figures or inboxes meet these.
// 2016: its January spill-over lands in 2017, a year no other test reads (report tests use 2019 and 2020).
const YEAR = 2016;

let seedModule: typeof import('../../local/seed.js');
let store: typeof import('../../functions/adapters/throughput-store.js');
let referrals: typeof import('../../functions/adapters/referral-store.js');
// The seeder in this process reads config/service-config.json: no SERVICE_CONFIG_PATH is set here.
let config: ServiceConfig;
let isEnglishHoliday: (day: string) => boolean;

beforeAll(async () => {
  // Referrals from 2016 are past the six-year retention, and every read would treat them as gone: keep
  // them longer in this process only, so the few stored in full can be read back. The local cloud's
  // own functions keep the default, so they never see them.
  process.env.RETENTION_DAYS = '36500';
  // The stores read their table and endpoint when they load, as a Lambda does at cold start.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: cloud.dynamodbUrl, TABLE_NAME: cloud.tableName,
    AWS_REGION: 'eu-west-2', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local',
  });
  seedModule = await import('../../local/seed.js');
  store = await import('../../functions/adapters/throughput-store.js');
  referrals = await import('../../functions/adapters/referral-store.js');
  config = (await import('../../functions/adapters/service-config.js')).serviceConfig;
  isEnglishHoliday = (day) => englandAndWales.isHoliday(day);
});

const areas = ['merseyside', OUT_OF_AREA];

function totals(spans: readonly SpanTotals[]): Record<Counter, number> {
  const sum = Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Record<Counter, number>;
  for (const span of spans) for (const counts of Object.values(span.counts)) for (const c of COUNTERS) sum[c] += counts[c] ?? 0;
  return sum;
}

describe('npm run seed', () => {
  let summary: SeedSummary;
  let before: Record<Counter, number>;
  // December's referrals are acknowledged (or breach) in January: read on into the next year.
  const read = async () => totals(await store.readAggregates(areas, coverOf(`${YEAR}-01-01`, `${YEAR + 1}-01-31`), ['area']));

  beforeAll(async () => {
    before = await read();
    summary = await seedModule.seedLocalCloud(
      { referrals: 300, year: YEAR, seed: 7, details: 5 },
      { dynamodbUrl: cloud.dynamodbUrl, tableName: cloud.tableName, kmsUrl: cloud.kmsUrl },
    );
  }, 300_000);

  it('stores aggregates that add up to what it says it seeded', async () => {
    const after = await read();
    const added = Object.fromEntries(COUNTERS.map((c) => [c, after[c] - before[c]]));
    expect(added).toEqual(summary.totals);
    expect(summary.totals.received).toBe(300);
    expect(summary.referrals).toBe(300);
    expect(summary.totals).toMatchObject({
      assigned: summary.facts.ASSIGNED, acknowledged: summary.facts.ACKNOWLEDGED, declined: summary.facts.DECLINED,
      rerouted: summary.facts.REROUTED, breached: summary.facts.BREACHED,
    });
  });

  it('seeds a realistic mix: every band, most acknowledged in time, some out of area', () => {
    for (const band of BANDS) expect(summary.byBand[band]).toBeGreaterThan(15);
    expect(Object.values(summary.byBand).reduce((a, b) => a + b, 0)).toBe(300);
    expect(summary.outOfArea).toBeGreaterThan(0);
    expect(summary.outOfArea).toBeLessThan(40);
    expect(Object.keys(summary.byTeam).sort()).toEqual(['housing-support', 'mdvs', 'victim-care']);
    expect(summary.totals.acknowledgedWithinDeadline / summary.totals.acknowledged).toBeGreaterThan(0.75);
    expect(summary.totals.acknowledgedWithinDeadline).toBeLessThan(summary.totals.acknowledged);
  });

  it('publishes nothing about any person it seeded, in JSON or CSV, whatever the breakdown', async () => {
    const client = new LocalCloudClient(cloud);
    const seeded = seedModule.syntheticYear({ referrals: 300, year: YEAR, seed: 7, now: new Date(), config, isHoliday: isEnglishHoliday }).referrals;
    const details = [...new Set(seeded.flatMap((r) => [...personalDetails(r.submission as unknown as ReferralBody), r.reference]))]
      // "Demo" is every made-up first name: it could only ever match a label by chance, so the rest are checked.
      .filter((detail) => detail !== 'Demo');
    expect(details.length).toBeGreaterThan(300 * 4);
    const outputs: string[] = [];
    for (const by of ['team', 'band', 'source', 'area']) {
      const path = `/api/reports/throughput?from=${YEAR}-01-01&to=${YEAR}-12-31&groupBy=month&by=${by}`;
      const exact = await client.as('coordinator.merseyside', 'GET', `${path}&publishable=false`);
      expect(exact.status).toBe(200);
      expect((exact.body.report as { total: { received: number } }).total.received).toBeGreaterThan(0);
      outputs.push(JSON.stringify(exact.body));
      const csv = await fetch(`${cloud.apiUrl}${path}`, { headers: { authorization: `Bearer ${await client.tokenFor('commissioner.merseyside')}`, accept: 'text/csv' } });
      outputs.push(await csv.text());
    }
    const all = outputs.join('\n');
    for (const detail of details) expect(all, detail).not.toContain(detail);
  });

  it('gives the same year for the same seed', () => {
    const again = (seed: number) => seedModule.syntheticYear({
      referrals: 50, year: YEAR, seed, now: new Date(), config, isHoliday: () => false,
    });
    const a = again(7);
    const b = again(7);
    expect(b.referrals.map((r) => r.reference)).toEqual(a.referrals.map((r) => r.reference));
    expect(b.facts).toEqual(a.facts);
    expect(again(8).referrals.map((r) => r.reference)).not.toEqual(a.referrals.map((r) => r.reference));
  });

  it('stores the most recent referrals in full, made-up people only, through the referral store', async () => {
    expect(summary.detailed).toBe(5);
    const latest = seedModule.syntheticYear({
      referrals: 300, year: YEAR, seed: 7, now: new Date(), config, isHoliday: isEnglishHoliday,
    }).referrals.slice(-5);
    for (const seeded of latest) {
      const stored = await referrals.getReferral(seeded.reference);
      expect(stored?.submission.victim.firstName).toBe('Demo');
      expect(stored?.submission.victim.lastName).toMatch(/^Person-\d{6}$/);
      const events = await referrals.listEvents(seeded.reference);
      expect(events.map((e) => e.type)).toContain('REFERRAL_RECEIVED');
      if (seeded.areaId) {
        expect(['ACKNOWLEDGED', 'PARTIALLY_ACKNOWLEDGED', 'BREACHED', 'ESCALATED', 'AWAITING_ACK']).toContain(stored?.status);
        expect((await referrals.listAssignments(seeded.reference)).map((a) => a.teamId).sort())
          .toEqual(seeded.assignments.map((a) => a.record.teamId).sort());
      } else {
        expect(stored?.status).toBe('OUT_OF_AREA');
        // Kept under the default area, in its coordinator's queue.
        expect(stored?.areaId).toBe('merseyside');
        expect((await referrals.outOfAreaReferrals('merseyside')).map((r) => r.reference)).toContain(seeded.reference);
      }
    }
  });

  it('refuses to seed the same year twice, which would double its figures', async () => {
    await expect(seedModule.seedLocalCloud(
      { referrals: 10, year: YEAR, seed: 7, details: 0 },
      { dynamodbUrl: cloud.dynamodbUrl, tableName: cloud.tableName },
    )).rejects.toThrow(seedModule.YearAlreadySeeded);
  });

  it('says plainly when no local cloud is listening', async () => {
    await expect(seedModule.seedLocalCloud({ referrals: 10, year: YEAR, seed: 7, details: 0 }, { dynamodbUrl: 'http://127.0.0.1:9', tableName: cloud.tableName }))
      .rejects.toThrow(/not answering at http:\/\/127\.0\.0\.1:9.*npm start/);
  });
});
