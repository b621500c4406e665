import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';

// Created once per container and reused by warm invocations. Endpoints come from AWS_ENDPOINT_URL_*,
// which is all that differs between AWS and the local cloud.
// Each try gives up on a dependency that has gone quiet (10 s to connect, 10 s of silence), inside the
// function's 29 s timeout, so the error reaches the workflow's retrier or the caller's 503 instead of the
// function timing out with nothing said. Generous on purpose: a dependency that is slow but alive must not
// be cut off and asked again (an email step whose record of a send was cut off sends the email again).
// Measured under load on two cores: 5 s of silence and 3 s to connect both cut off live requests.
const maxAttempts = 2;
const requestHandler = { connectionTimeout: 10_000, requestTimeout: 10_000 };
export const dynamodb = new DynamoDBClient({ maxAttempts, requestHandler });
export const documents = DynamoDBDocumentClient.from(dynamodb, {
  marshallOptions: { removeUndefinedValues: true },
});
export const sfn = new SFNClient({ maxAttempts, requestHandler });
export const sesv2 = new SESv2Client({ maxAttempts, requestHandler });
export const sns = new SNSClient({ maxAttempts, requestHandler });
