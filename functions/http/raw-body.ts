import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** The request body as text, whether API Gateway passed it as it came or base64-encoded. */
export function rawBody(event: APIGatewayProxyEventV2): string {
  const raw = event.body ?? '';
  return event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
}
