import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand, type _Record, type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import type { LocalLambdas } from './lambda-runtime.js';
import { LOCAL_REGION, type LocalStreamMapping } from './template.js';

/** Lambda polls each shard about four times a second; so does this. */
/**
 * How long a mapping waits after finding nothing: Lambda's own 4 polls a second while records flow, then
 * longer and longer up to 2 s while the stream stays quiet, so that an idle local cloud with several
 * consumers is idle (each poll is three or four requests to DynamoDB Local), and the first record after
 * a quiet spell waits at most that long.
 */
export const IDLE_POLL_MS = { first: 250, max: 2_000 } as const;
export const idlePollDelay = (emptyPolls: number) => Math.min(IDLE_POLL_MS.max, IDLE_POLL_MS.first * 2 ** Math.max(0, emptyPolls - 1));
/** Between retries of a failing batch: doubling from a second, capped, so an outage is waited out calmly. */
const RETRY_DELAYS_MS = { first: 1_000, max: 30_000 };
/**
 * While records flow, a mapping starts a round of reading (describe the table and stream, an iterator and
 * a page per shard) at most this often: 10 a second, more eager than Lambda's 4 per shard. Back to back,
 * each round found a record or two and the rounds' requests kept DynamoDB Local, the busiest process
 * under load, from the workflows' own calls.
 */
export const BUSY_POLL_MS = 100;
/**
 * Checkpoints reach the disk at most this often (and on stop). Written on every batch, the synchronous
 * write and rename took a tenth of the local cloud's event loop under load; a crash now re-delivers at
 * most this much more, which consumers take in their stride: delivery is at least once, as in Lambda.
 */
export const CHECKPOINT_EVERY_MS = 250;

interface ShardProgress {
  /** The last record handed to the function (or filtered out): reading resumes after it. */
  sequenceNumber?: string;
  /** Every record of a closed shard has been read. */
  done?: boolean;
}
type Checkpoints = Record<string, Record<string, ShardProgress>>;

/** A stream record as the Lambda event carries it: the API's record, dates as epoch seconds, binaries as base64. */
type LambdaStreamRecord = Record<string, unknown> & { dynamodb: { SequenceNumber: string } };

/**
 * The Lambda service's side of the template's DynamoDB stream event source mappings, run against
 * DynamoDB Local's Streams API: each mapping reads every shard in order on its own checkpoints (kept on
 * disk, so a restart carries on where it stopped), drops what its filters do not match, invokes the
 * same handler module with the same event shape, and on failure retries, bisects, honours reported
 * batch item failures, and finally parks records it could not deliver — as the mapping's settings say.
 */
export class LocalStreamPoller {
  private readonly dynamodb: DynamoDBClient;
  private readonly streams: DynamoDBStreamsClient;
  private readonly checkpoints: Checkpoints;
  private readonly directory: ShardDirectory;
  private readonly reads: SharedShardReads<LambdaStreamRecord>;
  private stopped = false;
  private readonly loops: Promise<void>[] = [];
  private readonly sleepers = new Set<() => void>();
  private checkpointTimer?: NodeJS.Timeout;

