import { describe, expect, it } from 'vitest';
import { routeTable, type PortalRequest } from '../../../functions/portal/router.js';

const page = (name: string) => async () => ({ statusCode: 200, body: name });
const routes = routeTable<PortalRequest>({
  'GET /portal/referrals/{reference}': page('referral'),
  'POST /portal/referrals/{reference}/teams/{teamId}/acknowledge': page('acknowledge'),
  'GET /portal/reports/download.csv': page('csv'),
  'GET /portal/sign-in/{step+}': page('step'),
});

describe('the portal route table', () => {
  it('finds the page for a method and path, with its parameters', () => {
    const found = routes('POST', '/portal/referrals/SR-7KQ2-9XMD/teams/victim-care/acknowledge');
    expect(found?.params).toEqual({ reference: 'SR-7KQ2-9XMD', teamId: 'victim-care' });
  });

  it('finds nothing for the right path asked with another method', () => {
    expect(routes('GET', '/portal/referrals/SR-7KQ2-9XMD/teams/victim-care/acknowledge')).toBeUndefined();
  });

  it('finds nothing for a malformed reference or team, so they are simply not found', () => {
    expect(routes('GET', '/portal/referrals/SR-1111-1111')).toBeUndefined();
    expect(routes('POST', '/portal/referrals/SR-7KQ2-9XMD/teams/Victim_Care/acknowledge')).toBeUndefined();
  });

  it('reads a dot in a route as a dot, not any character', () => {
    expect(routes('GET', '/portal/reports/download.csv')).toBeDefined();
    expect(routes('GET', '/portal/reports/downloadxcsv')).toBeUndefined();
  });

  it('gives a {name+} parameter the rest of the path', () => {
    expect(routes('GET', '/portal/sign-in/code/again')?.params).toEqual({ step: 'code/again' });
  });
});
