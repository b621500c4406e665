import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../lib/handler-module.js';
import { localTemplate, synthesisKey } from '../../local/template-cache.js';
import { LOCAL_STACK_NAME, synthesizeTemplate } from '../../local/template.js';

const scratch: string[] = [];
const scratchDir = (prefix: string) => {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

describe('the key the local cloud caches its template under', () => {
  let root: string;
  const outdir = '/tmp/any-data-folder/cdk.out';
  const readText = (file: string) => readFileSync(file, 'utf8');
  const keyOf = (env: NodeJS.ProcessEnv = {}) => synthesisKey({ projectRoot: root, outdir, env });

  beforeAll(() => {
    // A copy of what a synthesis reads, to change without touching the checkout.
    root = scratchDir('referral-template-key-');
    for (const entry of ['lib', 'bin', 'workflows', 'config', 'functions', 'local', 'package.json', 'package-lock.json', 'cdk.json', 'tsconfig.json']) {
      cpSync(path.join(PROJECT_ROOT, entry), path.join(root, entry), { recursive: true });
    }
  });

  it('is the same for the same sources, settings and folders', () => {
    expect(keyOf()).toBe(keyOf());
  });

  it('changes when a file of the CDK app changes, and comes back when the change is undone', () => {
    const before = keyOf();
    const file = path.join(root, 'lib', 'constructs', 'referral-store.ts');
    const original = readText(file);
    appendFileSync(file, '\n// a change\n');
    expect(keyOf()).not.toBe(before);
    writeFileSync(file, original);
    expect(keyOf()).toBe(before);
  });

  it('changes with the workflow definition, the config the stack reads and the CDK version', () => {
    for (const file of ['workflows/referral-workflow.ts', 'config/service-config.json', 'package-lock.json', 'cdk.json']) {
      const before = keyOf();
      const original = readText(path.join(root, file));
      writeFileSync(path.join(root, file), `${original} `);
      expect(keyOf(), file).not.toBe(before);
      writeFileSync(path.join(root, file), original);
    }
  });

  it('changes with a domain module the stack imports, but not with a handler body the template does not hold', () => {
    const before = keyOf();
    const domain = path.join(root, 'functions', 'domain', 'retention.ts');
    const original = readText(domain);
    appendFileSync(domain, '\n// a change\n');
    expect(keyOf()).not.toBe(before);
    writeFileSync(domain, original);

    appendFileSync(path.join(root, 'functions', 'api', 'submit-referral.ts'), '\n// a change the template does not see\n');
    expect(keyOf()).toBe(before);
  });

  it('changes when a handler module appears or goes (synthesis checks each entry exists)', () => {
    const before = keyOf();
    const added = path.join(root, 'functions', 'api', 'a-new-handler.ts');
    writeFileSync(added, 'export const handler = async () => ({ statusCode: 204 });\n');
    expect(keyOf()).not.toBe(before);
    unlinkSync(added);
    expect(keyOf()).toBe(before);
  });

  it('changes with the CDK settings in the environment and with the folder the template is written to', () => {
    const before = keyOf();
    expect(keyOf({ CDK_CONTEXT_JSON: JSON.stringify({ retentionDays: 30 }) })).not.toBe(before);
    expect(keyOf({ CDK_DEFAULT_ACCOUNT: '111111111111' })).not.toBe(before);
    expect(keyOf({ UNRELATED: 'x' })).toBe(before);
    expect(synthesisKey({ projectRoot: root, outdir: '/tmp/another-data-folder/cdk.out', env: {} })).not.toBe(before);
  });
});

describe('a cached template', () => {
  it('is exactly the template a fresh synthesis gives, and is synthesized again when it goes missing', async () => {
    const outdir = scratchDir('referral-template-cache-');
    const inputs = { projectRoot: PROJECT_ROOT, outdir, env: process.env };

    const first = await localTemplate(inputs);
    expect(first.cached).toBe(false);
    const second = await localTemplate(inputs);
    expect(second.cached).toBe(true);

    const fresh = await synthesizeTemplate(scratchDir('referral-template-fresh-'));
    expect(second.template).toEqual(fresh);
    expect(Object.values(second.template.Resources).some((r) => r.Type === 'AWS::StepFunctions::StateMachine')).toBe(true);

    rmSync(path.join(outdir, `${LOCAL_STACK_NAME}.template.json`));
    const third = await localTemplate(inputs);
    expect(third.cached).toBe(false);
    expect(third.template).toEqual(fresh);
    expect(existsSync(path.join(outdir, `${LOCAL_STACK_NAME}.template.json`))).toBe(true);
  });
});
