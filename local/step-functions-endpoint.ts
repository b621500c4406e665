import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { StateMachine } from 'aws-local-stepfunctions';
import { ExecutionJournal, type JournalEntry } from './execution-journal.js';
import type { LocalLambdas } from './lambda-runtime.js';

type StateDefinition = Record<string, unknown> & { Type?: string; Resource?: string };
type Definition = { States: Record<string, StateDefinition> };

export interface Execution {
  readonly executionArn: string;
  readonly name: string;
  readonly input: string;
  readonly startDate: Date;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  stopDate?: Date;
  output?: string;
  error?: string;
  cause?: string;
  /** Which states were entered, for GetExecutionHistory (names and types only: no inputs are kept). */
  history: { type: string; timestamp: number }[];
  done: Promise<void>;
}

class ApiError extends Error {
  constructor(readonly type: string, message: string, readonly statusCode = 400) {
    super(message);
  }
}

/** Stands in for `$$.Task.Token`, which the emulator does not provide; replaced by a real token per wait. */
const TOKEN_PLACEHOLDER = 'local-task-token-placeholder';
const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';
const LAMBDA_CALLBACK = 'arn:aws:states:::lambda:invoke.waitForTaskToken';

interface PendingCallback {
  resolve(output: unknown): void;
  reject(error: Error): void;
  readonly expiresAt: number;
}

/** Every Task state, at any depth (Map item processors, Parallel branches), by name. */
function taskStates(definition: Definition): [string, StateDefinition][] {
  const found: [string, StateDefinition][] = [];
  const walk = (states: Record<string, StateDefinition>) => {
    for (const [name, state] of Object.entries(states)) {
      if (state.Type === 'Task') found.push([name, state]);
      const processor = (state.ItemProcessor ?? state.Iterator) as Definition | undefined;
      if (processor) walk(processor.States);
      for (const branch of (state.Branches as Definition[] | undefined) ?? []) walk(branch.States);
    }
  };
  walk(definition.States);
  return found;
}

/**
 * The Step Functions API as the handlers use it, in front of `aws-local-stepfunctions` running the
 * definition read from the synthesized template. Each Task state is bound to the local copy of the
 * Lambda function its Resource names.
 */
export class LocalStepFunctions {
  readonly executions = new Map<string, Execution>();
  private readonly callbacks = new Map<string, PendingCallback>();
  private readonly aborts = new Map<string, () => void>();
  private readonly machine: StateMachine;
  private readonly journal?: ExecutionJournal;
  private readonly journaled: readonly JournalEntry[];
  private readonly taskHandlers: Record<string, (input: unknown) => Promise<unknown>>;
  private server?: Server;
  private stopped = false;

  constructor(
    private readonly stateMachineArn: string,
    private readonly definition: Definition,
    lambdas: LocalLambdas,
    private readonly log: (message: string) => void,
    /** Where executions are kept, so a restarted local cloud resumes the ones that were running. */
    journalFile?: string,
  ) {
    this.journal = journalFile ? new ExecutionJournal(journalFile) : undefined;
    // Read and compacted before anything is appended: a line a crash cut short goes with the compaction.
    this.journaled = this.journal?.read() ?? [];
    this.journal?.compact(this.journaled);
    this.machine = new StateMachine(definition as never, { validationOptions: { checkPaths: true, checkArn: false } });
    // A failed attempt is what AWS shows as a TaskFailed event in the execution's history; here it is a
    // line in the log, by error name only (a message can quote what was sent).
    const logFailures = (name: string, handler: (input: unknown) => Promise<unknown>) => async (input: unknown) => {
      try {
        return await handler(input);
      } catch (error) {
        this.log(`task "${name}" failed: ${(error as Error).name}`);
        throw error;
      }
    };
    this.taskHandlers = Object.fromEntries(taskStates(definition).map(([name, state]) => [name, logFailures(name, this.taskHandler(lambdas, name, state))]));
  }

  private taskHandler(lambdas: LocalLambdas, name: string, state: StateDefinition): (input: unknown) => Promise<unknown> {
    const resource = String(state.Resource);
    if (resource === LAMBDA_CALLBACK) return (input: unknown) => this.invokeAndWait(lambdas, name, input);
    if (resource === LAMBDA_INVOKE) {
      return (input: unknown) => {
        const { FunctionName, Payload } = input as { FunctionName: string; Payload: unknown };
        return lambdas.invoke(FunctionName, Payload);
      };
    }
    if (!lambdas.has(resource)) throw new Error(`Task state "${name}" calls ${resource}, which the local cloud cannot run`);
    return (input: unknown) => lambdas.invoke(resource, input);
  }

