import { withDangerFlags } from '../../adapters/danger-flags.js';
import { outOfAreaReferrals, teamAssignments } from '../../adapters/referral-store.js';
import { serviceConfig } from '../../adapters/service-config.js';
import { areaById } from '../../domain/config.js';
import type { AssignmentRecord } from '../../domain/referral-record.js';
import { areasCoordinated } from '../../http/caller.js';
import { page } from '../../http/pages.js';
import { messagePage } from '../pages.js';
import type { Result } from '../router.js';
import type { StaffRequest } from '../staff-request.js';
import { inboxAssignments, inboxRow, isOpen, isOverdue, outOfAreaRow } from '../views.js';

/** Every team's work in the coordinator's areas, the referrals that need them first. */
export async function show({ caller, view, now }: StaffRequest): Promise<Result> {
  const areas = areasCoordinated(caller).map((id) => areaById(serviceConfig, id)).filter((a) => a !== undefined);
  if (areas.length === 0) {
    return messagePage('Only for coordinators', ['Your account does not coordinate an area.'], 403, { ...view, linkHref: '/portal/inbox', linkText: 'Go to your inbox' });
  }
  const shown = await Promise.all(areas.map(async (area) => {
    // Only what the view lists is flagged: an older assignment's flag costs a read of its referral.
    const all = await withDangerFlags((await Promise.all(area.teams.map((t) => teamAssignments(t.id)))).flat()
      .filter((a) => isOpen(a) || a.status === 'BREACHED' || a.status === 'DECLINED'));
    const rows = (filter: (a: AssignmentRecord) => boolean) => inboxAssignments(all.filter(filter), 'all').map((a) => inboxRow(serviceConfig, a, now));
    const overdue = rows((a) => isOverdue(a, now) && a.status !== 'BREACHED');
    const open = rows((a) => isOpen(a) && !isOverdue(a, now));
    const needsPerson = rows((a) => a.status === 'BREACHED');
    const declined = rows((a) => a.status === 'DECLINED');
    // Referrals no area covers are kept under the default area, for its coordinator to decide on (SPEC §4).
    const outOfArea = area.id === serviceConfig.defaultAreaId ? (await outOfAreaReferrals(area.id)).map(outOfAreaRow) : undefined;
    return {
      id: area.id, outOfArea,
      name: area.name, open: open.length + overdue.length, overdue: overdue.length + needsPerson.length, needsPerson: needsPerson.length,
      groups: [
        { id: `overdue-${area.id}`, caption: 'Overdue: deadline passed, reminder sent', rows: overdue },
        { id: `breached-${area.id}`, caption: 'Deadline missed after the reminder: needs a coordinator', rows: needsPerson },
        { id: `open-${area.id}`, caption: 'Open, within deadline', rows: open },
        { id: `declined-${area.id}`, caption: 'Declined by a team', rows: declined },
      ],
    };
  }));
  return page('portal/coordinator.njk', { ...view, title: 'All teams', nav: 'coordinator', areas: shown });
}
