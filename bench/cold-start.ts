/**
 * `npm run bench`, cold start (issue 17): synthesizes the stack WITH asset bundling, as `cdk synth` and a
 * deployment do, and imports each function's esbuild bundle in a fresh Node process (the Lambda init
 * phase's own work: loading and evaluating the module), best of 3. The function's environment comes from
 * the template, tokens resolved to plausible names, plus a region and fake credentials. The bundles carry
 * their own AWS SDK (lib/constructs/referral-function.ts); any bare import left external resolves from
 * the project's node_modules. Merges `coldStart` into bench/results.json. Goal: ≤ 100 ms per function.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createReferralApp, STACK_NAME } from '../lib/app.js';
import { HANDLER_MODULE_METADATA, PROJECT_ROOT } from '../lib/constructs/referral-function.js';
import { resolveIntrinsics, type CfnTemplate } from '../local/template.js';
import { mergeResults } from './results.js';

const RESULTS_FILE = path.join(PROJECT_ROOT, 'bench', 'results.json');
const GOAL_MS = 100;
const ATTEMPTS = 3;
/** Lambda's runtime: the Node the project pins (`npm run` puts it first on PATH; run directly, find it). */
const NODE = [path.join(PROJECT_ROOT, 'node_modules', '.bin', 'node')].find((candidate) => existsSync(candidate)) ?? process.execPath;
/** A ceiling for a bundle that hangs on import (waiting on a network call, say), not a measure. */
const IMPORT_CEILING_MS = 30_000;

interface FunctionColdStart {
  readonly function: string;
  readonly handlerModule?: string;
  readonly bundleBytes?: number;
  readonly initMs?: number;
  readonly error?: string;
}

/** The child: times nothing but the import, as the init phase spends it, and prints the figure. */
const IMPORT_AND_TIME = `
const began = performance.now();
try {
  await import(process.argv[1]);
  process.stdout.write(JSON.stringify({ ms: performance.now() - began }));
} catch (error) {
  process.stdout.write(JSON.stringify({ error: String(error?.message ?? error).split('\\n')[0] }));
}`;

function importOnce(bundle: string, env: Record<string, string>): Promise<{ ms?: number; error?: string }> {
  return new Promise((resolve) => {
    const child = spawn(NODE, ['--input-type=module', '-e', IMPORT_AND_TIME, pathToFileURL(bundle).href], {
      cwd: path.dirname(bundle), env, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { err += chunk.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), IMPORT_CEILING_MS);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out) as { ms?: number; error?: string });
      } catch {
        resolve({ error: signal ? `killed (${signal}) after ${IMPORT_CEILING_MS} ms` : `exited ${code}: ${err.trim().split('\n')[0] ?? ''}` });
      }
    });
  });
}

/** Each environment value resolved; what cannot be resolved offline becomes a placeholder of the same shape. */
function environmentOf(template: CfnTemplate, variables: Record<string, unknown>): Record<string, string> {
  const resolved: Record<string, string> = {};
  for (const [name, value] of Object.entries(variables)) {
    try {
      resolved[name] = String(resolveIntrinsics(value, template, 'https://api.execute-api.eu-west-2.amazonaws.com'));
    } catch {
      resolved[name] = `placeholder-${name.toLowerCase()}`;
    }
  }
  return resolved;
}

