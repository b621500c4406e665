import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { StateMachine } from 'aws-local-stepfunctions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../lib/constructs/referral-function.js';
import { createTableInput } from '../../local/dynamodb-local.js';
import { readLocalStack, readTemplate, resolveIntrinsics, synthesizeTemplate, type CfnResource, type CfnTemplate, type LocalStack } from '../../local/template.js';
import { everyState, taskFunction, type States } from './state-machine-definition.js';

const GATEWAY_URL = 'http://localhost:3000';
const CLI_TIMEOUT_MS = 180_000;

let cliOutdir: string;
let localOutdir: string;
let deployable: CfnTemplate;
let localTemplate: CfnTemplate;
let local: LocalStack;

const onlyResource = (template: CfnTemplate, type: string): [string, CfnResource] => {
  const found = Object.entries(template.Resources).filter(([, r]) => r.Type === type);
  expect(found, `exactly one ${type}`).toHaveLength(1);
  return found[0]!;
};

beforeAll(async () => {
  cliOutdir = mkdtempSync(path.join(tmpdir(), 'referral-cdk-synth-'));
  localOutdir = mkdtempSync(path.join(tmpdir(), 'referral-local-synth-'));
  // The real CLI with normal bundling (local esbuild, no Docker): the template `cdk deploy` would use.
  await promisify(execFile)('npx', ['cdk', 'synth', '--quiet', '--no-notices', '-o', cliOutdir], {
    cwd: PROJECT_ROOT,
    timeout: CLI_TIMEOUT_MS,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true', NODE_ENV: undefined },
  });
  deployable = readTemplate(cliOutdir);
  localTemplate = await synthesizeTemplate(localOutdir);
  local = readLocalStack(localTemplate, GATEWAY_URL);
}, CLI_TIMEOUT_MS + 10_000);

afterAll(() => {
  for (const dir of [cliOutdir, localOutdir]) if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the local cloud runs what `cdk synth` deploys', () => {
  it('is compared with a deployable template, with every function bundled from its handler', () => {
    const functions = Object.entries(deployable.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
    expect(functions.map(([id]) => id).sort()).toEqual(local.functions.map((f) => f.logicalId).sort());
    for (const [id, fn] of functions) {
      const assetHash = String((fn.Properties?.Code as { S3Key?: string } | undefined)?.S3Key).replace(/\.zip$/, '');
      expect(existsSync(path.join(cliOutdir, `asset.${assetHash}`, 'index.mjs')), `${id} has a bundle`).toBe(true);
    }
  });

  it('runs the very state machine definition that `cdk synth` emits', () => {
    const [machineId, machine] = onlyResource(deployable, 'AWS::StepFunctions::StateMachine');
    // Before resolution too: the same text around the same references, not merely an equal result.
    expect(localTemplate.Resources[machineId]?.Properties?.DefinitionString).toEqual(machine.Properties?.DefinitionString);
    const deployed = resolveIntrinsics(machine.Properties?.DefinitionString, deployable, GATEWAY_URL);
    expect(typeof deployed).toBe('string');
    expect(local.stateMachine.definition).toEqual(JSON.parse(deployed as string));
  });

  it('creates its table with the keys and indexes (team inbox, open work) the deployed table has', () => {
    const [tableId, table] = onlyResource(deployable, 'AWS::DynamoDB::Table');
    expect(local.table.logicalId).toBe(tableId);
    const input = createTableInput(local.table.logicalId, local.table.properties);
    const deployed = table.Properties ?? {};
    expect(input.KeySchema).toEqual(deployed.KeySchema);
    expect(input.AttributeDefinitions).toEqual(deployed.AttributeDefinitions);
    expect(input.GlobalSecondaryIndexes).toEqual(deployed.GlobalSecondaryIndexes);
    expect(input.LocalSecondaryIndexes).toEqual(deployed.LocalSecondaryIndexes);
    expect(input.BillingMode).toBe(deployed.BillingMode);
    expect(input.GlobalSecondaryIndexes?.map((index) => index.IndexName)).toEqual(['byTeam', 'openByArea']);
  });

  it('has a local function for every Task the workflow calls, running a handler module that exists', () => {
    const tasks = everyState(local.stateMachine.definition as unknown as States).filter((s) => s.state.Type === 'Task');
    expect(tasks.length).toBeGreaterThan(0);
    for (const { name, state } of tasks) {
      const arn = taskFunction(state);
      const fn = local.functions.find((f) => f.arn === arn);
      expect(fn, `Task "${name}" calls ${arn ?? state.Resource}`).toBeDefined();
      expect(existsSync(path.join(PROJECT_ROOT, fn!.handlerModule)), fn!.handlerModule).toBe(true);
    }
  });

  it('gives the Step Functions emulator a definition it accepts, paths and ARNs checked', () => {
    expect(() => new StateMachine(local.stateMachine.definition as never, { validationOptions: { checkPaths: true, checkArn: true } })).not.toThrow();
  });
});
