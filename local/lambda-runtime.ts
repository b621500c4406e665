import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import type { LocalFunction } from './template.js';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

/**
 * Runs the project's handler modules in this process, the way the Lambda runtime would: one module
 * load per function (module-scope clients reused), a Lambda context, and JSON in and out.
 */
export class LocalLambdas {
  private readonly handlers = new Map<string, Promise<Handler>>();
  private readonly byArn: Map<string, LocalFunction>;

  constructor(private readonly projectRoot: string, functions: LocalFunction[]) {
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
    }
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
