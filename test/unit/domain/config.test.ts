import { describe, expect, it } from 'vitest';
import twoAreas from '../../fixtures/service-config.two-areas.json' with { type: 'json' };
import {
  areaById, BANDS, defaultServiceConfig, locateTeam, maxBand, parseServiceConfig, raiseBand, teamById,
} from '../../../functions/domain/config.js';

type Json = Record<string, unknown>;
const merseyside = () => structuredClone(defaultServiceConfig.areas[0]) as unknown as Json & { teams: Json[]; postcodes: string[] };
const configWith = (areas: unknown[], extra: Json = {}) => ({ version: 'test', defaultAreaId: 'merseyside', areas, ...extra });

describe('bands', () => {
  it('go up one step at a time and stop at HIGH', () => {
    expect(raiseBand('STANDARD')).toBe('MEDIUM');
    expect(raiseBand('MEDIUM')).toBe('HIGH');
    expect(raiseBand('HIGH')).toBe('HIGH');
    expect(raiseBand('STANDARD', 5)).toBe('HIGH');
  });

  it('are never lowered by a raise', () => {
    for (const band of BANDS) {
      expect(raiseBand(band, -1)).toBe(band);
      expect(raiseBand(band, 0)).toBe(band);
    }
  });

  it('compare so that the higher of two wins', () => {
    expect(maxBand('STANDARD', 'HIGH')).toBe('HIGH');
    expect(maxBand('MEDIUM', 'STANDARD')).toBe('MEDIUM');
    expect(maxBand('MEDIUM', 'MEDIUM')).toBe('MEDIUM');
  });
});

