import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { apiContract } from '../http/api-contract.js';
import { httpDefaults } from '../http/http-defaults.js';
import { json } from '../http/responses.js';

/**
 * The partner organisations' client-credentials token endpoint: the user pool's domain in AWS, the local
 * cloud's own endpoint locally. Relative (to the API) when it is not configured, as OpenAPI 3.1 allows.
 */
const tokenUrl = process.env.CLIENT_TOKEN_URL ?? '/oauth2/token';

/** `GET /api/openapi.json`: the API's contract, addressed to wherever it was asked for. */
const openApiDocument = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  // API Gateway always says https in x-forwarded-proto; the local gateway serves plain http.
  const scheme = (event.headers?.['x-forwarded-proto'] ?? 'http').split(',')[0]!.trim();
  const host = event.headers?.host ?? event.requestContext?.domainName ?? 'localhost';
  return json(200, apiContract({ serverUrl: `${scheme}://${host}`, tokenUrl }, new Date()));
};

export const handler = middy(openApiDocument).use(httpDefaults());
