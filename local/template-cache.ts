import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { guardedCommand } from './child-processes.js';
import { readTemplate, synthesizeTemplate, type CfnTemplate } from './template.js';

/**
 * Synthesis is most of a warm start's time (issue 17), yet the template only changes when what the
 * CDK app reads does. So the template a synthesis leaves in the data folder's cdk.out is used again
 * while a key over all of that is unchanged, and synthesized afresh the moment anything in it moves.
 */

/** Read in full: the app, its entry, the workflow definition, the config the stack reads. */
const WHOLE_FOLDERS = ['lib', 'bin', 'workflows', 'config'];
/** The CDK and its plugins (package-lock), the app's settings, and the code that synthesizes here. */
const WHOLE_FILES = ['package.json', 'package-lock.json', 'cdk.json', 'tsconfig.json', 'local/template.ts', 'local/template-cache.ts', 'local/synthesize.ts'];
/** Each handler must exist at synthesis (NodejsFunction checks its entry); their contents are not in the template. */
const HANDLER_FOLDER = 'functions';
/** Raised when what goes into the key changes shape, so keys made before cannot match. */
const KEY_FORMAT = 'local-template-cache/1';
const KEY_FILE = 'local-template.key';

function filesUnder(root: string, folder: string): string[] {
  const dir = path.join(root, folder);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)))
    .sort();
}

// `from './x.js'`, `import './x.js'`, `import('./x.js')`: the relative modules a file loads.
const RELATIVE_IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

/**
 * The project's own modules outside the whole folders that the app loads (domain rules the stack
 * builds filters and retention from), found by following relative imports from the whole folders.
 */
function importedModules(root: string, start: string[]): string[] {
  const seen = new Set<string>(start);
  const queue = [...start];
  while (queue.length) {
    const file = queue.pop()!;
    if (!/\.[cm]?[jt]s$/.test(file)) continue;
    for (const [, specifier] of readFileSync(path.join(root, file), 'utf8').matchAll(RELATIVE_IMPORT)) {
      const target = path.normalize(path.join(path.dirname(file), specifier!));
      // Sources are TypeScript imported by their emitted name (`./x.js` is `./x.ts` on disk).
      const onDisk = [target, target.replace(/\.js$/, '.ts')].find((candidate) => existsSync(path.join(root, candidate)) && statSync(path.join(root, candidate)).isFile());
      // Not on disk (a name in a comment, or a module deleted): a real import of it fails the synthesis.
      if (onDisk && !seen.has(onDisk)) {
        seen.add(onDisk);
        queue.push(onDisk);
      }
    }
  }
  return [...seen].sort();
}

/** Synthesizes into `outdir` and returns the template (in this process, or another). */
export type Synthesis = (outdir: string) => Promise<CfnTemplate>;

export interface SynthesisInputs {
  readonly projectRoot: string;
  /** Where the template is written: CDK's asset paths in it are relative to it. */
  readonly outdir: string;
  readonly env: NodeJS.ProcessEnv;
}

/** The key of everything a synthesis reads: when it is the same, so is the template. */
export function synthesisKey({ projectRoot, outdir, env }: SynthesisInputs): string {
  const hash = createHash('sha256');
  const add = (label: string, value: string | Buffer) => {
    hash.update(`${label}\0${value.length}\0`);
    hash.update(value);
  };
  add('format', KEY_FORMAT);
  // The template carries absolute paths (the functions' asset source is the project root).
  add('project root', projectRoot);
  add('outdir', path.resolve(outdir));
  add('node', process.version);
  // The CDK reads its context, account and region from these (CDK_CONTEXT_JSON, CDK_DEFAULT_ACCOUNT, …).
  for (const name of Object.keys(env).filter((n) => n.startsWith('CDK_')).sort()) add(`env ${name}`, env[name] ?? '');
  const wholeFiles = [...WHOLE_FOLDERS.flatMap((folder) => filesUnder(projectRoot, folder)), ...WHOLE_FILES.filter((f) => existsSync(path.join(projectRoot, f)))];
  for (const file of importedModules(projectRoot, wholeFiles)) add(`file ${file}`, readFileSync(path.join(projectRoot, file)));
  for (const file of filesUnder(projectRoot, HANDLER_FOLDER)) add('handler folder has', file);
  return hash.digest('hex');
}

/**
 * The stack's template: the one in `outdir` when it was synthesized from what is here now, else a
 * fresh synthesis (the key is removed first and written last, so a start stopped half-way through a
 * synthesis leaves no key that matches a half-written template).
 */
export async function localTemplate(inputs: SynthesisInputs, synthesize: Synthesis = synthesizeTemplate): Promise<{ template: CfnTemplate; cached: boolean }> {
  const key = synthesisKey(inputs);
  const keyFile = path.join(inputs.outdir, KEY_FILE);
  if (existsSync(keyFile) && readFileSync(keyFile, 'utf8') === key) {
    try {
      return { template: readTemplate(inputs.outdir), cached: true };
    } catch {
      // The template went missing or was damaged behind its key: synthesize it again below.
    }
  }
  rmSync(keyFile, { force: true });
  const template = await synthesize(inputs.outdir);
  writeFileSync(keyFile, key);
  return { template, cached: false };
}

/**
 * A synthesis in a child process (local/synthesize.ts), as the local cloud runs it; it dies with this
 * process however this process dies.
 */
export function synthesizeInChildProcess(projectRoot: string): Synthesis {
  return (outdir) => new Promise((resolve, reject) => {
    const [command, args] = guardedCommand(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'local', 'synthesize.ts'), outdir]);
    const child = spawn(command, args, { cwd: projectRoot, stdio: ['ignore', 'ignore', 'pipe'] });
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => { errors = (errors + chunk.toString()).slice(-4_000); });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) {
        try {
          resolve(readTemplate(outdir));
        } catch (error) {
          reject(error as Error);
        }
      } else {
        reject(new Error(`synthesis failed (${code ?? signal}): ${errors.trim()}`));
      }
    });
  });
}
