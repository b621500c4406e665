import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../lib/handler-module.js';
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
import type { LocalStepFunctions } from './step-functions-endpoint.js';
import { LocalTokenEndpoint, seedPartnerClients, type SeededPartnerClient } from './token-endpoint.js';
import partnerConfig from '../config/partner-clients.json' with { type: 'json' };
import { LOCAL_REGION, readLocalStack, type LocalStack } from './template.js';
import { localTemplate, synthesizeInChildProcess } from './template-cache.js';
import { StartUpTimings } from './start-up-timings.js';

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
  /** Where the start's time goes, phase by phase (printed by `npm start` with LOCAL_TIMINGS=1). */
  readonly timings?: StartUpTimings;
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

// Loaded once DynamoDB Local and cognito-local are booting, not before: their start, not this
// process's module loading, is what a start waits for (issue 17).
async function listenSes(port: number): Promise<Server> {
  type StartSes = (config: { host: string; port: number }) => Promise<Server>;
  // A CommonJS module whose export is `default`: imported dynamically, the namespace's default is that
  // function or the module holding it, as the loader's interop has it (tsx, plain Node).
  const loaded = (await import('aws-ses-v2-local')) as unknown as { default: StartSes | { default: StartSes } };
  const start = typeof loaded.default === 'function' ? loaded.default : loaded.default.default;
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
  const timings = options.timings ?? new StartUpTimings(false);
  try {
    const gatewayUrl = `http://localhost:${options.port}`;
    const outdir = path.join(options.dataDir, 'cdk.out');
    mkdirSync(outdir, { recursive: true });
    // Read before anything starts: a config that does not load stops the start with nothing to stop.
    const users = demoUsers(effectiveConfig());
    // Independent of one another, so started together: a start waits for the slowest (DynamoDB Local's
    // JVM, or a synthesis when the app changed) rather than for them all in turn (issue 17).
    const dynamodbReady = options.externalDynamoDbUrl !== undefined
      ? Promise.resolve(options.externalDynamoDbUrl)
      : timings.time('DynamoDB Local', () => startDynamoDbLocal({
        port: options.dynamoDbPort,
        dataDir: path.join(options.dataDir, 'dynamodb'),
        log: (line) => options.log(`dynamodb: ${line.trim()}`),
      })).then((dynamodb: RunningDynamoDb) => {
        stopping.push(() => dynamodb.stop());
        return dynamodb.endpoint;
      });
    const cognitoReady = timings.time('cognito-local', () => startCognitoLocal({
      port: options.cognitoPort, dataDir: cognitoDataDir(options.dataDir), log: (line) => options.log(`cognito: ${line}`),
    })).then((cognito) => {
      stopping.push(() => cognito.stop());
      return cognito;
    });
    const signInReady = cognitoReady.then((cognito) => timings.time('seeding users', () => seedSignIn({
      endpoint: cognito.endpoint, dataDir: cognitoDataDir(options.dataDir),
      groups: [...new Set(users.flatMap((u) => u.groups))], users,
    })));
    // The same partner list the stack makes app clients from.
    const partnersReady = Promise.all([cognitoReady, signInReady]).then(([cognito, signIn]) => timings.time('seeding partner clients', () => seedPartnerClients({
      endpoint: cognito.endpoint, dataDir: cognitoDataDir(options.dataDir), userPoolId: signIn.userPoolId, partners: partnerConfig.partners,
    })));

    const sesReady = options.externalSesUrl !== undefined
      ? Promise.resolve(options.externalSesUrl)
      : Promise.resolve(options.sesPort).then(listenSes).then((ses) => {
        stopping.push(() => new Promise<void>((resolve) => { ses.close(() => resolve()); ses.closeAllConnections(); }));
        return `http://127.0.0.1:${options.sesPort}`;
      });

    const laterModules = Promise.all([import('./step-functions-endpoint.js'), import('./stream-poller.js')]);

    // Last, so the emulators' processes are already booting while this process synthesizes.
    const stackReady = timings.time('template', async () => {
      const { template, cached } = await localTemplate({ projectRoot: PROJECT_ROOT, outdir, env: process.env }, synthesizeInChildProcess(PROJECT_ROOT));
      options.log(cached ? 'template: as synthesized before (nothing it is made from has changed)' : 'template: synthesized');
      return readLocalStack(template, gatewayUrl);
    });
    const tableReady = Promise.all([stackReady, dynamodbReady]).then(([stack, url]) =>
      timings.time('table', () => ensureTable(url, createTableInput(stack.table.logicalId, stack.table.properties))));

    const [stack, dynamodbUrl, , cognito, signIn, partnerClients, sesUrl, [{ LocalStepFunctions }, { LocalStreamPoller }]] = await allStarted(
      [stackReady, dynamodbReady, tableReady, cognitoReady, signInReady, partnersReady, sesReady, laterModules] as const,
    );
    const tableName = stack.table.logicalId;

    const endServers = timings.begin('token, SNS, KMS, SFN, gateway');
    const tokenEndpoint = new LocalTokenEndpoint({ cognitoEndpoint: cognito.endpoint, userPoolId: signIn.userPoolId, issuer: signIn.issuer, log: options.log });
    const tokenUrl = `${await tokenEndpoint.listen(0)}/oauth2/token`;
    stopping.push(() => tokenEndpoint.close());

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

    endServers();
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

/**
 * Waits for every piece started side by side, failed or not, before failing: a piece still starting
 * when the others are stopped would be left running with nobody to stop it.
 */
async function allStarted<T extends readonly unknown[]>(pieces: { readonly [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(pieces);
  const failed = settled.find((piece): piece is PromiseRejectedResult => piece.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((piece) => (piece as PromiseFulfilledResult<unknown>).value) as unknown as T;
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
