/**
 * Who may see what (SPEC §1). Sign-in groups are team ids, `coordinator-<areaId>` and
 * `commissioner-<areaId>`: a team sees its own assignments, a coordinator their own area, and a
 * commissioner never a person's details.
 */
export const coordinatorGroup = (areaId: string) => `coordinator-${areaId}`;
export const commissionerGroup = (areaId: string) => `commissioner-${areaId}`;

export type ReferralAccess = 'allowed' | 'hidden';

/**
 * The area a referral is kept under, whose coordinator answers for it. One outside every area is kept
 * under the default area (SPEC §4); one stored out of area before that rule carries no area at all, and
 * is kept there too.
 */
export function areaOfReferral(referral: { areaId?: string; status: string }, defaultAreaId: string): string | undefined {
  return referral.areaId ?? (referral.status === 'OUT_OF_AREA' ? defaultAreaId : undefined);
}

/** Whether the caller coordinates the area the referral is kept under. */
export function coordinatesReferral(groups: readonly string[], referral: { areaId?: string; status: string }, defaultAreaId: string): boolean {
  const areaId = areaOfReferral(referral, defaultAreaId);
  return areaId !== undefined && groups.includes(coordinatorGroup(areaId));
}

export function referralAccess(groups: readonly string[], referral: { areaId?: string; teamIds: readonly string[] }): ReferralAccess {
  if (referral.teamIds.some((teamId) => groups.includes(teamId))) return 'allowed';
  if (referral.areaId && groups.includes(coordinatorGroup(referral.areaId))) return 'allowed';
  // Anyone else, a commissioner included, learns nothing, not even that the reference exists: a 403
  // would confirm it to someone who only ever sees figures.
  return 'hidden';
}

export function isTeamMember(groups: readonly string[], teamId: string): boolean {
  return groups.includes(teamId);
}
