import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { defaultServiceConfig, withShortDeadlines } from '../../functions/domain/config.js';

type Band = 'STANDARD' | 'MEDIUM' | 'HIGH';

/**
 * The default config with every deadline `seconds` long and the grace period at least `graceSeconds`;
 * `bandSeconds` gives some bands a deadline of their own (a test that must act in time gets room to).
 */
export function shortDeadlineConfigFile(seconds: number, graceSeconds: number, bandSeconds: Partial<Record<Band, number>> = {}): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'referral-config-')), 'service-config.json');
  const config = withShortDeadlines(defaultServiceConfig, seconds, graceSeconds);
  for (const team of config.areas.flatMap((area) => area.teams)) {
    for (const [band, bandDeadline] of Object.entries(bandSeconds)) team.deadlines[band as Band] = { seconds: bandDeadline };
  }
  writeFileSync(file, JSON.stringify(config));
  return file;
}
