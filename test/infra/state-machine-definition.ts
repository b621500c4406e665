/** Reading the Amazon States Language the stack deploys, as the infrastructure tests see it. */

export interface Retrier {
  readonly ErrorEquals: string[];
  readonly IntervalSeconds?: number;
  readonly MaxAttempts?: number;
  readonly BackoffRate?: number;
  readonly MaxDelaySeconds?: number;
  readonly JitterStrategy?: string;
}

export interface Catcher {
  readonly ErrorEquals: string[];
  readonly Next: string;
  readonly ResultPath?: string | null;
}

export interface States {
  readonly StartAt: string;
  readonly States: Record<string, AslState>;
  readonly QueryLanguage?: string;
}

export interface AslState {
  readonly Type: string;
  readonly Next?: string;
  readonly End?: boolean;
  readonly Default?: string;
  readonly Choices?: { Next: string }[];
  readonly Resource?: string;
  readonly Parameters?: Record<string, unknown>;
  readonly Retry?: Retrier[];
  readonly Catch?: Catcher[];
  readonly ItemProcessor?: States;
  readonly Iterator?: States;
  readonly Branches?: States[];
  readonly QueryLanguage?: string;
}

export interface PlacedState {
  readonly name: string;
  readonly state: AslState;
  /** The Map or Parallel state this one runs inside, if any. */
  readonly inside?: string;
}

/**
 * A DefinitionString is a Fn::Join of JSON text around Ref/GetAtt tokens. Tokens only ever sit inside
 * JSON strings, so each becomes a quote-free placeholder such as `{{GetAtt:ScreenReferral8FC2DFE8.Arn}}`.
 */
export function definitionText(definitionString: unknown): string {
  if (typeof definitionString === 'string') return definitionString;
  const join = (definitionString as { 'Fn::Join'?: [string, unknown[]] } | undefined)?.['Fn::Join'];
  if (!join) throw new Error(`DefinitionString is neither text nor a Fn::Join: ${JSON.stringify(definitionString)}`);
  const [separator, parts] = join;
  return parts.map(placeholder).join(separator);
}

function placeholder(part: unknown): string {
  if (typeof part === 'string') return part;
  const token = part as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
  if (token.Ref !== undefined) return `{{Ref:${token.Ref}}}`;
  if (token['Fn::GetAtt']) return `{{GetAtt:${token['Fn::GetAtt'].join('.')}}}`;
  throw new Error(`Unexpected token in the state machine definition: ${JSON.stringify(part)}`);
}

/** The logical id a `{{GetAtt:Id.Arn}}` placeholder names. */
export function placeholderLogicalId(value: string | undefined): string | undefined {
  return /^\{\{GetAtt:([A-Za-z0-9]+)\.Arn\}\}$/.exec(value ?? '')?.[1];
}

/**
 * The function a Task calls. A plain Lambda task names it as its Resource; the `lambda:invoke`
 * service integration (needed for `.waitForTaskToken`) names it in Parameters.FunctionName.
 */
export function taskFunction(state: AslState): string | undefined {
  if (state.Type !== 'Task') return undefined;
  if (/:states:::lambda:invoke(\.waitForTaskToken)?$/.test(state.Resource ?? '')) {
    const name = state.Parameters?.FunctionName;
    return typeof name === 'string' ? name : undefined;
  }
  return state.Resource;
}

/** Every state at any depth: Map item processors and Parallel branches included. */
export function everyState(definition: States, inside?: string): PlacedState[] {
  return Object.entries(definition.States).flatMap(([name, state]) => {
    const nested = [state.ItemProcessor, state.Iterator, ...(state.Branches ?? [])]
      .filter((inner): inner is States => inner !== undefined)
      .flatMap((inner) => everyState(inner, name));
    return [{ name, state, inside }, ...nested];
  });
}

/** Every state machine and nested processor, where a QueryLanguage can be declared. */
export function everyStatesBlock(definition: States): States[] {
  return [definition, ...Object.values(definition.States).flatMap((state) =>
    [state.ItemProcessor, state.Iterator, ...(state.Branches ?? [])]
      .filter((inner): inner is States => inner !== undefined)
      .flatMap(everyStatesBlock))];
}

/**
 * What a retrier waits in all before it gives up, from the template alone. Step Functions waits
 * IntervalSeconds × BackoffRate^n before retry n+1, capped at MaxDelaySeconds; FULL jitter draws each wait
 * uniformly from zero up to that. Returned: the mean total, and a floor the total stays above unless
 * it falls four standard deviations short (about 3 in 100,000 runs).
 */
export function retryBudgetSeconds(retrier: Retrier): { mean: number; floor: number } {
  const interval = retrier.IntervalSeconds ?? 1;
  const rate = retrier.BackoffRate ?? 2;
  const attempts = retrier.MaxAttempts ?? 3;
  const cap = retrier.MaxDelaySeconds ?? Number.POSITIVE_INFINITY;
  const waits = Array.from({ length: attempts }, (_, n) => Math.min(interval * rate ** n, cap));
  if (retrier.JitterStrategy !== 'FULL') {
    const total = waits.reduce((a, b) => a + b, 0);
    return { mean: total, floor: total };
  }
  const mean = waits.reduce((a, w) => a + w / 2, 0);
  const sd = Math.sqrt(waits.reduce((a, w) => a + (w * w) / 12, 0));
  return { mean, floor: mean - 4 * sd };
}
