import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { recordContactAttempt } from '../adapters/referral-actions.js';
import { contactAttemptBody } from '../domain/contact-and-outcome.js';
import { callerFrom, requireTeamMember } from '../http/caller.js';
import { httpDefaults } from '../http/http-defaults.js';
import { staffToken } from '../http/staff-token.js';
import { jsonBody } from '../http/json-body.js';
import { referenceParameter, teamParameter } from '../http/path-parameters.js';
import { json } from '../http/responses.js';

/** A team records one attempt to reach the person (SPEC §2 step 6): appended, audited, never changed. */
const recordAttempt = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const caller = callerFrom(event);
  const reference = referenceParameter(event);
  const teamId = teamParameter(event);
  // Membership first: someone outside the team learns nothing, not even what a valid body looks like.
  requireTeamMember(caller, teamId);
  const body = jsonBody(event, contactAttemptBody, 'contact attempt');
  const attempt = await recordContactAttempt(reference, teamId, body, caller, new Date());
  return json(201, {
    reference, teamId, at: attempt.at, method: attempt.method, reached: attempt.reached,
    ...(attempt.note ? { note: attempt.note } : {}), recordedAt: attempt.recordedAt,
  });
};

export const handler = middy(recordAttempt).use(httpDefaults()).use(staffToken());
