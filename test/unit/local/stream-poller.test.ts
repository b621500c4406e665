import { describe, expect, it } from 'vitest';
import { IDLE_POLL_MS, idlePollDelay, ShardDirectory } from '../../../local/stream-poller.js';

describe('the local stream poller\u2019s pace', () => {
  it('polls as Lambda does while records flow, and backs off to at most 2 s while the stream is quiet', () => {
    expect(idlePollDelay(1)).toBe(IDLE_POLL_MS.first);
    expect([1, 2, 3, 4, 5, 50].map(idlePollDelay)).toEqual([250, 500, 1_000, 2_000, 2_000, 2_000]);
  });
});

describe('the local stream poller\u2019s shard directory', () => {
  const shard = (id: string) => ({ ShardId: id });
  function directory(options: { arn?: string; failFirstListing?: boolean } = {}) {
    const calls = { describeTable: 0, describeStream: 0 };
    let clock = 0;
    let failNext = options.failFirstListing ?? false;
    const dir = new ShardDirectory(
      async () => {
        calls.describeTable++;
        return 'arn' in options ? options.arn : 'arn:stream';
      },
      async (_arn, start) => {
        calls.describeStream++;
        if (failNext) {
          failNext = false;
          throw Object.assign(new Error('down'), { name: 'ResourceNotFoundException' });
        }
        // Two pages, as DescribeStream pages a long list of shards.
        return start === undefined ? { Shards: [shard('a')], LastEvaluatedShardId: 'a' } : { Shards: [shard('b')] };
      },
      100,
      () => clock,
    );
    return { dir, calls, advance: (ms: number) => { clock += ms; } };
  }

  it('looks the stream up once, lists every page of shards, and serves one listing to every mapping within the interval', async () => {
    const { dir, calls, advance } = directory();
    const [first, second] = await Promise.all([dir.shards(), dir.shards()]);
    expect(first.map((s) => s.ShardId)).toEqual(['a', 'b']);
    expect(first.every((s) => s.streamArn === 'arn:stream')).toBe(true);
    expect(second).toBe(first);
    expect(calls).toEqual({ describeTable: 1, describeStream: 2 });

    advance(100);
    await dir.shards();
    // A new listing after the interval, but the stream's ARN is not asked for again.
    expect(calls).toEqual({ describeTable: 1, describeStream: 4 });
  });

  it('asks again, table and stream, after a listing failed', async () => {
    const { dir, calls } = directory({ failFirstListing: true });
    await expect(dir.shards()).rejects.toThrow('down');
    const shards = await dir.shards();
    expect(shards.map((s) => s.ShardId)).toEqual(['a', 'b']);
    expect(calls.describeTable).toBe(2);
  });

  it('fails, and keeps nothing, while the table has no stream', async () => {
    const { dir, calls } = directory({ arn: undefined });
    await expect(dir.shards()).rejects.toThrow('The table has no stream');
    await expect(dir.shards()).rejects.toThrow('The table has no stream');
    expect(calls.describeTable).toBe(2);
  });
});
