import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../support/local-cloud-process.js';

const ephemeralFloor = () => {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  } catch {
    return 32_768;
  }
};

describe('ports for a local cloud under test', () => {
  it('are never ones the kernel hands out for listen(0) or a connection, never the same twice, and claimed', async () => {
    const ports = [];
    for (let i = 0; i < 40; i++) ports.push(await freePort());
    expect(new Set(ports).size).toBe(ports.length);
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(10_000);
      expect(port).toBeLessThan(ephemeralFloor());
      const claim = path.join(tmpdir(), 'referral-test-ports', String(port));
      expect(existsSync(claim)).toBe(true);
      expect(readFileSync(claim, 'utf8')).toBe(String(process.pid));
    }
  });
});
