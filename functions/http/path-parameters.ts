import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { isReference } from '../domain/reference.js';
import { noSuchReferral, noSuchTeam } from '../domain/refusals.js';
import { httpErrorOf } from './refusals.js';

/** The shape of a team id wherever one arrives from outside: path, form or body. */
export const TEAM_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

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
