import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { declineAssignment } from '../adapters/referral-actions.js';
import { declineBody } from '../domain/action-requests.js';
import { callerFrom, requireTeamMember } from '../http/caller.js';
import { httpDefaults } from '../http/http-defaults.js';
import { staffToken } from '../http/staff-token.js';
import { jsonBody } from '../http/json-body.js';
import { referenceParameter, teamParameter } from '../http/path-parameters.js';
import { json } from '../http/responses.js';

/** A team cannot take the referral: the reason is kept and the workflow hands it to the fallback team. */
const decline = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const caller = callerFrom(event);
  const reference = referenceParameter(event);
  const teamId = teamParameter(event);
  // Membership first: someone outside the team learns nothing, not even what a valid body looks like.
  requireTeamMember(caller, teamId);
  const { reason } = jsonBody(event, declineBody, 'decline');
  const after = await declineAssignment(reference, teamId, reason, caller, new Date());
  return json(200, { reference, teamId, status: after.status, declinedAt: after.declinedAt });
};

export const handler = middy(decline).use(httpDefaults()).use(staffToken());
