import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { withDangerFlags } from '../adapters/danger-flags.js';
import { teamAssignments } from '../adapters/referral-store.js';
import { isOverdue } from '../domain/assignment-progress.js';
import { matchesInboxSearch, parseInboxSearch } from '../domain/inbox-search.js';
import { ASSIGNMENT_STATUSES, type AssignmentStatus } from '../domain/referral-record.js';
import { inboxOrder } from '../domain/urgency.js';
import { callerFrom, requireTeamMember } from '../http/caller.js';
import { httpDefaults } from '../http/http-defaults.js';
import { staffToken } from '../http/staff-token.js';
import { teamParameter } from '../http/path-parameters.js';
import { fieldErrors, json } from '../http/responses.js';

/**
 * A team's inbox: its assignments, soonest deadline first, then the higher band, then the first received
 * (SPEC §4), narrowed by `status`, `reference`, `band`, `receivedFrom` and `receivedTo` when asked.
 * References, deadlines and the "in danger now" flag only, no details.
 */
const listTeamAssignments = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const caller = callerFrom(event);
  const teamId = teamParameter(event);
  requireTeamMember(caller, teamId);
  const wanted = event.queryStringParameters?.status?.split(',').filter(Boolean) ?? [];
  const unknown = wanted.filter((s) => !(ASSIGNMENT_STATUSES as readonly string[]).includes(s));
  const { search, errors } = parseInboxSearch(event.queryStringParameters ?? {});
  if (unknown.length) errors.unshift({ path: 'status', message: `Status must be one of ${ASSIGNMENT_STATUSES.join(', ')}.` });
  if (errors.length) throw fieldErrors(400, errors);

  const now = new Date();
  const listed = (await teamAssignments(teamId))
    .filter((a) => a.status !== 'ASSIGNED')
    .filter((a) => wanted.length === 0 || wanted.includes(a.status as AssignmentStatus))
    .filter((a) => matchesInboxSearch(a, search))
    .sort(inboxOrder);
  const assignments = (await withDangerFlags(listed)).map((a) => ({
    reference: a.reference, teamId: a.teamId, status: a.status, band: a.band, inDangerNow: a.immediateDanger, assignedAt: a.assignedAt,
    deadlineAt: a.deadlineAt ?? null, acknowledgedAt: a.acknowledgedAt ?? null, late: a.late ?? false,
    overdue: isOverdue(a, now),
  }));
  return json(200, { teamId, assignments });
};

export const handler = middy(listTeamAssignments).use(httpDefaults()).use(staffToken());