  constructor(private readonly options: {
    endpoint: string;
    tableName: string;
    mappings: readonly LocalStreamMapping[];
    lambdas: LocalLambdas;
    log: (message: string) => void;
    /** Where each mapping's position in each shard is kept. */
    checkpointFile: string;
    /** Records whose retries were spent: the local stand-in for the on-failure queue. */
    onFailureFile: string;
  }) {
    const client = { endpoint: options.endpoint, region: LOCAL_REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 };
    this.dynamodb = new DynamoDBClient(client);
    this.streams = new DynamoDBStreamsClient(client);
    // The SDK's logger step filters every input and output through its schema (to mask sensitive fields)
    // whether or not a logger is set; for a page of stream records that walk cost more than reading it.
    // Nothing here gives the clients a logger, so the step has nothing to do.
    this.dynamodb.middlewareStack.remove('loggerMiddleware');
    this.streams.middlewareStack.remove('loggerMiddleware');
    this.directory = new ShardDirectory(
      async () => (await this.dynamodb.send(new DescribeTableCommand({ TableName: options.tableName }))).Table?.LatestStreamArn,
      async (streamArn, exclusiveStartShardId) => (await this.streams.send(new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: exclusiveStartShardId }))).StreamDescription,
    );
    this.reads = new SharedShardReads(
      async (shard, position) => (await this.streams.send(new GetShardIteratorCommand({
        StreamArn: shard.streamArn, ShardId: shard.shardId,
        ...(position.after ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: position.after } : { ShardIteratorType: position.from }),
      }))).ShardIterator,
      async (shard, iterator) => {
        const page = await this.streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
        return { records: (page.Records ?? []).map((record) => toLambdaRecord(record, shard.streamArn)), next: page.NextShardIterator };
      },
      (record) => record.dynamodb.SequenceNumber,
    );
    this.checkpoints = existsSync(options.checkpointFile) ? JSON.parse(readFileSync(options.checkpointFile, 'utf8')) as Checkpoints : {};
  }

  start(): void {
    for (const mapping of this.options.mappings) this.loops.push(this.follow(mapping));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const wake of this.sleepers) wake();
    await Promise.all(this.loops);
    this.saveNow();
    this.dynamodb.destroy();
    this.streams.destroy();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  private save(): void {
    this.checkpointTimer ??= setTimeout(() => this.saveNow(), CHECKPOINT_EVERY_MS);
  }

  private saveNow(): void {
    if (!this.checkpointTimer) return;
    clearTimeout(this.checkpointTimer);
    this.checkpointTimer = undefined;
    writeFileSync(`${this.options.checkpointFile}.tmp`, JSON.stringify(this.checkpoints));
    renameSync(`${this.options.checkpointFile}.tmp`, this.options.checkpointFile);
  }

  private progress(mapping: LocalStreamMapping, shardId: string): ShardProgress {
    const shards = (this.checkpoints[mapping.logicalId] ??= {});
    return (shards[shardId] ??= {});
  }

  /** One mapping, for as long as the local cloud runs: shards parent first, each read to its end. */
  private async follow(mapping: LocalStreamMapping): Promise<void> {
    let failures = 0;
    let emptyPolls = 0;
    while (!this.stopped) {
      const roundStarted = Date.now();
      try {
        const shards = await this.directory.shards();
        let readSomething = false;
        for (const shard of shards) {
          if (this.stopped) break;
          const progress = this.progress(mapping, shard.ShardId!);
          if (progress.done) continue;
          const parent = shard.ParentShardId ? this.checkpoints[mapping.logicalId]?.[shard.ParentShardId] : undefined;
          // A child shard waits until its parent is read to the end (when the parent is still listed).
          if (parent && !parent.done && shards.some((s) => s.ShardId === shard.ParentShardId)) continue;
          readSomething = (await this.readShard(mapping, shard.streamArn, shard.ShardId!, progress)) || readSomething;
        }
        failures = 0;
        emptyPolls = readSomething ? 0 : emptyPolls + 1;
        if (!readSomething) await this.sleep(idlePollDelay(emptyPolls));
        else if (Date.now() - roundStarted < BUSY_POLL_MS) await this.sleep(BUSY_POLL_MS - (Date.now() - roundStarted));
      } catch (error) {
        // DynamoDB Local stopped or restarting: say so once in a while, and keep trying. The table may
        // have been made again meanwhile, with another stream: look it up afresh.
        this.directory.forget();
        if (failures++ % 20 === 0) this.options.log(`stream ${mapping.logicalId}: cannot read the stream (${(error as Error).name}); retrying`);
        await this.sleep(Math.min(RETRY_DELAYS_MS.max, RETRY_DELAYS_MS.first * 2 ** Math.min(failures, 5)));
      }
    }
  }

  /** Reads what the shard has now; true when it handed anything on. */
  private async readShard(mapping: LocalStreamMapping, streamArn: string, shardId: string, progress: ShardProgress): Promise<boolean> {
    let handedOn = false;
    while (!this.stopped) {
      const { records, closed } = await this.reads.read({ streamArn, shardId }, { after: progress.sequenceNumber, from: mapping.startingPosition });
      for (let i = 0; i < records.length && !this.stopped; i += mapping.batchSize) {
        await this.deliver(mapping, records.slice(i, i + mapping.batchSize), progress);
        handedOn = true;
      }
      if (this.stopped) return handedOn;
      if (records.length === 0) {
        if (closed) {
          progress.done = true;
          this.save();
        }
        return handedOn;
      }
    }
    return handedOn;
  }

  /**
   * One batch, until every record is handed on or parked. The checkpoint moves past a record only once
   * the function has taken it (or the filters dropped it), so a crash at any point re-delivers rather
   * than loses: consumers are idempotent, as they must be for Lambda's at-least-once delivery.
   */
  private async deliver(mapping: LocalStreamMapping, batch: readonly LambdaStreamRecord[], progress: ShardProgress): Promise<void> {
    let pending = [...batch];
    let attempts = 0;
    let size = pending.length;
    while (pending.length > 0 && !this.stopped) {
      const tooOld = mapping.maximumRecordAgeInSeconds >= 0
        ? pending.filter((r) => Date.now() / 1000 - Number((r.dynamodb as { ApproximateCreationDateTime?: number }).ApproximateCreationDateTime ?? 0) > mapping.maximumRecordAgeInSeconds)
        : [];
      if (tooOld.length > 0) {
        this.park(mapping, tooOld, 'record older than MaximumRecordAgeInSeconds', progress);
        pending = pending.slice(tooOld.length);
        continue;
      }
      const matching = mapping.filters.length === 0 ? pending : pending.filter((r) => mapping.filters.some((f) => matchesPattern(f, r)));
      if (matching.length === 0) {
        this.advance(progress, pending.at(-1)!);
        return;
      }
      const slice = pending.slice(0, size);
      const invoked = slice.filter((r) => matching.includes(r));
      let failedFrom: number | undefined;
      if (invoked.length > 0) {
        try {
          const answer = await this.options.lambdas.invoke(mapping.functionArn, { Records: invoked }) as { batchItemFailures?: { itemIdentifier?: string }[] } | null;
          const failed = mapping.reportBatchItemFailures ? (answer?.batchItemFailures ?? []).map((f) => String(f.itemIdentifier)) : [];
          if (failed.length > 0) {
            // Lambda resumes from the earliest failed record; an identifier it cannot find fails the whole batch.
            const indexes = failed.map((id) => slice.findIndex((r) => r.dynamodb.SequenceNumber === id));
            failedFrom = indexes.some((i) => i < 0) ? 0 : Math.min(...indexes);
          }
        } catch (error) {
          this.options.log(`stream ${mapping.logicalId}: ${mapping.functionArn.split(':').pop()} failed (${(error as Error).name})`);
          failedFrom = 0;
          if (mapping.bisectBatchOnFunctionError && size > 1) size = Math.ceil(size / 2);
        }
      }
      if (failedFrom === undefined) {
        this.advance(progress, slice.at(-1)!);
        pending = pending.slice(slice.length);
        attempts = 0;
        size = pending.length;
        continue;
      }
      if (failedFrom > 0) {
        this.advance(progress, slice[failedFrom - 1]!);
        pending = pending.slice(failedFrom);
        size = Math.min(size, pending.length);
      }
      attempts++;
      if (mapping.maximumRetryAttempts >= 0 && attempts > mapping.maximumRetryAttempts) {
        // Retries spent: with bisection the batch has shrunk to the record that keeps failing.
        const parked = pending.slice(0, Math.max(1, Math.min(size, pending.length)));
        this.park(mapping, parked, `retries spent (${mapping.maximumRetryAttempts})`, progress);
        pending = pending.slice(parked.length);
        attempts = 0;
        size = pending.length;
        continue;
      }
      await this.sleep(Math.min(RETRY_DELAYS_MS.max, RETRY_DELAYS_MS.first * 2 ** (attempts - 1)));
    }
  }

  private advance(progress: ShardProgress, record: LambdaStreamRecord): void {
    progress.sequenceNumber = record.dynamodb.SequenceNumber;
    this.save();
  }

  /** The on-failure destination, locally: what AWS would put on the queue (record metadata, no images). */
  private park(mapping: LocalStreamMapping, records: LambdaStreamRecord[], why: string, progress: ShardProgress): void {
    for (const record of records) {
      const { SequenceNumber, Keys } = record.dynamodb as { SequenceNumber: string; Keys?: unknown };
      appendFileSync(this.options.onFailureFile, `${JSON.stringify({ mapping: mapping.logicalId, destination: mapping.onFailure ?? null, why, sequenceNumber: SequenceNumber, keys: Keys, at: new Date().toISOString() })}\n`);
      this.options.log(`stream ${mapping.logicalId}: record ${SequenceNumber} parked on its on-failure destination: ${why}`);
    }
    this.advance(progress, records.at(-1)!);
  }
}

