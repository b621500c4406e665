import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { App, Stack } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { CREDENTIAL_SOURCES_LAMBDA_NEVER_USES, ReferralFunction } from '../../lib/constructs/referral-function.js';

/*
 * The functions carry their own AWS SDK, bundled and tree-shaken from its ES module build (issue 17: cold
 * start), while the local cloud runs the handler modules with the SDK from node_modules. So one real
 * bundle is built here exactly as a deployment builds it and called, in a fresh Node with credentials in
 * its environment as Lambda gives them and nothing to import beside it, against a stand-in for DynamoDB and
 * Step Functions: what esbuild made of the SDK must still sign, send and read a call.
 */

const outdir = mkdtempSync(path.join(tmpdir(), 'function-bundle-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

function bundleOf(entry: string): string {
  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
  const stack = new Stack(app, 'BundleUnderTest', { env: { region: 'eu-west-2' } });
  new ReferralFunction(stack, 'UnderTest', { entry, description: 'bundle under test' });
  app.synth();
  const template = JSON.parse(readFileSync(path.join(outdir, 'BundleUnderTest.template.json'), 'utf8')) as {
    Resources: Record<string, { Type: string; Metadata?: Record<string, string> }>;
  };
  const asset = Object.values(template.Resources).find((r) => r.Type === 'AWS::Lambda::Function')!.Metadata!['aws:asset:path']!;
  return path.join(outdir, asset, 'index.mjs');
}

const CALL_HANDLER = `
const { handler } = await import(process.argv[1]);
const result = await handler(
  { version: '2.0', rawPath: '/healthz', headers: {}, requestContext: { http: { method: 'GET', path: '/healthz' } } },
  { awsRequestId: 'bundle-test', functionName: 'HealthCheck', getRemainingTimeInMillis: () => 10_000 },
);
process.stdout.write(JSON.stringify({ statusCode: result.statusCode, body: result.body }));`;

describe('a function bundle, SDK inside', () => {
  it('signs, sends and reads its AWS calls as the unbundled handler does, over node:http taken without an ES module import', async () => {
    const bundle = bundleOf('functions/api/health-check.ts');
    expect(existsSync(bundle)).toBe(true);
    // Nothing of the SDK is left for the runtime to provide: every @aws-sdk import was resolved into the file.
    const code = readFileSync(bundle, 'utf8');
    expect(code).not.toMatch(/from\s*["']@(aws-sdk|smithy)\//);
    // Left out, and only ever imported past the environment's credentials, which Lambda always sets.
    const dynamicImports = [...code.matchAll(/import\(\s*["'](@(?:aws-sdk|smithy)\/[^"']+)["']/g)].map((match) => match[1]);
    expect(dynamicImports.filter((name) => !CREDENTIAL_SOURCES_LAMBDA_NEVER_USES.includes(name!))).toEqual([]);
    // node:http(s) reach the SDK through lib/constructs/esm-builtins, never as an ES module import.
    expect(code).not.toMatch(/from\s*["'](node:)?https?["']/);

    const calls: { target: string; signed: boolean }[] = [];
    const standIn = createServer((request: IncomingMessage, response) => {
      request.resume();
      request.on('end', () => {
        const target = String(request.headers['x-amz-target'] ?? '');
        calls.push({ target, signed: /^AWS4-HMAC-SHA256 Credential=AKIDBUNDLETEST\//.test(String(request.headers.authorization ?? '')) });
        response.setHeader('content-type', 'application/x-amz-json-1.0');
        response.end(JSON.stringify(target.startsWith('DynamoDB')
          ? { Table: { TableName: 'referrals', TableStatus: 'ACTIVE' } }
          : { stateMachineArn: 'arn:aws:states:eu-west-2:111122223333:stateMachine:referral', name: 'referral', status: 'ACTIVE', definition: '{}', roleArn: 'arn:aws:iam::111122223333:role/referral', type: 'STANDARD', creationDate: 1 }));
      });
    });
    await new Promise<void>((resolve) => standIn.listen(0, '127.0.0.1', resolve));
    try {
      const endpoint = `http://127.0.0.1:${(standIn.address() as AddressInfo).port}`;
      const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', CALL_HANDLER, pathToFileURL(bundle).href], {
        cwd: path.dirname(bundle),
        env: {
          PATH: process.env.PATH ?? '', AWS_REGION: 'eu-west-2', AWS_ACCESS_KEY_ID: 'AKIDBUNDLETEST', AWS_SECRET_ACCESS_KEY: 'bundle-test-secret',
          AWS_ENDPOINT_URL_DYNAMODB: endpoint, AWS_ENDPOINT_URL_SFN: endpoint, TABLE_NAME: 'referrals',
          STATE_MACHINE_ARN: 'arn:aws:states:eu-west-2:111122223333:stateMachine:referral',
          POWERTOOLS_SERVICE_NAME: 'referral-service', POWERTOOLS_METRICS_NAMESPACE: 'StalkingReferrals',
        },
      });
      expect(JSON.parse(stdout)).toEqual({ statusCode: 200, body: JSON.stringify({ status: 'ok' }) });
      expect(calls.sort((a, b) => a.target.localeCompare(b.target))).toEqual([
        { target: 'AWSStepFunctions.DescribeStateMachine', signed: true },
        { target: 'DynamoDB_20120810.DescribeTable', signed: true },
      ]);
    } finally {
      await new Promise((resolve) => standIn.close(resolve));
    }
  }, 120_000);
});
