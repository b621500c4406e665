import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { signpostReferral } from '../adapters/referral-actions.js';
import { signpostBody } from '../domain/action-requests.js';
import { callerFrom, isCoordinator } from '../http/caller.js';
import { httpDefaults } from '../http/http-defaults.js';
import { staffToken } from '../http/staff-token.js';
import { jsonBody } from '../http/json-body.js';
import { referenceParameter } from '../http/path-parameters.js';
import { fieldErrors, json } from '../http/responses.js';

/** The default area's coordinator closes an out-of-area referral as signposted elsewhere, with a reason. */
const signpost = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const caller = callerFrom(event);
  const reference = referenceParameter(event);
  // Anyone but a coordinator learns nothing, not even what a valid body looks like.
  if (!isCoordinator(caller)) throw fieldErrors(404, [{ path: 'reference', message: 'No such referral.' }]);
  const { reason } = jsonBody(event, signpostBody, 'signposting');
  const after = await signpostReferral(reference, reason, caller, new Date());
  return json(200, { reference, status: after.status, closure: after.closure ?? null });
};

export const handler = middy(signpost).use(httpDefaults()).use(staffToken());