type StreamDescription = { Shards?: Shard[]; LastEvaluatedShardId?: string } | undefined;

/**
 * Where the table's stream is and which shards it has, for every mapping at once. DynamoDB Local answers
 * DescribeTable by counting the table (11 ms of its CPU per call with a few thousand items, and more as
 * the table grows): asked by each mapping every round, as it was, that alone took a third of a core
 * under load. The stream's ARN is therefore looked up once (and again after a failure), and one listing
 * of the shards serves every mapping that asks within a busy round's interval.
 */
export class ShardDirectory {
  private streamArn?: Promise<string>;
  private listing?: { at: number; shards: Promise<(Shard & { streamArn: string })[]> };

  constructor(
    private readonly latestStreamArn: () => Promise<string | undefined>,
    private readonly describeStream: (streamArn: string, exclusiveStartShardId?: string) => Promise<StreamDescription>,
    private readonly freshForMs: number = BUSY_POLL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  shards(): Promise<(Shard & { streamArn: string })[]> {
    if (this.listing && this.now() - this.listing.at < this.freshForMs) return this.listing.shards;
    const shards = this.list();
    this.listing = { at: this.now(), shards };
    // A failed listing is not kept: the next caller asks again.
    shards.catch(() => this.forget());
    return shards;
  }

  forget(): void {
    this.streamArn = undefined;
    this.listing = undefined;
  }

  private async list(): Promise<(Shard & { streamArn: string })[]> {
    this.streamArn ??= this.latestStreamArn().then((arn) => {
      if (!arn) throw Object.assign(new Error('The table has no stream'), { name: 'NoStream' });
      return arn;
    });
    const streamArn = await this.streamArn;
    const shards: Shard[] = [];
    let start: string | undefined;
    do {
      const description = await this.describeStream(streamArn, start);
      shards.push(...(description?.Shards ?? []));
      start = description?.LastEvaluatedShardId;
    } while (start);
    return shards.map((shard) => ({ ...shard, streamArn }));
  }
}

interface ShardRef { readonly streamArn: string; readonly shardId: string }
interface ShardPosition {
  /** The last record a mapping has taken: it reads on after it. */
  readonly after?: string;
  /** Where a mapping that has taken nothing yet starts. */
  readonly from: 'TRIM_HORIZON' | 'LATEST';
}
/** A stretch of a shard read in order: the records after `anchor` (undefined: the shard's start) up to `next`. */
interface ShardRun<R> {
  anchor?: string;
  records: R[];
  /** The iterator after the last record read, once there is one; none and `closed` once the shard has ended. */
  next?: string;
  closed: boolean;
  fetching?: Promise<void>;
}

/** Sequence numbers are decimal strings of any length: compared as numbers, without parsing them. */
const compareSequences = (a: string, b: string): number => {
  const x = a.replace(/^0+(?=\d)/, '');
  const y = b.replace(/^0+(?=\d)/, '');
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
};

/** Where the record with `sequence` is among `sorted` (in stream order), or -1. */
function indexOfSequence<R>(sorted: readonly R[], sequenceOf: (record: R) => string, sequence: string): number {
  let low = 0;
  let high = sorted.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const order = compareSequences(sequenceOf(sorted[middle]!), sequence);
    if (order === 0) return middle;
    if (order < 0) low = middle + 1;
    else high = middle - 1;
  }
  return -1;
}

