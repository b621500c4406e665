import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { z } from 'zod';
import { rawBody } from './raw-body.js';
import { fieldErrors } from './responses.js';

/** A JSON body checked against `schema`: 415 when it is not JSON, 400 with field paths when it is wrong. */
export function jsonBody<T>(event: APIGatewayProxyEventV2, schema: z.ZodType<T>, what: string): T {
  if (!/^application\/json\s*(;|$)/i.test(event.headers?.['content-type'] ?? '')) {
    throw fieldErrors(415, [{ path: '', message: `Send the ${what} as JSON (Content-Type: application/json).` }]);
  }
  let body: unknown;
  try {
    body = JSON.parse(rawBody(event));
  } catch {
    throw fieldErrors(400, [{ path: '', message: 'The body is not valid JSON.' }]);
  }
  const result = schema.safeParse(body);
  if (!result.success) {
    throw fieldErrors(400, result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })));
  }
  return result.data;
}
