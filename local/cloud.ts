import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import * as path from 'node:path';
import sesEmulator from 'aws-ses-v2-local';
import { PROJECT_ROOT } from '../lib/constructs/referral-function.js';
import { commissionerGroup, coordinatorGroup } from '../functions/domain/access.js';
import type { ServiceConfig } from '../functions/domain/config.js';
import { serviceConfigFrom } from '../functions/adapters/service-config.js';
import { cognitoDataDir, seedSignIn, startCognitoLocal, type SeededSignIn, type SeededUser } from './cognito-local.js';
import { createTableInput, ensureTable, startDynamoDbLocal, type RunningDynamoDb } from './dynamodb-local.js';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { LocalGateway } from './gateway.js';
import { LocalKmsEndpoint, readKmsKeys } from './kms-endpoint.js';
import { LocalLambdas } from './lambda-runtime.js';
import { LocalSesFront, readEmailEventDestinations } from './ses-front.js';
import { LocalSnsEndpoint, readTopics } from './sns-endpoint.js';
import { LocalStepFunctions } from './step-functions-endpoint.js';
import { LocalStreamPoller } from './stream-poller.js';
import { LocalTokenEndpoint, seedPartnerClients, type SeededPartnerClient } from './token-endpoint.js';
import partnerConfig from '../config/partner-clients.json' with { type: 'json' };
import { LOCAL_REGION, readLocalStack, synthesizeTemplate, type LocalStack } from './template.js';

export interface LocalCloudOptions {
  readonly port: number;
  readonly dynamoDbPort: number;
  readonly sesPort: number;
  readonly stepFunctionsPort: number;
  readonly cognitoPort: number;
  /** The KMS endpoint's port (0: any free one). */
  readonly kmsPort?: number;
  readonly dataDir: string;
  /** An SES emulator that is already running (one that outlives restarts of the local cloud, in tests). */
  readonly externalSesUrl?: string;
  /** A DynamoDB Local that is already running (one a test stops and starts on its own, to see outages). */
  readonly externalDynamoDbUrl?: string;
  /**
   * Where the functions reach the Step Functions API, when not straight at this cloud's endpoint: a
   * gateway in front of it that a test closes and opens again, to see the workflow service go away.
   */
  readonly stepFunctionsApiUrl?: string;
  /** Where the functions fetch the pool's keys, when not from the emulator: an address that does not answer, to see a key outage. */
  readonly jwksUri?: string;
  readonly log: (message: string) => void;
}

export interface LocalCloud {
  readonly urls: { api: string; mailViewer: string; dynamodb: string; stepFunctions: string; cognito: string; sns: string; token: string; kms: string };
  /** Each partner organisation's machine credentials (client-credentials grant at `urls.token`). */
  readonly partnerClients: SeededPartnerClient[];
  /** The seeded demo users, each with the TOTP secret their authenticator app would hold. */
  readonly signIn: SeededSignIn & { users: (SeededUser & { totpSecret: string })[] };
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

    let dynamodbUrl = options.externalDynamoDbUrl;
    if (!dynamodbUrl) {
      const dynamodb: RunningDynamoDb = await startDynamoDbLocal({
        port: options.dynamoDbPort,
        dataDir: path.join(options.dataDir, 'dynamodb'),
        log: (line) => options.log(`dynamodb: ${line.trim()}`),
      });
      stopping.push(() => dynamodb.stop());
      dynamodbUrl = dynamodb.endpoint;
    }
    const tableName = stack.table.logicalId;
    await ensureTable(dynamodbUrl, createTableInput(tableName, stack.table.properties));

    const cognito = await startCognitoLocal({
      port: options.cognitoPort, dataDir: cognitoDataDir(options.dataDir), log: (line) => options.log(`cognito: ${line}`),
    });
    stopping.push(() => cognito.stop());
    const users = demoUsers(effectiveConfig());
    const signIn = await seedSignIn({
      endpoint: cognito.endpoint, dataDir: cognitoDataDir(options.dataDir),
      groups: [...new Set(users.flatMap((u) => u.groups))], users,
    });
    // The same partner list the stack makes app clients from.
    const partnerClients = await seedPartnerClients({
      endpoint: cognito.endpoint, dataDir: cognitoDataDir(options.dataDir), userPoolId: signIn.userPoolId, partners: partnerConfig.partners,
    });
    const tokenEndpoint = new LocalTokenEndpoint({ cognitoEndpoint: cognito.endpoint, userPoolId: signIn.userPoolId, issuer: signIn.issuer, log: options.log });
    const tokenUrl = `${await tokenEndpoint.listen(0)}/oauth2/token`;
    stopping.push(() => tokenEndpoint.close());

    let sesUrl = options.externalSesUrl;
    if (!sesUrl) {
      const ses = await listenSes(options.sesPort);
      stopping.push(() => new Promise<void>((resolve) => { ses.close(() => resolve()); ses.closeAllConnections(); }));
      sesUrl = `http://127.0.0.1:${options.sesPort}`;
    }
    const stepFunctionsUrl = `http://127.0.0.1:${options.stepFunctionsPort}`;
    const lambdas = new LocalLambdas(PROJECT_ROOT, stack.functions);

