import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { defaultServiceConfig, withShortDeadlines } from '../../functions/domain/config.js';

/** The default config with every deadline `seconds` long and the grace period at least `graceSeconds`. */
export function shortDeadlineConfigFile(seconds: number, graceSeconds: number): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'referral-config-')), 'service-config.json');
  writeFileSync(file, JSON.stringify(withShortDeadlines(defaultServiceConfig, seconds, graceSeconds)));
  return file;
}
