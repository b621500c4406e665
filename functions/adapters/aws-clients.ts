import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';

// Created once per container and reused by warm invocations. Endpoints come from AWS_ENDPOINT_URL_*,
// which is all that differs between AWS and the local cloud.
// Each try gives up on a dependency that has gone quiet (10 s to connect, 12 s for an answer), so two tries
// and their backoff end inside the function's 29 s time-out and the error reaches the workflow's retrier
// or the caller's 503 instead of the function timing out with nothing said. (`requestTimeout` only warns
// unless `throwOnRequestTimeout` is set.) Generous on purpose: a dependency slow but alive must not be cut
// off and asked again. SES is tried once per call: a send cut off may have left, and the step that sent
// it decides whether to send again (functions/adapters/team-email.ts), not the SDK.
// Each client is marked pure so a bundle keeps only those its function reaches: a client constructed but
// never used would still load and evaluate its whole SDK package at every cold start (issue 17).
const maxAttempts = 2;
const requestHandler = { connectionTimeout: 10_000, requestTimeout: 12_000, throwOnRequestTimeout: true };
export const dynamodb = /* @__PURE__ */ new DynamoDBClient({ maxAttempts, requestHandler });
export const documents = /* @__PURE__ */ DynamoDBDocumentClient.from(dynamodb, {
  marshallOptions: { removeUndefinedValues: true },
});
export const sfn = /* @__PURE__ */ new SFNClient({ maxAttempts, requestHandler });
export const sesv2 = /* @__PURE__ */ new SESv2Client({ maxAttempts: 1, requestHandler });
export const sns = /* @__PURE__ */ new SNSClient({ maxAttempts, requestHandler });
export const kms = /* @__PURE__ */ new KMSClient({ maxAttempts, requestHandler });
