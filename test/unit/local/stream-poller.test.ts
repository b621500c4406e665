import { describe, expect, it } from 'vitest';
import { IDLE_POLL_MS, idlePollDelay } from '../../../local/stream-poller.js';

describe('the local stream poller\u2019s pace', () => {
  it('polls as Lambda does while records flow, and backs off to at most 2 s while the stream is quiet', () => {
    expect(idlePollDelay(1)).toBe(IDLE_POLL_MS.first);
    expect([1, 2, 3, 4, 5, 50].map(idlePollDelay)).toEqual([250, 500, 1_000, 2_000, 2_000, 2_000]);
  });
});
