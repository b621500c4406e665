import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import * as path from 'node:path';
import sesEmulator from 'aws-ses-v2-local';
import { PROJECT_ROOT } from '../lib/constructs/referral-function.js';
import { createTableInput, ensureTable, startDynamoDbLocal, type RunningDynamoDb } from './dynamodb-local.js';
import { LocalGateway } from './gateway.js';
import { LocalLambdas } from './lambda-runtime.js';
import { LocalStepFunctions } from './step-functions-endpoint.js';
import { LOCAL_REGION, readLocalStack, synthesizeTemplate, type LocalStack } from './template.js';

export interface LocalCloudOptions {
  readonly port: number;
  readonly dynamoDbPort: number;
  readonly sesPort: number;
  readonly stepFunctionsPort: number;
  readonly dataDir: string;
  readonly log: (message: string) => void;
}

export interface LocalCloud {
  readonly urls: { api: string; mailViewer: string; dynamodb: string; stepFunctions: string };
  readonly stack: LocalStack;
  readonly stepFunctions: LocalStepFunctions;
  stop(): Promise<void>;
}

function listenSes(port: number): Promise<Server> {
  // A CommonJS module whose export is `default`: reached through the namespace under ESM.
  const start = (sesEmulator as unknown as { default: (config: { host: string; port: number }) => Promise<Server> }).default;
  return start({ host: '127.0.0.1', port });
}

/**
 * Brings the whole stack up on this machine: the template is synthesized from the CDK app, and the
 * table, the state machine, the functions and the routes are all read from it.
 */
export async function startLocalCloud(options: LocalCloudOptions): Promise<LocalCloud> {
  const stopping: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const step of stopping.reverse()) {
      await step().catch((error: Error) => options.log(`while stopping: ${error.message}`));
    }
    stopping.length = 0;
  };
  try {
    const gatewayUrl = `http://localhost:${options.port}`;
    const outdir = path.join(options.dataDir, 'cdk.out');
    mkdirSync(outdir, { recursive: true });
    const stack = readLocalStack(synthesizeTemplate(outdir), gatewayUrl);

    const dynamodb: RunningDynamoDb = await startDynamoDbLocal({
      port: options.dynamoDbPort,
      dataDir: path.join(options.dataDir, 'dynamodb'),
      log: (line) => options.log(`dynamodb: ${line.trim()}`),
    });
    stopping.push(() => dynamodb.stop());
    const tableName = stack.table.logicalId;
    await ensureTable(dynamodb.endpoint, createTableInput(tableName, stack.table.properties));

    const ses = await listenSes(options.sesPort);
    stopping.push(() => new Promise<void>((resolve) => { ses.close(() => resolve()); ses.closeAllConnections(); }));
    const sesUrl = `http://127.0.0.1:${options.sesPort}`;
    const stepFunctionsUrl = `http://127.0.0.1:${options.stepFunctionsPort}`;

    // The functions see the environment the template gives them; only the endpoints differ from AWS.
    Object.assign(process.env, mergedEnvironment(stack), {
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
      AWS_ENDPOINT_URL_SFN: stepFunctionsUrl,
      AWS_ENDPOINT_URL_SESV2: sesUrl,
      POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
    });

    const lambdas = new LocalLambdas(PROJECT_ROOT, stack.functions);
    const stepFunctions = new LocalStepFunctions(stack.stateMachine.arn, stack.stateMachine.definition as never, lambdas, options.log);
    await stepFunctions.listen(options.stepFunctionsPort);
    stopping.push(() => stepFunctions.close());

    const gateway = new LocalGateway(stack.routes, lambdas, options.log);
    const api = await gateway.listen(options.port);
    stopping.push(() => gateway.close());

    return {
      urls: { api, mailViewer: sesUrl, dynamodb: dynamodb.endpoint, stepFunctions: stepFunctionsUrl },
      stack,
      stepFunctions,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** All functions share this process, so their environments must agree wherever they overlap. */
function mergedEnvironment(stack: LocalStack): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const fn of stack.functions) {
    for (const [name, value] of Object.entries(fn.environment)) {
      if (name === 'NODE_OPTIONS') continue;
      if (name in merged && merged[name] !== value) {
        throw new Error(`Functions disagree on ${name}; the local cloud runs them in one process`);
      }
      merged[name] = value;
    }
  }
  return merged;
}
