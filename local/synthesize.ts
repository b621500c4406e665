/**
 * `node --import tsx local/synthesize.ts <outdir>`: the local cloud's synthesis, in a process of its own
 * so that the start's process stays free to answer and to watch its emulators boot meanwhile (a
 * synthesis holds its thread for seconds, and longer than an emulator's start-up deadline on a busy
 * machine), and never holds aws-cdk-lib in memory for the hours a local cloud runs.
 */
import { synthesizeTemplate } from './template.js';

const outdir = process.argv[2];
if (!outdir) throw new Error('usage: local/synthesize.ts <outdir>');
await synthesizeTemplate(outdir);
