import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { openAssignments } from '../adapters/referral-store.js';
import { serviceConfig } from '../adapters/service-config.js';
import { readAggregates } from '../adapters/throughput-store.js';
import { reportCsv } from '../domain/csv.js';
import { openWork, publishableOpenWork } from '../domain/open-work.js';
import { spansToRead } from '../domain/report-calendar.js';
import { publishableReport } from '../domain/suppression.js';
import { ALL_TEAMS, REPORT_TIME_ZONE, throughputReport } from '../domain/throughput.js';
import { localDateOf } from '../domain/working-calendar.js';
import { areasCommissioned, areasCoordinated, callerFrom } from '../http/caller.js';
import { httpDefaults } from '../http/http-defaults.js';
import { staffToken } from '../http/staff-token.js';
import { parseReportQuery, wantsCsv } from '../http/report-query.js';
import { fieldErrors, json } from '../http/responses.js';
import { logger } from '../platform/observability.js';

/**
 * Throughput for commissioners and coordinators, of their own areas only (SPEC §7, §8): figures from the
 * span totals covering the range, open and overdue work from the open-work index. Never a referral, never a person.
 */
const reportThroughput = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const caller = callerFrom(event);
  const coordinated = areasCoordinated(caller);
  const ownAreas = [...new Set([...areasCommissioned(caller), ...coordinated])].sort();
  // That reports exist is no secret, so anyone else signed in is told plainly.
  if (ownAreas.length === 0) throw fieldErrors(403, [{ path: '', message: 'Reports are for commissioners and coordinators.' }]);

  const now = new Date();
  const query = parseReportQuery(event.queryStringParameters, localDateOf(now, REPORT_TIME_ZONE));
  if (query.area !== undefined && !ownAreas.includes(query.area)) {
    throw fieldErrors(403, [{ path: 'area', message: `You can see reports for your own areas only: ${ownAreas.join(', ')}.` }]);
  }
  const areas = query.area === undefined ? ownAreas : [query.area];
  const asCsv = wantsCsv(event.headers?.accept);
  // Commissioners publish what they are given, so they are only given what may be published; exact
  // figures are for the coordinators who run the service.
  const publishableRequired = areas.some((areaId) => !coordinated.includes(areaId));
  const publishable = publishableRequired || (query.publishable ?? asCsv);

  const [totals, open] = await Promise.all([
    readAggregates(areas, spansToRead(query.from, query.to, query.groupBy), [query.by]),
    Promise.all(areas.map((areaId) => openAssignments(areaId))).then((lists) => lists.flat()),
  ]);
  const includeValues = query.by === 'team'
    ? [...serviceConfig.areas.filter((a) => areas.includes(a.id)).flatMap((a) => a.teams.map((t) => t.id)), ...open.map((a) => a.teamId)]
    : query.by === 'area' ? [...areas, ...open.map((a) => a.areaId)] : [];
  const report = throughputReport(totals, { from: query.from, to: query.to, groupBy: query.groupBy, by: query.by, includeValues });
  const work = openWork(open, { by: query.by, now, values: report.values.filter((v) => v !== ALL_TEAMS) });
  logger.info('Throughput report', { areas, by: query.by, groupBy: query.groupBy, publishable, format: asCsv ? 'csv' : 'json' });

  if (asCsv) {
    const name = `throughput-${query.from}-to-${query.to}-${query.groupBy}-by-${query.by}${publishable ? '' : '-unsuppressed'}.csv`;
    return {
      statusCode: 200,
      headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${name}"`, vary: 'Accept' },
      body: reportCsv(report, { publishable, openWork: work }),
    };
  }
  const shownWork = publishable ? publishableOpenWork(work) : work;
  return json(200, {
    from: query.from,
    to: query.to,
    groupBy: query.groupBy,
    by: query.by,
    areas,
    publishable,
    publishableRequired,
    report: publishable ? publishableReport(report) : report,
    openNow: shownWork.openNow,
    overdueNow: shownWork.overdueNow,
    generatedAt: now.toISOString(),
  }, { vary: 'Accept' });
};

export const handler = middy(reportThroughput).use(httpDefaults()).use(staffToken());