/**
 * One reading of each shard for every mapping. Each mapping read every record for itself, as Lambda's
 * mappings do: under load four mappings fetched ~125 KiB of stream JSON per referral, parsed by the SDK
 * and converted four times, and DynamoDB Local wrote it out four times. Here the shard's newest stretch is
 * kept (up to `keep` records) and a mapping whose position falls in it is served from it; reading past
 * its end is one GetRecords shared by whoever asks meanwhile. A mapping behind the stretch (retrying, or
 * new) reads on its own from its own position, as before, until it catches up; one ahead of it (the
 * stretch is stale) starts the stretch again from where it is. Each mapping keeps its own checkpoint,
 * batches, retries and filters: only the reading is shared.
 */
export class SharedShardReads<R> {
  private readonly runs = new Map<string, ShardRun<R>>();

  constructor(
    private readonly iterator: (shard: ShardRef, position: ShardPosition) => Promise<string | undefined>,
    private readonly page: (shard: ShardRef, iterator: string) => Promise<{ records: R[]; next?: string }>,
    private readonly sequenceOf: (record: R) => string,
    private readonly keep = 5_000,
  ) {}

  /** The records of the shard after the position that are there now (none yet: empty); `closed` once the shard has ended. */
  async read(shard: ShardRef, position: ShardPosition): Promise<{ records: R[]; closed: boolean }> {
    const key = `${shard.streamArn} ${shard.shardId}`;
    // "From the latest" is from the moment of asking: no stretch read earlier can serve it.
    if (position.after === undefined && position.from === 'LATEST') return this.readAlone(shard, position);
    for (;;) {
      let run = this.runs.get(key);
      const index = run ? this.indexIn(run, position) : 'ahead';
      if (index === 'behind') return this.readAlone(shard, position);
      if (index === 'ahead') {
        run = { ...(position.after ? { anchor: position.after } : {}), records: [], closed: false };
        this.runs.set(key, run);
        continue;
      }
      if (index < run!.records.length) return { records: run!.records.slice(index, index + 1000), closed: false };
      if (run!.closed) {
        // Kept no longer: a mapping still reading the ended shard starts a stretch of its own from where it is.
        this.runs.delete(key);
        return { records: [], closed: true };
      }
      const before = run!.records.length;
      run!.fetching ??= this.fetch(key, shard, run!, position).finally(() => { run!.fetching = undefined; });
      await run!.fetching;
      if (this.runs.get(key) !== run) continue;
      // Nothing new: said now rather than asked again at once; the mapping comes back on its next round.
      if (run!.records.length === before && !run!.closed) return { records: [], closed: false };
    }
  }

