import * as z from 'zod';
import { PermanentFailure } from './failures.js';

/** Workflow steps validate what Step Functions hands them: malformed input is a bug, not a blip. */
export function parseTaskInput<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (!result.success) throw new PermanentFailure(`Invalid task input: ${result.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  return result.data;
}

export const referenceInput = z.object({ reference: z.string().regex(/^SR-[A-Z0-9]{4}-[A-Z0-9]{4}$/) });
