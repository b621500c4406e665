import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import type { LocalFunction } from './template.js';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

/**
 * How many invocations of one function run at once; the rest queue for a turn. In AWS each invocation
 * has an execution environment of its own and its time-out counts from when it starts; here every
 * invocation shares one process and one DynamoDB Local. Unbounded, a backlog of workflow steps would
 * queue inside the invocations, for sockets to the table, and run out their time-outs there (each retry
 * adding to the queue); bounded, a busy machine makes steps wait for their turn and then run in time.
 */
export const LOCAL_CONCURRENCY_PER_FUNCTION = 8;

/**
 * Runs the project's handler modules in this process, the way the Lambda runtime would: one module
 * load per function (module-scope clients reused), a Lambda context, JSON in and out, and a bound on
 * each function's concurrent invocations.
 */
export class LocalLambdas {
  private readonly handlers = new Map<string, Promise<Handler>>();
  private readonly byArn: Map<string, LocalFunction>;
  private readonly turns = new Map<string, Turns>();

  constructor(private readonly projectRoot: string, functions: LocalFunction[], private readonly concurrency = LOCAL_CONCURRENCY_PER_FUNCTION) {
    this.byArn = new Map(functions.map((f) => [f.arn, f]));
  }

  has(arn: string): boolean {
    return this.byArn.has(arn);
  }

  private load(fn: LocalFunction): Promise<Handler> {
    let handler = this.handlers.get(fn.arn);
    if (!handler) {
      handler = import(pathToFileURL(path.join(this.projectRoot, fn.handlerModule)).href)
        .then((module: { handler?: Handler }) => {
          if (typeof module.handler !== 'function') throw new Error(`${fn.handlerModule} exports no handler`);
          return module.handler;
        });
      this.handlers.set(fn.arn, handler);
    }
    return handler;
  }

  async invoke(arn: string, event: unknown): Promise<unknown> {
    const fn = this.byArn.get(arn);
    if (!fn) throw new Error(`No local function for ${arn}`);
    const handler = await this.load(fn);
    let turns = this.turns.get(arn);
    if (!turns) this.turns.set(arn, (turns = new Turns(this.concurrency)));
    await turns.take();
    // The invocation's clock starts with its turn, as a Lambda's starts when it runs.
    const context = lambdaContext(fn);
    try {
      const result = await handler(JSON.parse(JSON.stringify(event ?? null)), context);
      return result === undefined ? null : JSON.parse(JSON.stringify(result));
    } catch (error) {
      // What crosses the Lambda boundary is the error's type and message, as with a real function error.
      const err = error instanceof Error ? error : new Error(String(error));
      const crossing = new Error(err.message);
      crossing.name = err.name;
      throw crossing;
    } finally {
      turns.give();
    }
  }
}

/** A counting semaphore, first come first served. */
class Turns {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async take(): Promise<void> {
    if (this.running < this.limit) {
      this.running++;
      return;
    }
    // The turn passes straight from the one giving it to the one waiting: `running` stays as it is.
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  give(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}

function lambdaContext(fn: LocalFunction): Context {
  const deadline = Date.now() + 30_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: fn.logicalId,
    functionVersion: '$LATEST',
    invokedFunctionArn: fn.arn,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${fn.logicalId}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
