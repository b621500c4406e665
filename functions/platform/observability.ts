import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { redactPersonalData } from './log-redaction.js';

// Shared by every handler. Nothing from a referral body is ever passed to the logger: log references,
// statuses, team ids and error names only (SPEC §10). The replacer catches what slips through.
export const logger = new Logger({ jsonReplacerFn: redactPersonalData });

// Metrics' own notices go through our logger. Its one warning, "no application metrics to publish", is
// the normal case for a step that had nothing to count (a retried step, an early return), so it is
// logged at debug level rather than on every such invocation.
export const metrics = new Metrics({
  logger: {
    trace: (...args: unknown[]) => logger.debug(String(args[0]), ...args.slice(1) as never[]),
    debug: (...args: unknown[]) => logger.debug(String(args[0]), ...args.slice(1) as never[]),
    info: (...args: unknown[]) => logger.info(String(args[0]), ...args.slice(1) as never[]),
    warn: (...args: unknown[]) => (String(args[0]).startsWith('No application metrics to publish')
      ? logger.debug(String(args[0]))
      : logger.warn(String(args[0]), ...args.slice(1) as never[])),
    error: (...args: unknown[]) => logger.error(String(args[0]), ...args.slice(1) as never[]),
  },
});
