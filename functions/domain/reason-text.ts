import * as z from 'zod';

/** Free text staff type (decline and re-assignment reasons): kept on the record, never logged. */
export const reasonText = (what: string) => z.string().trim()
  .min(3, `Say why ${what}.`)
  .max(1000, 'Keep the reason under 1,000 characters.')
  .refine((s) => !/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/.test(s), 'The reason contains characters we cannot store.');
