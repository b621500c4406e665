import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { erasePersonalDetails } from '../adapters/referral-actions.js';
import { callerFrom } from '../http/caller.js';
import { httpDefaults } from '../http/http-defaults.js';
import { staffToken } from '../http/staff-token.js';
import { referenceParameter } from '../http/path-parameters.js';
import { json } from '../http/responses.js';

/** A coordinator erases one person's details on their request; a repeat is harmless. */
const erase = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const caller = callerFrom(event);
  const reference = referenceParameter(event);
  const outcome = await erasePersonalDetails(reference, caller, new Date());
  return json(200, { reference, erased: true, alreadyErased: outcome === 'already' });
};

export const handler = middy(erase).use(httpDefaults()).use(staffToken());
