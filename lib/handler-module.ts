import * as path from 'node:path';

// Kept free of CDK imports: the local cloud reads these on every start, and loading aws-cdk-lib only to
// learn two constants cost it over a second (issue 17).

export const PROJECT_ROOT = path.resolve(import.meta.dirname, '..');

/** Metadata key the local cloud reads to bind a synthesized function back to its handler module. */
export const HANDLER_MODULE_METADATA = 'referral:handlerModule';
