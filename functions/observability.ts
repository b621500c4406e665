import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

// Shared by every handler. Nothing from a referral body is ever passed to the logger: log references,
// statuses, team ids and error names only (SPEC §10).
export const logger = new Logger();
export const metrics = new Metrics();
