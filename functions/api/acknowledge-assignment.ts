import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { acknowledgeAssignment } from '../adapters/referral-actions.js';
import { callerFrom } from '../http/caller.js';
import { httpDefaults } from '../http/http-defaults.js';
import { signedIn, staffToken } from '../http/staff-token.js';
import { referenceParameter, teamParameter } from '../http/path-parameters.js';
import { json } from '../http/responses.js';

/** A team takes the referral on; late acknowledgements are recorded and flagged. A repeat is harmless. */
const acknowledge = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const caller = callerFrom(event);
  const reference = referenceParameter(event);
  const teamId = teamParameter(event);
  const after = await acknowledgeAssignment(reference, teamId, caller, new Date(), signedIn(event));
  return json(200, { reference, teamId, status: after.status, acknowledgedAt: after.acknowledgedAt, late: after.late ?? false });
};

// The assignment is read while the token's revocation is: acknowledgeAssignment changes nothing before
// both are in (issue 17: one round trip less on a caseworker's busiest button).
export const handler = middy(acknowledge).use(httpDefaults()).use(staffToken({ revocation: 'read-alongside' }));