    // SNS, locally: the operations topic is delivered as email into the mail viewer (straight to the
    // emulator, never back through the front below), and the email-events topic to its function.
    const topics = readTopics(stack.template);
    const mailer = new SESv2Client({ endpoint: sesUrl, region: LOCAL_REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    stopping.push(async () => mailer.destroy());
    const sns = new LocalSnsEndpoint(topics, {
      deliverEmail: async (to, subject, text) => {
        await mailer.send(new SendEmailCommand({
          FromEmailAddress: 'no-reply@sns.amazonaws.com', Destination: { ToAddresses: [to] },
          Content: { Simple: { Subject: { Data: subject }, Body: { Text: { Data: text } } } },
        }));
      },
      invokeLambda: (arn, event) => lambdas.invoke(arn, event),
      log: options.log,
    });
    const snsUrl = await sns.listen(0);
    stopping.push(() => sns.close());
    // SES in front of the emulator: refusals and the mailbox simulator's bounces and complaints, which
    // reach the configuration set's event destination as they would in AWS.
    const sesFront = new LocalSesFront({
      emulatorUrl: sesUrl, eventDestinations: readEmailEventDestinations(stack.template), log: options.log,
      publishEmailEvent: async (_configurationSet, _type, eventJson, topicLogicalId) => {
        const topic = topics.find((t) => t.logicalId === topicLogicalId);
        if (!topic) throw new Error(`No topic ${topicLogicalId} for email events`);
        sns.publish({ topicArn: topic.topicArn, message: eventJson });
      },
    });
    const sesApiUrl = await sesFront.listen(0);
    stopping.push(() => sesFront.close());

    // KMS, locally: the template's keys, with material of this local cloud's own kept in its data folder.
    const kms = new LocalKmsEndpoint(readKmsKeys(stack.template), options.dataDir);
    const kmsUrl = await kms.listen(options.kmsPort ?? 0);
    stopping.push(() => kms.close());

    // The functions see the environment the template gives them; only the endpoints differ from AWS.
    Object.assign(process.env, mergedEnvironment(stack), {
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: dynamodbUrl,
      AWS_ENDPOINT_URL_SFN: options.stepFunctionsApiUrl ?? stepFunctionsUrl,
      AWS_ENDPOINT_URL_SESV2: sesApiUrl,
      AWS_ENDPOINT_URL_SNS: snsUrl,
      AWS_ENDPOINT_URL_KMS: kmsUrl,
      AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: cognito.endpoint,
      // Tokens are verified against the emulator's pool instead of the deployed one: ordinary settings, no branch.
      JWT_ISSUER: signIn.issuer,
      JWKS_URI: options.jwksUri ?? signIn.jwksUri,
      USER_POOL_CLIENT_ID: signIn.clientId,
      // The API contract names the local token endpoint, as it names the pool's domain in AWS.
      CLIENT_TOKEN_URL: tokenUrl,
      PARTNER_CLIENTS: JSON.stringify(partnerClients.map(({ clientId, organisation }) => ({ clientId, organisation }))),
      POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
    });

    const stepFunctions = new LocalStepFunctions(
      stack.stateMachine.arn, stack.stateMachine.definition as never, lambdas, options.log,
      path.join(options.dataDir, 'executions.json'),
    );
    await stepFunctions.listen(options.stepFunctionsPort);
    stopping.push(() => stepFunctions.close());

    const gateway = new LocalGateway(stack.routes, lambdas, options.log);
    const api = await gateway.listen(options.port);
    stopping.push(() => gateway.close());

    const resumed = stepFunctions.resume();
    if (resumed) options.log(`resumed ${resumed} running workflow execution(s)`);

    // The table's stream, read as the template's event source mappings say (after the Step Functions
    // endpoint, so the outbox consumer has a workflow to start).
    const streamPoller = new LocalStreamPoller({
      endpoint: dynamodbUrl, tableName, mappings: stack.streamMappings, lambdas, log: options.log,
      checkpointFile: path.join(options.dataDir, 'stream-checkpoints.json'),
      onFailureFile: path.join(options.dataDir, 'stream-on-failure.jsonl'),
    });
    streamPoller.start();
    stopping.push(() => streamPoller.stop());

    return {
      urls: { api, mailViewer: sesUrl, dynamodb: dynamodbUrl, stepFunctions: stepFunctionsUrl, cognito: cognito.endpoint, sns: snsUrl, token: tokenUrl, kms: kmsUrl },
      partnerClients,
      signIn: { ...signIn, users: users.map((u) => ({ ...u, totpSecret: signIn.totpSecrets[u.username]! })) },
      stack,
      stepFunctions,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The config the functions will load: the same file, read by the same function. */
function effectiveConfig(): ServiceConfig {
  return serviceConfigFrom(process.env.SERVICE_CONFIG_PATH);
}

/** A demo password for every seeded user: the local cloud holds no real data and is reachable from this machine only. */
export const LOCAL_USER_PASSWORD = process.env.LOCAL_USER_PASSWORD ?? 'Local-demo-only-1!';

/** One caseworker per team, one coordinator and one commissioner per area (groups as in the stack). */
function demoUsers(config: ServiceConfig): SeededUser[] {
  const user = (username: string, groups: string[]): SeededUser => ({
    username, email: `${username}@users.referrals.example`, password: LOCAL_USER_PASSWORD, groups,
  });
  return config.areas.flatMap((area) => [
    ...area.teams.map((team) => user(`${team.id}.caseworker`, [team.id])),
    user(`coordinator.${area.id}`, [coordinatorGroup(area.id)]),
    user(`commissioner.${area.id}`, [commissionerGroup(area.id)]),
  ]);
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
