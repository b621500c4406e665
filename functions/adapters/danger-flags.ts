import type { AssignmentRecord } from '../domain/referral-record.js';
import { getReferral } from './referral-store.js';

/**
 * Every assignment with whether its referral said the person was in danger now (SPEC §4: flagged wherever
 * the referral is listed). New assignments carry the flag; one made before it was copied onto assignments
 * is answered from its referral, read once per reference, so a list never shows such a referral unflagged.
 */
export async function withDangerFlags<T extends AssignmentRecord>(assignments: readonly T[]): Promise<(T & { immediateDanger: boolean })[]> {
  const unknown = [...new Set(assignments.filter((a) => a.immediateDanger === undefined).map((a) => a.reference))];
  const read = new Map(await Promise.all(unknown.map(async (reference) =>
    [reference, (await getReferral(reference))?.submission.immediateDanger === true] as const)));
  return assignments.map((a) => ({ ...a, immediateDanger: a.immediateDanger ?? read.get(a.reference) ?? false }));
}