async function main(): Promise<number> {
  const outdir = mkdtempSync(path.join(tmpdir(), 'referral-cold-start-'));
  // ESM ignores NODE_PATH: what a bundle leaves external (chokidar, say) is found by walking up from the
  // bundle, so node_modules sits beside the assets.
  symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(outdir, 'node_modules'), 'dir');
  try {
    const synthStarted = performance.now();
    console.log('cold start: synthesizing with bundling (esbuild)…');
    // As the CDK CLI asks for it: each function names its asset folder in its metadata.
    createReferralApp({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } }).app.synth();
    const synthSeconds = (performance.now() - synthStarted) / 1000;
    const template = JSON.parse(readFileSync(path.join(outdir, `${STACK_NAME}.template.json`), 'utf8')) as CfnTemplate;

    const nodeVersion = execFileSync(NODE, ['--version'], { encoding: 'utf8' }).trim();
    const results: FunctionColdStart[] = [];
    for (const [logicalId, resource] of Object.entries(template.Resources)) {
      if (resource.Type !== 'AWS::Lambda::Function') continue;
      const handlerModule = resource.Metadata?.[HANDLER_MODULE_METADATA] as string | undefined;
      const s3Key = (resource.Properties?.Code as { S3Key?: unknown } | undefined)?.S3Key;
      const assetPath = (resource.Metadata?.['aws:asset:path'] as string | undefined)
        ?? (typeof s3Key === 'string' ? `asset.${s3Key.replace(/\.zip$/, '')}` : undefined);
      const name = logicalId;
      const bundle = assetPath && ['index.mjs', 'index.js'].map((f) => path.join(outdir, assetPath, f)).find((f) => existsSync(f));
      if (!bundle) {
        results.push({ function: name, ...(handlerModule ? { handlerModule } : {}), error: 'no bundle (inline code or no asset)' });
        continue;
      }
      const variables = ((resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables) ?? {};
      // The machine's own PATH (not a setting of ours), so the child finds what node needs.
      const { PATH = '' } = process.env;
      const env: Record<string, string> = {
        PATH,
        ...environmentOf(template, variables),
        AWS_REGION: 'eu-west-2', AWS_DEFAULT_REGION: 'eu-west-2',
        AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', AWS_SESSION_TOKEN: 'bench',
        AWS_LAMBDA_FUNCTION_NAME: logicalId, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(resource.Properties?.MemorySize ?? 128),
        AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x', LAMBDA_TASK_ROOT: path.dirname(bundle),
      };
      const bundleBytes = statSync(bundle).size;
      const runs: { ms?: number; error?: string }[] = [];
      for (let i = 0; i < ATTEMPTS; i++) runs.push(await importOnce(bundle, env));
      const times = runs.flatMap((r) => (r.ms === undefined ? [] : [r.ms]));
      const failure = runs.find((r) => r.error !== undefined)?.error;
      const row: FunctionColdStart = {
        function: name, ...(handlerModule ? { handlerModule } : {}), bundleBytes,
        ...(times.length === ATTEMPTS ? { initMs: Math.round(Math.min(...times) * 10) / 10 } : { error: failure ?? 'no timing' }),
      };
      results.push(row);
      console.log(`  ${name.padEnd(44)} ${String(bundleBytes).padStart(9)} B  ${row.initMs !== undefined ? `${row.initMs.toFixed(1).padStart(7)} ms` : `cannot be imported: ${row.error}`}`);
    }

    const timed = results.filter((r) => r.initMs !== undefined);
    const overGoal = timed.filter((r) => r.initMs! > GOAL_MS).length;
    const failed = results.filter((r) => r.error !== undefined).length;
    console.log(`cold start: ${results.length} functions; ${timed.length - overGoal} of ${results.length} within the goal of ≤ ${GOAL_MS} ms each, ${overGoal} over, ${failed} not importable (best of ${ATTEMPTS} fresh ${nodeVersion} processes; synthesis with bundling took ${synthSeconds.toFixed(1)} s)`);
    mergeResults(RESULTS_FILE, {
      coldStart: {
        goalMs: GOAL_MS,
        method: `import() of each bundle from a bundled synth in a fresh Node process, best of ${ATTEMPTS}; the function's environment from the template; the AWS SDK bundled in each`,
        node: nodeVersion,
        synthWithBundlingSeconds: Math.round(synthSeconds * 10) / 10,
        withinGoal: timed.length - overGoal,
        overGoal,
        notImportable: failed,
        functions: results,
        date: new Date().toISOString(),
      },
    });
    return 0;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
