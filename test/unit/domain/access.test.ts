import { describe, expect, it } from 'vitest';
import { areaOfReferral, coordinatesReferral, referralAccess } from '../../../functions/domain/access.js';

const DEFAULT_AREA = 'merseyside';

describe('the area a referral is kept under', () => {
  it('is the area its postcode is in once routed', () => {
    expect(areaOfReferral({ areaId: 'halton', status: 'AWAITING_ACK' }, DEFAULT_AREA)).toBe('halton');
  });

  it('is the default area for one no area covers, also when it was stored out of area without an area', () => {
    expect(areaOfReferral({ areaId: 'merseyside', status: 'OUT_OF_AREA' }, DEFAULT_AREA)).toBe('merseyside');
    expect(areaOfReferral({ status: 'OUT_OF_AREA' }, DEFAULT_AREA)).toBe('merseyside');
  });

  it('is none while the referral has not been routed yet', () => {
    expect(areaOfReferral({ status: 'RECEIVED' }, DEFAULT_AREA)).toBeUndefined();
    expect(areaOfReferral({ status: 'SCREENED' }, DEFAULT_AREA)).toBeUndefined();
  });
});

describe('who may open an out-of-area referral', () => {
  // Stored before out-of-area referrals were kept under the default area: no area, no teams.
  const earlier = { status: 'OUT_OF_AREA' };
  const access = (groups: string[]) => referralAccess(groups, { areaId: areaOfReferral(earlier, DEFAULT_AREA), teamIds: [] });

  it("lets the default area's coordinator in", () => {
    expect(access(['coordinator-merseyside'])).toBe('allowed');
    expect(coordinatesReferral(['coordinator-merseyside'], earlier, DEFAULT_AREA)).toBe(true);
  });

  it("hides it from every team, from another area's coordinator and from every commissioner", () => {
    for (const groups of [['mdvs'], ['victim-care'], ['housing-support'], ['halton-stalking'], ['coordinator-halton'], ['commissioner-merseyside'], ['commissioner-halton'], []]) {
      expect(access(groups), groups.join()).toBe('hidden');
    }
    expect(coordinatesReferral(['coordinator-halton'], earlier, DEFAULT_AREA)).toBe(false);
  });

  it('keeps a routed referral to its own area’s coordinator, whatever the default area is', () => {
    expect(coordinatesReferral(['coordinator-merseyside'], { areaId: 'halton', status: 'AWAITING_ACK' }, DEFAULT_AREA)).toBe(false);
    expect(coordinatesReferral(['coordinator-halton'], { areaId: 'halton', status: 'AWAITING_ACK' }, DEFAULT_AREA)).toBe(true);
  });
});

describe('who may open a routed referral', () => {
  const routed = { areaId: 'merseyside', teamIds: ['mdvs', 'victim-care'] };

  it('lets its teams and its area’s coordinator in', () => {
    for (const groups of [['mdvs'], ['victim-care'], ['coordinator-merseyside']]) expect(referralAccess(groups, routed), groups.join()).toBe('allowed');
  });

  it('tells a commissioner nothing, of their own area or another: they see figures only', () => {
    for (const groups of [['commissioner-merseyside'], ['commissioner-halton'], ['commissioner-merseyside', 'commissioner-halton']]) {
      expect(referralAccess(groups, routed), groups.join()).toBe('hidden');
    }
  });
});
