import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { reassignReferral } from '../adapters/referral-actions.js';
import { reassignBody } from '../domain/action-requests.js';
import { callerFrom, isCoordinator } from '../http/caller.js';
import { httpDefaults } from '../http/http-defaults.js';
import { staffToken } from '../http/staff-token.js';
import { jsonBody } from '../http/json-body.js';
import { referenceParameter } from '../http/path-parameters.js';
import { fieldErrors, json } from '../http/responses.js';

/** A coordinator gives a referral to another team of their area; that team's deadline starts now. */
const reassign = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const caller = callerFrom(event);
  const reference = referenceParameter(event);
  if (!isCoordinator(caller)) throw fieldErrors(404, [{ path: 'reference', message: 'No such referral.' }]);
  const body = jsonBody(event, reassignBody, 're-assignment');
  const after = await reassignReferral({ reference, ...body, caller, now: new Date() });
  return json(200, { reference, teamId: after.teamId, status: after.status, deadlineAt: after.deadlineAt ?? null });
};

export const handler = middy(reassign).use(httpDefaults()).use(staffToken());
