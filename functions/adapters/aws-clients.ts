import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';

// Created once per container and reused by warm invocations. Endpoints come from AWS_ENDPOINT_URL_*,
// which is all that differs between AWS and the local cloud.
const maxAttempts = 3;
export const dynamodb = new DynamoDBClient({ maxAttempts });
export const documents = DynamoDBDocumentClient.from(dynamodb, {
  marshallOptions: { removeUndefinedValues: true },
});
export const sfn = new SFNClient({ maxAttempts });
export const sesv2 = new SESv2Client({ maxAttempts });
