import { describe, expect, it } from 'vitest';
import { IDLE_POLL_MS, idlePollDelay, ShardDirectory, SharedShardReads } from '../../../local/stream-poller.js';

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

describe('the local stream poller\u2019s shared reading of a shard', () => {
  /** A shard as the Streams API pages it: records numbered from 1, an iterator is the position it reads after. */
  function shard(options: { keep?: number; pageSize?: number; digits?: number } = {}) {
    const digits = options.digits ?? 21;
    const records: { seq: string }[] = [];
    let closed = false;
    let failNextPage = false;
    const calls = { iterator: 0, page: 0 };
    const reads = new SharedShardReads<{ seq: string }>(
      async (_shard, position) => {
        calls.iterator++;
        if (position.after) return `after:${position.after}`;
        return position.from === 'LATEST' ? `after:${records.length}` : 'after:0';
      },
      async (_shard, iterator) => {
        calls.page++;
        if (failNextPage) {
          failNextPage = false;
          throw Object.assign(new Error('expired'), { name: 'ExpiredIteratorException' });
        }
        const after = Number(iterator.slice('after:'.length));
        const page = records.slice(after, after + (options.pageSize ?? 1000));
        const end = after + page.length;
        return { records: page, ...(closed && end === records.length ? {} : { next: `after:${end}` }) };
      },
      (record) => record.seq,
      options.keep,
    );
    const ref = { streamArn: 'arn:stream', shardId: 'shard-1' };
    return {
      calls,
      write: (n: number) => { for (let i = 0; i < n; i++) records.push({ seq: String(records.length + 1).padStart(digits, '0') }); },
      close: () => { closed = true; },
      failNextPage: () => { failNextPage = true; },
      read: (after?: number, from: 'TRIM_HORIZON' | 'LATEST' = 'TRIM_HORIZON') =>
        reads.read(ref, { ...(after ? { after: String(after).padStart(digits, '0') } : {}), from }),
    };
  }
  const numbers = (read: { records: { seq: string }[] }) => read.records.map((r) => Number(r.seq));

  it('reads each stretch once for every mapping at the same place', async () => {
    const s = shard();
    s.write(3);
    const [first, second] = await Promise.all([s.read(), s.read()]);
    expect(numbers(first)).toEqual([1, 2, 3]);
    expect(numbers(second)).toEqual([1, 2, 3]);
    expect(s.calls).toEqual({ iterator: 1, page: 1 });

    // Both read on from record 3: one page for the two, and it finds what was written since.
    s.write(2);
    const [third, fourth] = await Promise.all([s.read(3), s.read(3)]);
    expect(numbers(third)).toEqual([4, 5]);
    expect(numbers(fourth)).toEqual([4, 5]);
    expect(s.calls).toEqual({ iterator: 1, page: 2 });
  });

  it('serves a mapping a little behind from what was read, and says there is nothing new with one request', async () => {
    const s = shard();
    s.write(5);
    await s.read();
    expect(numbers(await s.read(2))).toEqual([3, 4, 5]);
    expect(s.calls.page).toBe(1);
    expect((await s.read(5)).records).toEqual([]);
    expect(s.calls.page).toBe(2);
  });

  it('lets a mapping behind the kept stretch read alone from its own place, then join it', async () => {
    const s = shard({ keep: 3 });
    s.write(6);
    expect(numbers(await s.read())).toEqual([1, 2, 3, 4, 5, 6]);
    s.write(2);
    expect(numbers(await s.read(6))).toEqual([7, 8]);
    // Only 4–8 are kept now: a mapping still at 1 reads alone, each record once and in order.
    expect(numbers(await s.read(1))).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(s.calls).toEqual({ iterator: 2, page: 3 });
    expect(numbers(await s.read(4))).toEqual([5, 6, 7, 8]);
    expect(s.calls.page).toBe(3);
  });

  it('starts the stretch again from a mapping ahead of it, and reads a new mapping from the shard\u2019s start alone', async () => {
    const s = shard();
    s.write(4);
    expect(numbers(await s.read(2))).toEqual([3, 4]);
    s.write(2);
    expect(numbers(await s.read(5))).toEqual([6]);
    expect(numbers(await s.read())).toEqual([1, 2, 3, 4, 5, 6]);
    expect(numbers(await s.read(undefined, 'LATEST'))).toEqual([]);
  });

  it('orders sequence numbers as numbers whatever their length', async () => {
    const s = shard({ digits: 1 });
    s.write(12);
    await s.read();
    expect(numbers(await s.read(9))).toEqual([10, 11, 12]);
    expect(numbers(await s.read(10))).toEqual([11, 12]);
    expect(s.calls).toEqual({ iterator: 1, page: 1 });
  });

  it('says a shard has ended once every record of it is read', async () => {
    const s = shard({ pageSize: 2 });
    s.write(3);
    s.close();
    expect(await s.read()).toEqual({ records: [{ seq: '000000000000000000001' }, { seq: '000000000000000000002' }], closed: false });
    expect(numbers(await s.read(2))).toEqual([3]);
    expect(await s.read(3)).toEqual({ records: [], closed: true });
    // Another mapping at the end learns it too, with a stretch of its own.
    expect(await s.read(3)).toEqual({ records: [], closed: true });
  });

  it('drops the stretch when a read fails, and the next read starts it again', async () => {
    const s = shard();
    s.write(2);
    await s.read();
    s.failNextPage();
    await expect(s.read(2)).rejects.toThrow('expired');
    s.write(1);
    expect(numbers(await s.read(2))).toEqual([3]);
    expect(s.calls.iterator).toBe(2);
  });
});
