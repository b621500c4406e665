import { withDangerFlags } from '../../adapters/danger-flags.js';
import { teamAssignments } from '../../adapters/referral-store.js';
import { serviceConfig } from '../../adapters/service-config.js';
import { parseInboxSearch } from '../../domain/inbox-search.js';
import type { AssignmentStatus } from '../../domain/referral-record.js';
import { teamsOf } from '../../http/caller.js';
import { page, redirect } from '../../http/pages.js';
import { formErrors } from '../pages.js';
import type { Result } from '../router.js';
import type { StaffRequest } from '../staff-request.js';
import { landingPath } from '../landing.js';
import { BAND_TAG, inboxAssignments, inboxCounts, inboxRow, INBOX_FILTERS, parseInboxFilter, statusTag } from '../views.js';

export const home = async ({ caller }: StaffRequest): Promise<Result> => redirect(landingPath(caller));

const FILTER_WORDS: Record<string, string> = { open: 'waiting for your team', all: 'everything' };

/**
 * A team's referrals, most pressing first; the team, the statuses shown and a search (a reference, a band,
 * the days received) are chosen in the query. A search that cannot be read is said so, field by field.
 */
export async function show({ event, caller, view, now }: StaffRequest): Promise<Result> {
  const allTeams = serviceConfig.areas.flatMap((area) => area.teams);
  const teams = teamsOf(caller, allTeams.map((t) => t.id)).map((id) => allTeams.find((t) => t.id === id)!);
  // Without a team there is no inbox: a coordinator's work is all teams, a commissioner's the reports.
  if (teams.length === 0 && landingPath(caller) !== '/portal/inbox') return redirect(landingPath(caller));
  const query = event.queryStringParameters ?? {};
  const team = teams.find((t) => t.id === query.team) ?? teams[0];
  const filter = parseInboxFilter(query.status);
  if (!team) return page('portal/inbox.njk', { ...view, title: 'Team inbox', nav: 'inbox', teams: [] });
  const { search, errors } = parseInboxSearch(query);
  const assignments = await teamAssignments(team.id);
  // Only the rows shown are flagged: an older assignment's flag costs a read of its referral.
  const shown = await withDangerFlags(errors.length ? [] : inboxAssignments(assignments, filter, search));
  const searched = Boolean(search.reference || search.bands.length || search.receivedFrom || search.receivedTo);
  const chosenBand = (query.band ?? '').trim().toUpperCase();
  return page('portal/inbox.njk', {
    ...view, title: `${team.name} inbox`, nav: 'inbox', teams, team,
    counts: inboxCounts(assignments, now),
    rows: shown.map((a) => inboxRow(serviceConfig, a, now)),
    filterText: FILTER_WORDS[filter] ?? statusTag(filter as AssignmentStatus).text.toLowerCase(),
    searched,
    search: { reference: (query.reference ?? '').slice(0, 40), receivedFrom: (query.receivedFrom ?? '').slice(0, 20), receivedTo: (query.receivedTo ?? '').slice(0, 20) },
    teamItems: teams.map((t) => ({ value: t.id, text: t.name, selected: t.id === team.id })),
    filterItems: INBOX_FILTERS.map((f) => ({
      value: f, text: f === 'open' ? 'Open: waiting for your team' : f === 'all' ? 'Everything' : statusTag(f).text, selected: f === filter,
    })),
    bandItems: [
      { value: '', text: 'Any band', selected: chosenBand === '' },
      ...(['HIGH', 'MEDIUM', 'STANDARD'] as const).map((b) => ({ value: b, text: BAND_TAG[b].text, selected: chosenBand === b })),
    ],
    ...formErrors(new Map(errors.map((e) => [e.path, e.message]))),
  }, [], errors.length ? 400 : 200);
}
