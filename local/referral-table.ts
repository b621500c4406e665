import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { VICTIM_KEY_ALIAS } from '../lib/constructs/referral-store.js';

/**
 * For the operator's commands (`npm run erase`, `npm run queue-out-of-area`, `npm run rekey-victims`): the running local cloud's
 * referral table by default (DynamoDB Local on DYNAMODB_PORT, the table found by name, its KMS on KMS_PORT); with TABLE_NAME
 * set and no local endpoint, the table in AWS with the caller's own credentials. Sets the environment the
 * stores read when they load; false (with the reason printed) when there is no table to work on.
 */
export async function findReferralTable(): Promise<boolean> {
  // The victim key by its alias, in AWS as locally: the stores compute new referrals' markers with it.
  process.env.VICTIM_KEY_ID ??= VICTIM_KEY_ALIAS;
  if (process.env.TABLE_NAME) return true;
  process.env.AWS_ENDPOINT_URL_KMS ??= `http://127.0.0.1:${process.env.KMS_PORT ?? 8006}`;
  const endpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB ?? `http://127.0.0.1:${process.env.DYNAMODB_PORT ?? 8000}`;
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: endpoint, AWS_REGION: process.env.AWS_REGION ?? 'eu-west-2',
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local', AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
  });
  const client = new DynamoDBClient({ endpoint, maxAttempts: 1 });
  try {
    const { TableNames = [] } = await client.send(new ListTablesCommand({}));
    const table = TableNames.find((name) => name.startsWith('ReferralTable'));
    if (!table) throw new Error('no referral table');
    process.env.TABLE_NAME = table;
    return true;
  } catch (error) {
    console.error(`Could not find the local cloud's table at ${endpoint} (${(error as Error).message}). Is \`npm start\` running?`);
    return false;
  } finally {
    client.destroy();
  }
}
