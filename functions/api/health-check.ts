import middy from '@middy/core';
import { DescribeStateMachineCommand } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { sfn } from '../adapters/aws-clients.js';
import { requiredEnv } from '../adapters/environment.js';
import { tableIsActive } from '../adapters/referral-store.js';
import { httpDefaults } from '../http/http-defaults.js';
import { json } from '../http/responses.js';
import { logger } from '../platform/observability.js';

const stateMachineArn = requiredEnv('STATE_MACHINE_ARN');

const healthCheck = async (): Promise<APIGatewayProxyStructuredResultV2> => {
  const checks = await Promise.allSettled([
    tableIsActive().then((active) => { if (!active) throw new Error('Table not active'); }),
    sfn.send(new DescribeStateMachineCommand({ stateMachineArn })),
  ]);
  const failed = checks.flatMap((check, i) => (check.status === 'rejected' ? [['table', 'workflow'][i]] : []));
  if (failed.length > 0) {
    logger.warn('Health check failed', { failed });
    return json(503, { status: 'unavailable', failing: failed }, { 'retry-after': '10' });
  }
  return json(200, { status: 'ok' });
};

export const handler = middy(healthCheck).use(httpDefaults());