  /**
   * `.waitForTaskToken`: invokes the function with a fresh token in place of `$$.Task.Token`, then waits
   * for SendTaskSuccess or SendTaskFailure with that token. The state's own timeout (TimeoutSecondsPath)
   * is enforced by the emulator; the token expires with it.
   */
  private async invokeAndWait(lambdas: LocalLambdas, stateName: string, input: unknown): Promise<unknown> {
    const { FunctionName, Payload } = input as { FunctionName: string; Payload: Record<string, unknown> };
    const token = randomBytes(24).toString('base64url');
    const payload = JSON.parse(JSON.stringify(Payload).replaceAll(TOKEN_PLACEHOLDER, token)) as Record<string, unknown>;
    const secondsToWait = Number(payload.secondsToWait ?? 0);
    const expiresAt = Date.now() + (secondsToWait > 0 ? secondsToWait * 1000 : 365 * 86_400_000);
    const answered = new Promise<unknown>((resolve, reject) => this.callbacks.set(token, { resolve, reject, expiresAt }));
    // Registered before the invoke: the function may answer its own token at once.
    answered.catch(() => undefined);
    await lambdas.invoke(FunctionName, payload);
    this.log(`waiting in "${stateName}" for up to ${secondsToWait || '∞'} s`);
    try {
      return await answered;
    } finally {
      this.callbacks.delete(token);
    }
  }

  private answerCallback(body: Record<string, unknown>, succeeded: boolean): Record<string, never> {
    const token = String(body.taskToken ?? '');
    const pending = this.callbacks.get(token);
    if (!pending) throw new ApiError('TaskDoesNotExist', 'Task does not exist anymore');
    if (Date.now() > pending.expiresAt) throw new ApiError('TaskTimedOut', 'Task timed out');
    this.callbacks.delete(token);
    if (succeeded) {
      pending.resolve(JSON.parse(String(body.output ?? 'null')));
    } else {
      const error = new Error(String(body.cause ?? ''));
      error.name = String(body.error ?? 'States.TaskFailed');
      pending.reject(error);
    }
    return {};
  }

  /** Re-runs every execution the journal says was running when the local cloud stopped. */
  resume(): number {
    let resumed = 0;
    for (const entry of this.journaled) {
      if (entry.status === 'RUNNING') {
        // Every step is idempotent and reads its position from the table, so starting again from the
        // top resumes each assignment at its stored deadline without repeating an email.
        this.startExecution(entry.name, entry.input, new Date(entry.startDate));
        resumed++;
      } else {
        this.executions.set(this.executionArn(entry.name), {
          executionArn: this.executionArn(entry.name), name: entry.name, input: entry.input,
          startDate: new Date(entry.startDate), status: entry.status as Execution['status'], history: [], done: Promise.resolve(),
        });
      }
    }
    return resumed;
  }

  private writeJournal(execution: Execution): void {
    if (!this.journal || this.stopped) return;
    this.journal.append({ name: execution.name, input: execution.input, status: execution.status, startDate: execution.startDate.toISOString() });
  }

