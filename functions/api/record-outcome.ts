import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { recordOutcome } from '../adapters/referral-actions.js';
import { outcomeBody } from '../domain/contact-and-outcome.js';
import { callerFrom, requireTeamMember } from '../http/caller.js';
import { httpDefaults } from '../http/http-defaults.js';
import { staffToken } from '../http/staff-token.js';
import { jsonBody } from '../http/json-body.js';
import { referenceParameter, teamParameter } from '../http/path-parameters.js';
import { json } from '../http/responses.js';

/** A team ends its part with an outcome (SPEC §2 step 6); the last one closes the referral. A repeat is harmless. */
const outcome = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const caller = callerFrom(event);
  const reference = referenceParameter(event);
  const teamId = teamParameter(event);
  requireTeamMember(caller, teamId);
  const body = jsonBody(event, outcomeBody, 'outcome');
  const { assignment, referralStatus } = await recordOutcome(reference, teamId, body, caller, new Date());
  return json(200, {
    reference, teamId, outcome: assignment.outcome, outcomeAt: assignment.outcomeAt, referralStatus,
  });
};

export const handler = middy(outcome).use(httpDefaults()).use(staffToken());
