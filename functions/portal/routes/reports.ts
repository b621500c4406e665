import { reportsCsv, reportsPage } from '../reports-page.js';
import type { Result } from '../router.js';
import type { StaffRequest } from '../staff-request.js';

/** The commissioner dashboard; functions/portal/reports-page.ts builds it from the aggregates. */
export const show = (request: StaffRequest): Promise<Result> => reportsPage(request.event, request, request.now);

export const download = (request: StaffRequest): Promise<Result> => reportsCsv(request.event, request, request.now);
