/**
 * How long a referral's records are kept (SPEC §10): six years (2,192 days) unless set otherwise, and
 * never less than a day nor more than a century. The stack checks the deploy-time value with this rule
 * and the functions read what the stack gave them with the same rule.
 */
export const DEFAULT_RETENTION_DAYS = 2192;
const MAX_RETENTION_DAYS = 36_500;

export function retentionDays(value: string | number | undefined, name = 'RETENTION_DAYS'): number {
  if (value === undefined || value === '') return DEFAULT_RETENTION_DAYS;
  const days = Number(value);
  if (!Number.isInteger(days) || days < 1 || days > MAX_RETENTION_DAYS) throw new Error(`${name} must be a whole number of days, 1 to ${MAX_RETENTION_DAYS}`);
  return days;
}