  private executionArn(name: string): string {
    return `${this.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
  }

  get name(): string {
    return this.stateMachineArn.split(':').pop() ?? '';
  }

  startExecution(name: string, input: string, startDate = new Date()): Execution {
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) throw new ApiError('InvalidName', 'Invalid execution name');
    const executionArn = this.executionArn(name);
    const existing = this.executions.get(executionArn);
    if (existing) {
      // As in AWS: the same name and input while running is the same execution; anything else is refused.
      if (existing.status === 'RUNNING' && existing.input === input) return existing;
      throw new ApiError('ExecutionAlreadyExists', `Execution already exists: '${executionArn}'`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(input);
    } catch {
      throw new ApiError('InvalidExecutionInput', 'Input is not valid JSON');
    }
    const run = this.machine.run(parsed as never, {
      overrides: { taskResourceLocalHandlers: this.taskHandlers as never },
      context: {
        Execution: { Id: executionArn, Name: name, Input: parsed, StartTime: startDate.toISOString(), RoleArn: 'arn:aws:iam::000000000000:role/local' },
        StateMachine: { Id: this.stateMachineArn, Name: this.name },
        Task: { Token: TOKEN_PLACEHOLDER },
      } as never,
      noThrowOnAbort: true,
    });
    const execution: Execution = { executionArn, name, input, startDate, status: 'RUNNING', history: [], done: Promise.resolve() };
    void (async () => {
      for await (const event of run.eventLogs as AsyncIterable<{ type: string; timestamp: number; state?: { type?: string } }>) {
        // Named as AWS names them: a Task entered is TaskStateEntered, and so on.
        const type = event.type === 'StateEntered' || event.type === 'StateExited'
          ? `${event.state?.type ?? ''}${event.type}` : event.type;
        execution.history.push({ type, timestamp: event.timestamp });
      }
    })().catch(() => undefined);
    execution.done = run.result.then(
      (output: unknown) => {
        execution.status = 'SUCCEEDED';
        execution.output = JSON.stringify(output ?? null);
      },
      (error: Error & { cause?: unknown }) => {
        // The emulator wraps what failed the execution (a Fail state, an uncaught task error) in an
        // ExecutionError; AWS reports the inner error's name and cause.
        const failure = error.name === 'ExecutionError' && error.cause instanceof Error ? error.cause : error;
        execution.status = 'FAILED';
        execution.error = failure.name;
        execution.cause = failure.message;
        this.log(`execution ${name} failed: ${execution.error}`);
      },
    ).finally(() => {
      execution.stopDate = new Date();
      this.writeJournal(execution);
    });
    this.executions.set(executionArn, execution);
    this.aborts.set(executionArn, run.abort);
    this.writeJournal(execution);
    return execution;
  }

  /** Waits for every running execution (used on shutdown and by tests). */
  async settled(): Promise<void> {
    await Promise.all([...this.executions.values()].map((e) => e.done));
  }

  private answer(target: string, body: Record<string, unknown>): unknown {
    const seconds = (d?: Date) => (d ? d.getTime() / 1000 : undefined);
    const describe = (e: Execution) => ({
      executionArn: e.executionArn, stateMachineArn: this.stateMachineArn, name: e.name, status: e.status,
      startDate: seconds(e.startDate), stopDate: seconds(e.stopDate), input: e.input, output: e.output,
      error: e.error, cause: e.cause,
    });
    const requireMachine = () => {
      if (body.stateMachineArn !== this.stateMachineArn) throw new ApiError('StateMachineDoesNotExist', 'State machine does not exist');
    };
    switch (target) {
      case 'StartExecution': {
        requireMachine();
        const execution = this.startExecution(String(body.name ?? crypto.randomUUID()), String(body.input ?? '{}'));
        return { executionArn: execution.executionArn, startDate: seconds(execution.startDate) };
      }
      case 'DescribeExecution': {
        const execution = this.executions.get(String(body.executionArn));
        if (!execution) throw new ApiError('ExecutionDoesNotExist', 'Execution does not exist');
        return describe(execution);
      }
      case 'ListExecutions': {
        requireMachine();
        const executions = [...this.executions.values()]
          .filter((e) => !body.statusFilter || e.status === body.statusFilter)
          .map((e) => ({ executionArn: e.executionArn, stateMachineArn: this.stateMachineArn, name: e.name, status: e.status, startDate: seconds(e.startDate), stopDate: seconds(e.stopDate) }));
        return { executions };
      }
      case 'GetExecutionHistory': {
        const execution = this.executions.get(String(body.executionArn));
        if (!execution) throw new ApiError('ExecutionDoesNotExist', 'Execution does not exist');
        return { events: execution.history.map((e, i) => ({ id: i + 1, type: e.type, timestamp: e.timestamp / 1000 })) };
      }
      case 'SendTaskSuccess':
        return this.answerCallback(body, true);
      case 'SendTaskFailure':
        return this.answerCallback(body, false);
      case 'DescribeStateMachine': {
        requireMachine();
        return {
          stateMachineArn: this.stateMachineArn, name: this.name, status: 'ACTIVE', type: 'STANDARD',
          definition: JSON.stringify(this.definition), roleArn: 'arn:aws:iam::000000000000:role/local', creationDate: 0,
        };
      }
      default:
        throw new ApiError('UnknownOperationException', `The local Step Functions endpoint does not support ${target}`);
    }
  }

  listen(port: number): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    return new Promise((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve(`http://127.0.0.1:${port}`));
    });
  }

  /** Stops serving. Running executions are left in the journal as running, to resume on the next start. */
  close(): Promise<void> {
    this.stopped = true;
    for (const abort of this.aborts.values()) abort();
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '').replace(/^AWSStepFunctions\./, '');
    let status = 200;
    let payload: unknown;
    try {
      const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> : {};
      payload = this.answer(target, body);
    } catch (error) {
      const apiError = error instanceof ApiError ? error : new ApiError('InternalFailure', 'Internal failure', 500);
      status = apiError.statusCode;
      payload = { __type: apiError.type, message: apiError.message };
      res.setHeader('x-amzn-errortype', apiError.type);
    }
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
    res.end(JSON.stringify(payload));
  }
}
