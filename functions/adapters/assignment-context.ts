import type { Area, Team } from '../domain/config.js';
import { areaById, teamById } from '../domain/config.js';
import { PermanentFailure } from './failures.js';
import { getAssignment, type StoredAssignment } from './referral-store.js';
import { serviceConfig } from './service-config.js';

/** An assignment with its area and team from the config: what every ladder step starts from. */
export async function loadAssignment(reference: string, teamId: string): Promise<{ assignment: StoredAssignment; area: Area; team: Team }> {
  const assignment = await getAssignment(reference, teamId);
  if (!assignment) throw new PermanentFailure('Assignment not found');
  const area = areaById(serviceConfig, assignment.areaId);
  const team = area && teamById(area, teamId);
  if (!area || !team) throw new PermanentFailure('Team not in config');
  return { assignment, area, team };
}