  /** Where the position is in the run: the index of the first record after it, or outside the run. */
  private indexIn(run: ShardRun<R>, position: ShardPosition): number | 'behind' | 'ahead' {
    if (position.after === run.anchor) return 0;
    if (position.after === undefined) return 'behind';
    if (run.anchor !== undefined && compareSequences(position.after, run.anchor) < 0) return 'behind';
    const last = run.records.length > 0 ? this.sequenceOf(run.records.at(-1)!) : undefined;
    if (last === undefined || compareSequences(position.after, last) > 0) return 'ahead';
    const found = indexOfSequence(run.records, this.sequenceOf, position.after);
    // A position inside the run that is no record of it is not one this shard gave: read from it alone.
    return found < 0 ? 'behind' : found + 1;
  }

  private async fetch(key: string, shard: ShardRef, run: ShardRun<R>, position: ShardPosition): Promise<void> {
    try {
      run.next ??= await this.iterator(shard, run.anchor ? { after: run.anchor, from: position.from } : { from: position.from });
      if (!run.next) {
        run.closed = true;
        return;
      }
      const { records, next } = await this.page(shard, run.next);
      // The oldest go before the new page comes in, so that a page is always there for whoever asked for it.
      const surplus = run.records.length - this.keep;
      if (surplus > 0) {
        run.anchor = this.sequenceOf(run.records[surplus - 1]!);
        run.records.splice(0, surplus);
      }
      run.records.push(...records);
      run.next = next;
      if (!next) run.closed = true;
    } catch (error) {
      // An expired iterator, DynamoDB Local restarting: the next read starts the run again.
      if (this.runs.get(key) === run) this.runs.delete(key);
      throw error;
    }
  }

  /** A mapping outside the shared stretch: one page from its own position, as every mapping read before. */
  private async readAlone(shard: ShardRef, position: ShardPosition): Promise<{ records: R[]; closed: boolean }> {
    const iterator = await this.iterator(shard, position);
    if (!iterator) return { records: [], closed: true };
    const { records, next } = await this.page(shard, iterator);
    return { records, closed: !next && records.length === 0 };
  }
}

/** The API's record as Lambda hands it to a function. */
function toLambdaRecord(record: _Record, streamArn: string): LambdaStreamRecord {
  const json = JSON.parse(JSON.stringify(record, (key, value: unknown) => {
    if (key === 'ApproximateCreationDateTime' && typeof value === 'string') return Math.floor(Date.parse(value) / 1000);
    if (value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer') return Buffer.from((value as { data: number[] }).data).toString('base64');
    return value;
  })) as LambdaStreamRecord;
  return { ...json, eventSourceARN: streamArn };
}

/**
 * Lambda's event filtering, for the rules the stack uses and their common neighbours: a pattern is an
 * object of keys to nested patterns or to a list of allowed values; a value may also be
 * `{ prefix }`, `{ exists }` or `{ 'anything-but': [...] }`.
 */
export function matchesPattern(pattern: Record<string, unknown>, value: unknown): boolean {
  return Object.entries(pattern).every(([key, rule]) => {
    const actual = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
    if (Array.isArray(rule)) return rule.some((allowed) => matchesValue(allowed, actual));
    if (rule !== null && typeof rule === 'object') return matchesPattern(rule as Record<string, unknown>, actual);
    return false;
  });
}

function matchesValue(allowed: unknown, actual: unknown): boolean {
  if (allowed !== null && typeof allowed === 'object') {
    const rule = allowed as { prefix?: string; exists?: boolean; 'anything-but'?: unknown[] };
    if (rule.exists !== undefined) return (actual !== undefined) === rule.exists;
    if (rule.prefix !== undefined) return typeof actual === 'string' && actual.startsWith(rule.prefix);
    if (rule['anything-but'] !== undefined) return actual !== undefined && !rule['anything-but'].includes(actual);
    return false;
  }
  return actual === allowed;
}
