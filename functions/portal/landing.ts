import { serviceConfig } from '../adapters/service-config.js';
import { areasCommissioned, areasCoordinated, teamsOf, type Caller } from '../http/caller.js';

/** Whether the caller is in a team the configuration knows: only then is there an inbox to show. */
export const hasTeam = (caller: Caller) => teamsOf(caller, serviceConfig.areas.flatMap((area) => area.teams.map((t) => t.id))).length > 0;

/**
 * Where a member of staff starts: their team's inbox; a coordinator without a team, all teams; a
 * commissioner, the reports. Someone with none of these gets the inbox, which says they are in no team.
 */
export function landingPath(caller: Caller): string {
  if (hasTeam(caller)) return '/portal/inbox';
  if (areasCoordinated(caller).length > 0) return '/portal/coordinator';
  if (areasCommissioned(caller).length > 0) return '/portal/reports';
  return '/portal/inbox';
}
