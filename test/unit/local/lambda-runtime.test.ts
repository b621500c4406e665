import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalLambdas } from '../../../local/lambda-runtime.js';

// A handler that holds each invocation open until the test lets it go, and says how much time it had.
const root = mkdtempSync(path.join(tmpdir(), 'local-lambdas-'));
writeFileSync(path.join(root, 'held.mjs'), `
export const started = [];
export const release = [];
export async function handler(event, context) {
  started.push(event.n);
  await new Promise((resolve) => release.push(resolve));
  return { n: event.n, remainingMs: context.getRemainingTimeInMillis() };
}
`);
const fn = { logicalId: 'Held', arn: 'arn:aws:lambda:eu-west-2:000000000000:function:Held', handlerModule: 'held.mjs', environment: {} };
const held = await import(path.join(root, 'held.mjs')) as { started: number[]; release: (() => void)[] };

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 5));
}

describe('local Lambda invocations', () => {
  it('run at most the bound at once per function; the rest wait their turn, first come first served, and their clock starts with it', async () => {
    const lambdas = new LocalLambdas(root, [fn], 2);
    const answers = [1, 2, 3].map((n) => lambdas.invoke(fn.arn, { n }));
    await until(() => held.started.length === 2);
    // However long the third waits, it has not started.
    await new Promise((r) => setTimeout(r, 50));
    expect(held.started).toEqual([1, 2]);

    held.release.shift()!();
    await until(() => held.started.length === 3);
    expect(held.started).toEqual([1, 2, 3]);
    held.release.splice(0).forEach((go) => go());
    const [, , third] = await Promise.all(answers) as { n: number; remainingMs: number }[];
    expect(third!.n).toBe(3);
    // A full budget less the moment it ran for: time spent queued is not taken from it.
    expect(third!.remainingMs).toBeGreaterThan(25_000);
  });
});
