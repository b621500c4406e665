import * as path from 'node:path';
import { PROJECT_ROOT } from '../lib/handler-module.js';
import { startLocalCloud, type LocalCloud } from './cloud.js';
import { watchForOrphaning } from './orphan-watch.js';
import { announceCloud } from './running-clouds.js';
import { StartUpTimings } from './start-up-timings.js';

const timings = new StartUpTimings();
timings.sinceProcessStart('Node, tsx and start.ts imports');
const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
let cloud: LocalCloud | undefined;
let shuttingDown = false;
let withdraw = () => {};

async function shutdown(code: number): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  console.log('local cloud: stopping…');
  withdraw();
  const force = setTimeout(() => process.exit(code || 1), 10_000);
  force.unref();
  await cloud?.stop();
  console.log('local cloud: stopped');
  process.exit(code);
}

process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
process.on('SIGHUP', () => void shutdown(0));
process.on('uncaughtException', (error) => {
  console.error('local cloud: fatal', error);
  void shutdown(1);
});
// Whoever started us (npm, the test runner) may die without a signal reaching us (SIGKILL):
// when we are orphaned, we stop, and DynamoDB Local goes with us.
watchForOrphaning(() => void shutdown(0));

const dataDir = path.resolve(process.env.LOCAL_DATA_DIR ?? path.join(PROJECT_ROOT, '.local'));
try {
  cloud = await startLocalCloud({
    port: port('PORT', 3000),
    dynamoDbPort: port('DYNAMODB_PORT', 8000),
    sesPort: port('SES_PORT', 8005),
    stepFunctionsPort: port('STEP_FUNCTIONS_PORT', 8083),
    cognitoPort: port('COGNITO_PORT', 9229),
    kmsPort: port('KMS_PORT', 8006),
    dataDir,
    ...(process.env.LOCAL_SES_URL ? { externalSesUrl: process.env.LOCAL_SES_URL } : {}),
    ...(process.env.LOCAL_DYNAMODB_URL ? { externalDynamoDbUrl: process.env.LOCAL_DYNAMODB_URL } : {}),
    ...(process.env.LOCAL_STEP_FUNCTIONS_API_URL ? { stepFunctionsApiUrl: process.env.LOCAL_STEP_FUNCTIONS_API_URL } : {}),
    ...(process.env.LOCAL_JWKS_URI ? { jwksUri: process.env.LOCAL_JWKS_URI } : {}),
    log: (message) => console.log(`  ${message}`),
    timings,
  });
  const { urls } = cloud;
  withdraw = announceCloud({ dataDir, api: urls.api });
  console.log([
    '',
    // performance.now() counts from the process's start: loading the modules is part of the wait too.
    `local cloud: ready in ${(performance.now() / 1000).toFixed(1)} s`,
    `  API             ${urls.api}   (GET /healthz, POST /api/referrals)`,
    `  Referral form   ${urls.api}/refer`,
    `  Partner portal  ${urls.api}/portal   (reports: ${urls.api}/reports)`,
    `  Mail viewer     ${urls.mailViewer}   (SES v2 emulator; JSON at /store)`,
    `  DynamoDB Local  ${urls.dynamodb}   (table ${cloud.stack.table.logicalId})`,
    `  Step Functions  ${urls.stepFunctions}   (${cloud.stack.stateMachine.arn})`,
    `  KMS             ${urls.kms}   (keys of this local cloud's own, in its data folder)`,
    `  Cognito         ${urls.cognito}   (pool ${cloud.signIn.userPoolId}, client ${cloud.signIn.clientId})`,
    `  Sign in as      ${cloud.signIn.users.map((u) => u.username).join(', ')}`,
    `                  password: ${cloud.signIn.users[0]?.password ?? ''}   (local demo users only)`,
    '                  authenticator code: npm run totp -- <username>',
    `  Token endpoint  ${urls.token}   (client credentials, scope referrals/submit)`,
    ...cloud.partnerClients.map((p) => `  Partner         ${p.organisation}: client ${p.clientId} secret ${p.clientSecret}   (local only)`),
    ...timings.lines(),
    'Ctrl-C stops everything.',
    '',
  ].join('\n'));
} catch (error) {
  console.error('local cloud: could not start:', error);
  await shutdown(1);
}