describe('the service config', () => {
  it('ships a default that parses, with Merseyside and its three teams', () => {
    const area = areaById(defaultServiceConfig, defaultServiceConfig.defaultAreaId);
    expect(area?.name).toBe('Merseyside');
    expect(area?.teams.map((team) => team.id)).toEqual(['mdvs', 'victim-care', 'housing-support']);
    expect(area?.screening.redFlags).toEqual(['threatsToKill', 'violenceUsed', 'weaponsAccess', 'selfHarmThreats']);
    expect(area && teamById(area, 'mdvs')?.deadlines.HIGH).toEqual({ clockHours: 24 });
    expect(area && teamById(area, 'mdvs')?.fallbackTeamId).toBe('victim-care');
  });

  it('parses the two-area test config and finds a team by id alone', () => {
    const config = parseServiceConfig(twoAreas);
    expect(config.areas.map((area) => area.id)).toEqual(['merseyside', 'halton']);
    expect(locateTeam(config, 'halton-housing')?.area.id).toBe('halton');
    expect(locateTeam(config, 'mdvs')?.area.id).toBe('merseyside');
    expect(locateTeam(config, 'nobody')).toBeUndefined();
  });

  it('refuses a fallback to a team that does not exist', () => {
    const area = merseyside();
    area.teams[0] = { ...area.teams[0], fallbackTeamId: 'no-such-team' };
    expect(() => parseServiceConfig(configWith([area]))).toThrow(/falls back to "no-such-team"/);
  });

  it('refuses fallbacks that go round in a circle', () => {
    const area = merseyside();
    area.teams[1] = { ...area.teams[1], fallbackTeamId: 'mdvs' };
    expect(() => parseServiceConfig(configWith([area]))).toThrow(/circle: (mdvs -> victim-care -> mdvs|victim-care -> mdvs -> victim-care)/);
  });

  it('refuses a team that falls back to itself', () => {
    const area = merseyside();
    area.teams[2] = { ...area.teams[2], fallbackTeamId: 'housing-support' };
    expect(() => parseServiceConfig(configWith([area]))).toThrow(/circle: housing-support -> housing-support/);
  });

  it('refuses roles and a default area that name nothing', () => {
    const area = { ...merseyside(), roles: { specialist: 'mdvs', general: 'victim-care', housing: 'housing' } };
    expect(() => parseServiceConfig(configWith([area], { defaultAreaId: 'wirral' })))
      .toThrow(/roles\.housing names "housing"[\s\S]*defaultAreaId "wirral"|defaultAreaId "wirral"[\s\S]*roles\.housing names "housing"/);
  });

  it('refuses two teams with the same id, even in different areas', () => {
    const area = merseyside();
    area.teams.push({ ...area.teams[0], name: 'Another' });
    expect(() => parseServiceConfig(configWith([area]))).toThrow(/team id "mdvs" is used more than once/);

    const halton = structuredClone(twoAreas.areas[1]) as unknown as Json & { teams: Json[] };
    halton.teams[0] = { ...halton.teams[0], id: 'mdvs' };
    halton.roles = { specialist: 'mdvs', general: 'halton-victims', housing: 'halton-housing' };
    expect(() => parseServiceConfig(configWith([merseyside(), halton]))).toThrow(/team id "mdvs" is used more than once/);
  });

  it('refuses two areas claiming the same postcode district', () => {
    const halton = structuredClone(twoAreas.areas[1]) as unknown as Json;
    expect(() => parseServiceConfig(configWith([merseyside(), { ...halton, postcodes: ['WA7', 'WA9'] }])))
      .toThrow(/"WA9-WA12" \(area "merseyside"\) and "WA9" \(area "halton"\) overlap/);
    expect(() => parseServiceConfig(configWith([merseyside(), { ...halton, postcodes: ['L30-L40'] }])))
      .toThrow(/overlap/);
    expect(() => parseServiceConfig(configWith([merseyside(), { ...halton, postcodes: ['L'] }])))
      .toThrow(/overlap/);
    expect(() => parseServiceConfig(configWith([merseyside(), { ...halton, postcodes: ['L39', 'L40'] }])))
      .not.toThrow();
  });

  it('refuses postcode patterns that are not well formed', () => {
    for (const bad of ['l1', 'L1-M3', 'L38-L1', 'L1 8JQ', 'L100', '']) {
      const area = { ...merseyside(), postcodes: ['L1-L38', bad] };
      expect(() => parseServiceConfig(configWith([area])), bad).toThrow(/postcodes\.1/);
    }
  });

  it('refuses a team covering postcodes outside its area', () => {
    const area = merseyside();
    area.teams[0] = { ...area.teams[0], postcodes: ['L30-L40'] };
    expect(() => parseServiceConfig(configWith([area]))).toThrow(/team "mdvs" covers "L30-L40", which is outside the area/);
  });

  it('refuses a MEDIUM threshold above the HIGH one', () => {
    const area = merseyside();
    area.screening = { ...(area.screening as Json), mediumYesCount: 8 };
    expect(() => parseServiceConfig(configWith([area]))).toThrow(/mediumYesCount: must not be more than highYesCount/);
  });

  it('refuses unknown fields, so a misspelt setting is not silently ignored', () => {
    const area = merseyside();
    area.teams[0] = { ...area.teams[0], fallbackTeam: 'victim-care' };
    expect(() => parseServiceConfig(configWith([area]))).toThrow(/areas\.0\.teams\.0/);
  });

  it('lists every problem it finds, not just the first', () => {
    const area = merseyside();
    area.teams[0] = { ...area.teams[0], fallbackTeamId: 'ghost' };
    area.teams[1] = { ...area.teams[1], fallbackTeamId: 'phantom' };
    let message = '';
    try {
      parseServiceConfig(configWith([area]));
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('"ghost"');
    expect(message).toContain('"phantom"');
  });
});

describe('team ids and sign-in groups', () => {
  it('rejects a team id that would clash with a coordinator or commissioner group', () => {
    const raw = JSON.parse(JSON.stringify(defaultServiceConfig)) as { areas: { teams: { id: string }[]; roles: Record<string, string> }[] };
    const area = raw.areas[0]!;
    const team = area.teams.find((t) => t.id === 'housing-support')!;
    team.id = 'coordinator-merseyside';
    area.roles.housing = 'coordinator-merseyside';
    expect(() => parseServiceConfig(raw)).toThrow(/clash/);
  });
});
