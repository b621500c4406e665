import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordFigures } from '../../support/resilience-ledger.js';
import type { ResilienceRig } from '../../support/resilience-rig.js';

export function noPersonalDetailsInLogs(rig: ResilienceRig): void {
  describe('the logs of everything above', () => {
    it("hold none of the victims' names, phone numbers, emails, postcodes or descriptions", () => {
      const needlesFile = path.join(rig.runDir, 'victims', 'details.txt');
      const logs = readdirSync(rig.runDir).filter((f) => f.endsWith('.log')).map((f) => path.join(rig.runDir, f));
      const needles = existsSync(needlesFile) ? new Set(readFileSync(needlesFile, 'utf8').split('\n').filter((l) => l.trim().length >= 3)) : new Set<string>();
      // grep -F matches thousands of fixed strings in one pass (Aho–Corasick); -o prints each hit.
      const grep = spawnSync('grep', ['-F', '-o', '-h', '-f', needlesFile, ...logs], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      if (grep.status === 2) throw new Error(`grep failed: ${grep.stderr}`);
      const hits = grep.stdout.split('\n').filter(Boolean);
      const logLines = logs.reduce((n, f) => n + readFileSync(f, 'utf8').split('\n').length, 0);
      recordFigures(rig, 'no-pii-in-logs', {
        logFiles: logs.map((f) => path.basename(f)), logLines, personalDetailsSearched: needles.size, piiHits: hits.length,
        // Which kind of detail leaked, never the detail itself.
        hitKinds: [...new Set(hits.map((h) => (/@/.test(h) ? 'email' : /^\+?\d[\d ]+$/.test(h) ? 'phone' : /\s/.test(h) ? 'text' : 'name')))],
      });
      process.stdout.write(`PII hits in ${logLines} log lines: ${hits.length} (${needles.size} personal details searched)\n`);
      expect(needles.size).toBeGreaterThan(0);
      expect(logLines).toBeGreaterThan(0);
      expect(hits.length).toBe(0);
    });
  });
}
