import { describe, expect, it } from 'vitest';
import { checkPartners, partnerClientsFrom, professionalClaim } from '../../../functions/domain/partner-clients.js';

describe('what an anonymous submission may not claim', () => {
  it('refuses a police or agency source, and a band raise, naming the field', () => {
    expect(professionalClaim({ source: 'police' })?.path).toBe('source');
    expect(professionalClaim({ source: 'agency', referrer: { raiseBandTo: 'HIGH' } })?.path).toBe('source');
    expect(professionalClaim({ source: 'self', referrer: { raiseBandTo: 'HIGH' } })?.path).toBe('referrer.raiseBandTo');
  });

  it('leaves a self-referral, and anything that is not a claim, to the schema', () => {
    expect(professionalClaim({ source: 'self' })).toBeUndefined();
    expect(professionalClaim({ source: 'bogus' })).toBeUndefined();
    expect(professionalClaim({})).toBeUndefined();
    expect(professionalClaim(['police'])).toBeUndefined();
    expect(professionalClaim(null)).toBeUndefined();
  });
});

describe('the partner list', () => {
  it('maps each client id to its organisation, and no list to no partner', () => {
    expect(partnerClientsFrom(JSON.stringify([{ clientId: 'c1', organisation: 'Merseyside Police' }])).get('c1')).toBe('Merseyside Police');
    expect(partnerClientsFrom(undefined).size).toBe(0);
    expect(() => partnerClientsFrom('{"c1":"x"}')).toThrow(/list/);
    expect(() => partnerClientsFrom('[{"clientId":"c1"}]')).toThrow(/organisation/);
  });

  it('refuses ids that would make bad logical ids, repeats and empty names', () => {
    expect(checkPartners([{ id: 'merseyside-police', organisation: 'Merseyside Police' }])).toHaveLength(1);
    expect(() => checkPartners([{ id: 'Merseyside Police', organisation: 'x' }])).toThrow(/lowercase/);
    expect(() => checkPartners([{ id: 'a', organisation: 'x' }, { id: 'a', organisation: 'y' }])).toThrow(/twice/);
    expect(() => checkPartners([{ id: 'a', organisation: ' ' }])).toThrow(/organisation name/);
  });
});
