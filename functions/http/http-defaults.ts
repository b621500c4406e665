import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { Refusal } from '../domain/refusals.js';
import { logger } from '../platform/observability.js';
import { observed } from '../platform/middleware.js';
import { httpErrorOf } from './refusals.js';
import { HttpError, json, SECURITY_HEADERS } from './responses.js';

type HttpRequest = middy.Request<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context>;

/**
 * Turns any error into a clean JSON answer: field errors for the ones we raised and for the domain's
 * refusals, a plain 503 when a
 * dependency is down, and a 500 without internals for the rest. Stack traces go to the log, never out.
 */
function errorAnswers(): middy.MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> {
  return {
    after: async (request: HttpRequest) => {
      if (request.response) {
        request.response.headers = { ...SECURITY_HEADERS, ...request.response.headers };
      }
    },
    onError: async (request: HttpRequest) => {
      const error = request.error instanceof Refusal ? httpErrorOf(request.error) : request.error;
      if (error instanceof HttpError) {
        request.response = json(error.statusCode, { errors: error.errors }, error.headers);
        return;
      }
      logger.error('Request failed', { errorName: error?.name, error: error as Error });
      if (isUnavailable(error)) {
        request.response = json(503, { errors: [{ path: '', message: 'The service is busy. Please try again in a minute.' }] }, { 'retry-after': '30' });
        return;
      }
      request.response = json(500, { errors: [{ path: '', message: 'Something went wrong on our side. Nothing you sent was lost if you were given a reference.' }] });
    },
  };
}

const UNAVAILABLE = new Set([
  // What the AWS services answer when they are overloaded or briefly down.
  'ServiceUnavailable', 'ServiceUnavailableException', 'ThrottlingException', 'ProvisionedThroughputExceededException',
  'RequestLimitExceeded', 'InternalServerError', 'InternalFailure', 'TransactionInProgressException',
  // What the SDK throws when it never got an answer: a socket-level error after its own retries. A refused
  // or reset connection arrives as a plain Error whose `code` is the Node error code.
  'TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'NetworkingError',
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH',
  'ENOTFOUND', 'EAI_AGAIN', 'EADDRNOTAVAIL',
]);

type SdkError = Error & { code?: string; errors?: unknown[]; $metadata?: { httpStatusCode?: number } };

function isUnavailable(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 3) return false;
  const { code, errors, $metadata } = error as SdkError;
  if (UNAVAILABLE.has(error.name) || (code !== undefined && UNAVAILABLE.has(code))) return true;
  if ($metadata?.httpStatusCode === 502 || $metadata?.httpStatusCode === 503 || $metadata?.httpStatusCode === 504) return true;
  // Connecting to a name with several addresses fails with an AggregateError of one error per address.
  return Array.isArray(errors) && errors.some((inner) => isUnavailable(inner, depth + 1));
}

/** The short, same-everywhere list of middlewares for an HTTP handler: every error becomes an answer. */
export function httpDefaults() {
  return [...observed(), errorAnswers()];
}
