import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { announceCloud, chooseDataDir, runningClouds } from '../../../local/running-clouds.js';

describe('finding the running local cloud\u2019s data folder (npm run totp)', () => {
  it('lists a cloud while it runs, and forgets one whose process has gone', () => {
    const registry = mkdtempSync(path.join(os.tmpdir(), 'clouds-'));
    const withdraw = announceCloud({ dataDir: '/data/one', api: 'http://127.0.0.1:3001' }, registry);
    // A process that no longer exists: pid numbers this high are not handed out.
    writeFileSync(path.join(registry, '2147483646.json'), JSON.stringify({ pid: 2147483646, dataDir: '/data/gone', api: 'x' }));
    expect(runningClouds(registry).map((c) => c.dataDir)).toEqual(['/data/one']);
    expect(readdirSync(registry)).toEqual([`${process.pid}.json`]);
    withdraw();
    expect(runningClouds(registry)).toEqual([]);
  });

  it('prefers LOCAL_DATA_DIR, then the default folder, then the one running cloud with users, and asks when there are several', () => {
    const withUsers = new Set(['/other', '/third']);
    const hasUsers = (dir: string) => withUsers.has(dir);
    const running = [{ pid: 1, dataDir: '/other', api: 'a' }, { pid: 2, dataDir: '/empty', api: 'b' }];
    expect(chooseDataDir({ explicit: '/given', fallback: '/default', running, hasUsers })).toEqual({ kind: 'found', dataDir: '/given' });
    expect(chooseDataDir({ explicit: undefined, fallback: '/default', running, hasUsers })).toEqual({ kind: 'found', dataDir: '/other' });
    withUsers.add('/default');
    expect(chooseDataDir({ explicit: undefined, fallback: '/default', running, hasUsers })).toEqual({ kind: 'found', dataDir: '/default' });
    withUsers.delete('/default');
    const several = [...running, { pid: 3, dataDir: '/third', api: 'c' }];
    expect(chooseDataDir({ explicit: undefined, fallback: '/default', running: several, hasUsers }).kind).toBe('several');
    expect(chooseDataDir({ explicit: undefined, fallback: '/default', running: [], hasUsers })).toEqual({ kind: 'found', dataDir: '/default' });
  });
});
