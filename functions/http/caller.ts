import type { APIGatewayProxyEventV2, APIGatewayProxyEventV2WithLambdaAuthorizer } from 'aws-lambda';
import { commissionerGroup, coordinatorGroup, isTeamMember } from '../domain/access.js';
import { noSuchTeam } from '../domain/refusals.js';
import { httpErrorOf } from './refusals.js';
import { fieldErrors } from './responses.js';

/** Who is signed in, as the authorizer vouched for them. Groups are their roles (SPEC §9). */
export interface Caller {
  readonly userId: string;
  readonly username: string;
  readonly groups: string[];
}

/** What functions/api/authorize-request.ts puts in the authorizer context: strings only, groups comma-joined. */
export interface CallerContext {
  readonly userId: string;
  readonly username: string;
  readonly groups: string;
}

type SignedInEvent = APIGatewayProxyEventV2WithLambdaAuthorizer<Partial<CallerContext> | undefined> | APIGatewayProxyEventV2;

const signInRequired = () =>
  fieldErrors(401, [{ path: '', message: 'Sign in to continue.' }], { 'www-authenticate': 'Bearer' });

/**
 * The caller of a signed-in route. A route reached without the authorizer's context is refused rather
 * than served to nobody in particular: it means the route was wired without an authorizer.
 */
export function callerFrom(event: SignedInEvent): Caller {
  const context = (event.requestContext as { authorizer?: { lambda?: Partial<CallerContext> | null } }).authorizer?.lambda;
  const userId = context?.userId;
  const username = context?.username;
  if (typeof userId !== 'string' || userId === '' || typeof username !== 'string') throw signInRequired();
  const groups = typeof context?.groups === 'string' ? context.groups.split(',').filter((g) => g !== '') : [];
  return { userId, username, groups };
}

const COORDINATOR_PREFIX = coordinatorGroup('');
const COMMISSIONER_PREFIX = commissionerGroup('');

const areasWithPrefix = (caller: Caller, prefix: string) =>
  caller.groups.filter((g) => g.startsWith(prefix) && g.length > prefix.length).map((g) => g.slice(prefix.length));

/** Areas whose coordinator the caller is; a coordinator sees their own area only (SPEC §4). */
export function areasCoordinated(caller: Caller): string[] {
  return areasWithPrefix(caller, COORDINATOR_PREFIX);
}

/** Areas whose commissioner's office the caller belongs to. */
export function areasCommissioned(caller: Caller): string[] {
  return areasWithPrefix(caller, COMMISSIONER_PREFIX);
}

/** A coordinator of `areaId`, or of any area when none is named. */
export function isCoordinator(caller: Caller, areaId?: string): boolean {
  return areaId === undefined ? areasCoordinated(caller).length > 0 : caller.groups.includes(coordinatorGroup(areaId));
}

/** In a commissioner's office for `areaId`, or for any area when none is named. */
export function isCommissioner(caller: Caller, areaId?: string): boolean {
  return areaId === undefined ? areasCommissioned(caller).length > 0 : caller.groups.includes(commissionerGroup(areaId));
}

/** The caller's teams among those the configuration knows, in the configuration's order. */
export function teamsOf(caller: Caller, knownTeamIds: readonly string[]): string[] {
  return knownTeamIds.filter((teamId) => caller.groups.includes(teamId));
}

/**
 * Refuses anyone outside the team with the same 404 an unknown team gets: a 403 would confirm that the
 * team, or another team's referral, exists.
 */
export function requireTeamMember(caller: Caller, teamId: string): void {
  if (!isTeamMember(caller.groups, teamId)) throw httpErrorOf(noSuchTeam());
}

/** For routes whose existence is no secret (reports): a plain 403 when the caller has none of the roles. */
export function requireAnyGroup(caller: Caller, groups: readonly string[]): void {
  if (!groups.some((group) => caller.groups.includes(group))) {
    throw fieldErrors(403, [{ path: '', message: 'Your account does not give you access to this.' }]);
  }
}
