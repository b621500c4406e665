import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { TEAM_ID } from '../domain/action-requests.js';
import { isReference } from '../domain/reference.js';
import { noSuchReferral, noSuchTeam } from '../domain/refusals.js';
import { httpErrorOf } from './refusals.js';

export { TEAM_ID };

/** A malformed reference or team id is simply not found: nothing to confirm or deny. */
export function referenceParameter(event: APIGatewayProxyEventV2): string {
  const reference = event.pathParameters?.reference ?? '';
  if (!isReference(reference)) throw httpErrorOf(noSuchReferral());
  return reference;
}

export function teamParameter(event: APIGatewayProxyEventV2): string {
  const teamId = event.pathParameters?.teamId ?? '';
  if (!TEAM_ID.test(teamId)) throw httpErrorOf(noSuchTeam());
  return teamId;
}
