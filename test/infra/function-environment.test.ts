import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { createReferralApp } from '../../lib/app.js';
import { HANDLER_MODULE_METADATA, PROJECT_ROOT } from '../../lib/constructs/referral-function.js';

/*
 * Every function must load with exactly the environment its template gives it, as a Lambda's init does.
 * The local cloud gives every function the same settings, so a module that reads a variable only some
 * functions are given (the state machine's ARN, say) loads there and fails at cold start in AWS. Each
 * handler module is imported in a fresh Node process with its own template environment; nothing is
 * called, so no endpoint is needed.
 */

const outdir = mkdtempSync(path.join(tmpdir(), 'function-environment-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));
const resources = Template.fromStack(createReferralApp({ outdir, context: { 'aws:cdk:bundling-stacks': [] } }).stack)
  .toJSON().Resources as Record<string, { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> }>;

/** A deploy-time value (Ref, GetAtt, Join of them) as a plausible string: what the module sees, not what it is. */
function resolved(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join) return join[1].map(resolved).join(join[0]);
  return 'deploy-time-value';
}

const functions = Object.entries(resources)
  .filter(([, r]) => r.Type === 'AWS::Lambda::Function' && typeof r.Metadata?.[HANDLER_MODULE_METADATA] === 'string')
  .map(([id, r]) => ({
    id,
    module: String(r.Metadata![HANDLER_MODULE_METADATA]),
    environment: Object.fromEntries(Object.entries((r.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {})
      .map(([name, value]) => [name, resolved(value)])),
  }));

function loads(fn: (typeof functions)[number]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `await import(${JSON.stringify(pathToFileURL(path.join(PROJECT_ROOT, fn.module)).href)});`], {
      cwd: PROJECT_ROOT,
      // The runtime's own variables, and nothing of this machine's that a Lambda would not have.
      env: {
        PATH: process.env.PATH, AWS_REGION: 'eu-west-2', AWS_LAMBDA_FUNCTION_NAME: fn.id,
        AWS_ACCESS_KEY_ID: 'none', AWS_SECRET_ACCESS_KEY: 'none', ...fn.environment,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('every function with its template environment', () => {
  it('loads its handler module, as a Lambda cold start would', async () => {
    expect(functions.length).toBeGreaterThan(20);
    const failures: string[] = [];
    // Two at a time: one per core of the CI machine.
    const queue = [...functions];
    await Promise.all([0, 1].map(async () => {
      for (let fn = queue.shift(); fn; fn = queue.shift()) {
        const { code, stderr } = await loads(fn);
        if (code !== 0) failures.push(`${fn.id} (${fn.module}): ${/Error: .*/.exec(stderr)?.[0] ?? stderr.slice(-300)}`);
      }
    }));
    expect(failures).toEqual([]);
  }, 600_000);
});
