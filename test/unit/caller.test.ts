import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  areasCommissioned, areasCoordinated, callerFrom, isCommissioner, isCoordinator, requireAnyGroup, requireTeamMember,
  teamsOf, type Caller,
} from '../../functions/http/caller.js';
import { teamParameter } from '../../functions/http/path-parameters.js';
import { thrown } from '../support/http-errors.js';

function eventWith(lambda?: Record<string, unknown>, pathParameters?: Record<string, string>): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'GET /api/teams/{teamId}/assignments',
    rawPath: '/api/teams/mdvs/assignments',
    rawQueryString: '',
    headers: {},
    isBase64Encoded: false,
    ...(pathParameters ? { pathParameters } : {}),
    requestContext: {
      accountId: '000000000000', apiId: 'local', domainName: 'localhost', domainPrefix: 'localhost',
      http: { method: 'GET', path: '/api/teams/mdvs/assignments', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: 'r-1', routeKey: 'GET /api/teams/{teamId}/assignments', stage: '$default', time: '', timeEpoch: 0,
      ...(lambda ? { authorizer: { lambda } } : {}),
    },
  } as APIGatewayProxyEventV2;
}


const caller = (...groups: string[]): Caller => ({ userId: 'b1f4c2d0-sub', username: 'a.worker', groups });

describe('who is calling', () => {
  it('is whoever the authorizer vouched for, with their groups', () => {
    expect(callerFrom(eventWith({ userId: 'b1f4c2d0-sub', username: 'a.worker', groups: 'mdvs,coordinator-merseyside' })))
      .toEqual({ userId: 'b1f4c2d0-sub', username: 'a.worker', groups: ['mdvs', 'coordinator-merseyside'] });
  });

  it('has no groups when the authorizer passed none', () => {
    expect(callerFrom(eventWith({ userId: 'u', username: 'u', groups: '' })).groups).toEqual([]);
    expect(callerFrom(eventWith({ userId: 'u', username: 'u' })).groups).toEqual([]);
  });

  it('is nobody, and gets a 401 asking them to sign in, when the route had no authorizer', () => {
    const error = thrown(() => callerFrom(eventWith()));
    expect(error.statusCode).toBe(401);
    expect(error.headers['www-authenticate']).toBe('Bearer');
  });

  it('is nobody when the authorizer context has no user id', () => {
    expect(thrown(() => callerFrom(eventWith({ username: 'x', groups: 'mdvs' }))).statusCode).toBe(401);
    expect(thrown(() => callerFrom(eventWith({ userId: '', username: 'x', groups: 'mdvs' }))).statusCode).toBe(401);
  });
});

describe('roles', () => {
  it('knows a coordinator by their area group, for that area only', () => {
    const merseyside = caller('coordinator-merseyside');
    expect(isCoordinator(merseyside)).toBe(true);
    expect(isCoordinator(merseyside, 'merseyside')).toBe(true);
    expect(isCoordinator(merseyside, 'cheshire')).toBe(false);
    expect(areasCoordinated(merseyside)).toEqual(['merseyside']);
    expect(isCoordinator(caller('mdvs', 'commissioner-merseyside'))).toBe(false);
  });

  it('knows a commissioner by their area group, for that area only', () => {
    const office = caller('commissioner-cheshire');
    expect(isCommissioner(office)).toBe(true);
    expect(isCommissioner(office, 'cheshire')).toBe(true);
    expect(isCommissioner(office, 'merseyside')).toBe(false);
    expect(areasCommissioned(office)).toEqual(['cheshire']);
    expect(isCommissioner(caller('coordinator-cheshire'))).toBe(false);
  });

  it('lists only the teams the configuration knows, in its order', () => {
    expect(teamsOf(caller('housing-support', 'coordinator-merseyside', 'mdvs', 'old-team'), ['mdvs', 'victim-care', 'housing-support']))
      .toEqual(['mdvs', 'housing-support']);
    expect(teamsOf(caller('commissioner-merseyside'), ['mdvs'])).toEqual([]);
  });
});

describe("another team's data", () => {
  it('lets a member of the team through', () => {
    expect(() => requireTeamMember(caller('victim-care'), 'victim-care')).not.toThrow();
  });

  it('answers a non-member exactly as it answers a team that does not exist', () => {
    const notMember = thrown(() => requireTeamMember(caller('victim-care'), 'mdvs'));
    const noSuchTeam = thrown(() => teamParameter(eventWith(undefined, { teamId: 'No Such Team' })));
    expect(notMember.statusCode).toBe(404);
    expect(notMember.errors).toEqual(noSuchTeam.errors);
  });

  it('does not count a coordinator or commissioner as a team member', () => {
    expect(thrown(() => requireTeamMember(caller('coordinator-merseyside', 'commissioner-merseyside'), 'mdvs')).statusCode).toBe(404);
  });
});

describe('routes open to some roles', () => {
  it('lets in anyone holding one of the roles', () => {
    expect(() => requireAnyGroup(caller('commissioner-merseyside'), ['commissioner-merseyside', 'commissioner-cheshire'])).not.toThrow();
  });

  it('refuses everyone else with a 403', () => {
    expect(thrown(() => requireAnyGroup(caller('mdvs'), ['commissioner-merseyside'])).statusCode).toBe(403);
    expect(thrown(() => requireAnyGroup(caller(), [])).statusCode).toBe(403);
  });
});
