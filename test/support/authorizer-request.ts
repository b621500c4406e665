import type { APIGatewayRequestAuthorizerEventV2, Context } from 'aws-lambda';

/** A request to the Lambda authorizer as API Gateway (payload 2.0) sends it, for an inbox read. */
export function authorizerRequest(options: { authorization?: string; cookies?: string[] } = {}): APIGatewayRequestAuthorizerEventV2 {
  return {
    version: '2.0', type: 'REQUEST', routeArn: 'arn:aws:execute-api:eu-west-2:000000000000:api/$default/GET/api/teams/victim-care/assignments',
    identitySource: options.authorization ? [options.authorization] : [], routeKey: 'GET /api/teams/{teamId}/assignments',
    rawPath: '/api/teams/victim-care/assignments', rawQueryString: '',
    cookies: options.cookies ?? [],
    headers: options.authorization === undefined ? {} : { authorization: options.authorization },
    requestContext: {
      accountId: '000000000000', apiId: 'api', domainName: 'example', domainPrefix: 'example', requestId: 'r-1',
      routeKey: 'GET /api/teams/{teamId}/assignments', stage: '$default', time: '', timeEpoch: 0,
      http: { method: 'GET', path: '/api/teams/victim-care/assignments', protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'test' },
    },
  };
}

export const authorizerContext = {
  callbackWaitsForEmptyEventLoop: false, functionName: 'AuthorizeRequest', functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-2:000000000000:function:AuthorizeRequest', memoryLimitInMB: '512',
  awsRequestId: 'req-1', logGroupName: '/aws/lambda/AuthorizeRequest', logStreamName: 'test',
  getRemainingTimeInMillis: () => 5000, done: () => undefined, fail: () => undefined, succeed: () => undefined,
} as Context;
