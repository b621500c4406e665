import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { logger, metrics } from './observability.js';

/**
 * What every handler is wrapped in, whatever triggers it: the invocation's context in each log line
 * (and nothing of the last invocation's), metrics flushed at the end.
 */
export function observed() {
  return [injectLambdaContext(logger, { resetKeys: true }), logMetrics(metrics)];
}

/**
 * For a workflow step or an event consumer: errors propagate, so Step Functions' retriers or the event
 * source mapping decide what happens next.
 */
export function taskDefaults() {
  return observed();
}
