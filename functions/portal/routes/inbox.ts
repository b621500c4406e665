import { teamAssignments } from '../../adapters/referral-store.js';
import { serviceConfig } from '../../adapters/service-config.js';
import type { AssignmentStatus } from '../../domain/referral-record.js';
import { teamsOf } from '../../http/caller.js';
import { page, redirect } from '../../http/pages.js';
import type { Result } from '../router.js';
import type { StaffRequest } from '../staff-request.js';
import { landingPath } from '../landing.js';
import { inboxAssignments, inboxCounts, inboxRow, INBOX_FILTERS, parseInboxFilter, statusTag } from '../views.js';

export const home = async ({ caller }: StaffRequest): Promise<Result> => redirect(landingPath(caller));

const FILTER_WORDS: Record<string, string> = { open: 'waiting for your team', all: 'everything' };

/** A team's referrals, soonest deadline first; the team and the statuses shown are chosen in the query. */
export async function show({ event, caller, view, now }: StaffRequest): Promise<Result> {
  const allTeams = serviceConfig.areas.flatMap((area) => area.teams);
  const teams = teamsOf(caller, allTeams.map((t) => t.id)).map((id) => allTeams.find((t) => t.id === id)!);
  // Without a team there is no inbox: a coordinator's work is all teams, a commissioner's the reports.
  if (teams.length === 0 && landingPath(caller) !== '/portal/inbox') return redirect(landingPath(caller));
  const query = event.queryStringParameters ?? {};
  const team = teams.find((t) => t.id === query.team) ?? teams[0];
  const filter = parseInboxFilter(query.status);
  if (!team) return page('portal/inbox.njk', { ...view, title: 'Team inbox', nav: 'inbox', teams: [] });
  const assignments = await teamAssignments(team.id);
  return page('portal/inbox.njk', {
    ...view, title: `${team.name} inbox`, nav: 'inbox', teams, team,
    counts: inboxCounts(assignments, now),
    rows: inboxAssignments(assignments, filter).map((a) => inboxRow(serviceConfig, a, now)),
    filterText: FILTER_WORDS[filter] ?? statusTag(filter as AssignmentStatus).text.toLowerCase(),
    teamItems: teams.map((t) => ({ value: t.id, text: t.name, selected: t.id === team.id })),
    filterItems: INBOX_FILTERS.map((f) => ({
      value: f, text: f === 'open' ? 'Open: waiting for your team' : f === 'all' ? 'Everything' : statusTag(f).text, selected: f === filter,
    })),
  });
}
