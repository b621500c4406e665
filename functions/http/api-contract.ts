import * as z from 'zod';
import { declineBody, reassignBody, signpostBody, TEAM_ID } from '../domain/action-requests.js';
import { BANDS } from '../domain/config.js';
import { contactAttemptBody, outcomeBody } from '../domain/contact-and-outcome.js';
import { referralSchema } from '../domain/referral.js';
import { ASSIGNMENT_STATUSES, REFERRAL_STATUSES } from '../domain/referral-record.js';
import { REFERENCE_PATTERN } from '../domain/reference.js';
import { reportQuerySchema } from './report-query.js';

/**
 * The published contract of the HTTP API (`GET /api/openapi.json`): OpenAPI 3.1, its request bodies and
 * query parameters emitted from the very zod schemas the handlers validate with, so the document cannot
 * drift from what is accepted. Pure: the handler gives it the addresses it cannot know.
 */

type JsonSchema = Record<string, unknown>;
type Operation = Record<string, unknown>;

export interface ContractAddresses {
  /** Where the API answers, e.g. the stage's URL. */
  readonly serverUrl: string;
  /** Where a partner organisation's client trades its id and secret for a token (OAuth 2.0 client credentials). */
  readonly tokenUrl: string;
}

/** The scope a partner organisation's client holds to say it is the police or an agency (SPEC §8). */
export const SUBMIT_SCOPE = 'referrals/submit';

// Requests are described as sent, before trimming and the like; checks zod cannot express in JSON Schema
// (cross-field rules, dates against today) are still made, and answered with 400 and field errors.
const requestSchema = (schema: z.ZodType): JsonSchema => {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return rest;
};

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const answer = (name: string) => ({ $ref: `#/components/responses/${name}` });
const jsonContent = (schema: JsonSchema) => ({ 'application/json': { schema } });
const html = { 'text/html': { schema: { type: 'string' } } };

const referenceParameter = {
  name: 'reference', in: 'path', required: true, description: 'The referral’s reference, like SR-7KQ2-9XMD.',
  schema: { type: 'string', pattern: REFERENCE_PATTERN },
};
const teamParameter = {
  name: 'teamId', in: 'path', required: true, description: 'The team’s id, like merseyside-stalking-service.',
  schema: { type: 'string', pattern: TEAM_ID.source },
};

function queryParameters(schema: z.ZodType, descriptions: Record<string, string>): Operation[] {
  const { properties = {}, required = [] } = requestSchema(schema) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(properties).map(([name, property]) => ({
    name, in: 'query', required: required.includes(name), description: descriptions[name] ?? name, schema: property,
  }));
}

const staff = [{ staffToken: [] }];
const anyone: unknown[] = [];

/** The answers every agency route may give besides its own: bad body, no token, not yours, busy. */
const AGENCY_REFUSALS = { 401: answer('Unauthorized'), 403: answer('Forbidden'), 429: answer('TooManyRequests'), 503: answer('ServiceUnavailable') };
const JSON_BODY_REFUSALS = { 400: answer('BadRequest'), 415: answer('UnsupportedMediaType') };

function agencyAction(summary: string, description: string, body: string | undefined, ok: JsonSchema, extra: Record<string, unknown> = {}): Operation {
  return {
    tags: ['Agencies'],
    summary,
    description,
    security: staff,
    ...(body ? { requestBody: { required: true, content: jsonContent(ref(body)) } } : {}),
    responses: {
      200: { description: 'Done; a repeat of the same action answers the same.', content: jsonContent(ok) },
      ...(body ? JSON_BODY_REFUSALS : {}),
      ...AGENCY_REFUSALS,
      404: answer('NotFound'),
      409: answer('Conflict'),
      ...extra,
    },
  };
}

const object = (properties: Record<string, JsonSchema>, required = Object.keys(properties)): JsonSchema =>
  ({ type: 'object', properties, required });
const text = { type: 'string' };
const instant = { type: 'string', format: 'date-time' };
const nullableInstant = { type: ['string', 'null'], format: 'date-time' };
const referralStatus = { type: 'string', enum: [...REFERRAL_STATUSES] };
const assignmentStatus = { type: 'string', enum: [...ASSIGNMENT_STATUSES] };
const band = { type: 'string', enum: [...BANDS] };

function page(summary: string, description: string, security: 'anyone' | 'session', methods: ('get' | 'post')[], parameters: Operation[] = []): Record<string, Operation> {
  const operation = (method: 'get' | 'post'): Operation => ({
    tags: ['Pages'],
    summary: `${summary} (${method.toUpperCase()})`,
    operationId: `${method}${summary.replace(/[^A-Za-z]/g, '')}`,
    description: security === 'session'
      ? `${description} Signed-in staff only: the portal checks its own session cookie and sends anyone else to sign in.`
      : description,
    security: anyone,
    ...(parameters.length ? { parameters } : {}),
    ...(method === 'post'
      ? { requestBody: { required: true, content: { 'application/x-www-form-urlencoded': { schema: { type: 'object', additionalProperties: { type: 'string' } } } } } }
      : {}),
    responses: {
      200: { description: 'The page.', content: html },
      303: { description: 'On to the next page.', headers: { location: { description: 'The next page.', schema: text } } },
      400: { description: 'The page again, with what to correct.', content: html },
      404: { description: 'No such page.', content: html },
      429: answer('TooManyRequests'),
    },
  });
  return Object.fromEntries(methods.map((method) => [method, operation(method)]));
}

const proxyParameter = (what: string) => ({ name: 'proxy', in: 'path', required: true, description: what, schema: text });

export function apiContract(addresses: ContractAddresses, now: Date): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Stalking and harassment referral service',
      version: '1',
      summary: 'Referrals of victims of stalking and harassment to specialist teams, and the teams’ work on them.',
      description: 'Anyone may refer themselves. Police and partner agencies refer on someone’s behalf with a token from '
        + 'their organisation’s client (scope `referrals/submit`). Agency staff act on referrals with their Cognito access token. '
        + 'Every refusal made by the service is `{"errors":[{"path","message"}]}`; the gateway’s own (no token, too many requests) '
        + 'are `{"message"}`. Nothing about a person is ever put in a URL.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: addresses.serverUrl }],
    tags: [
      { name: 'Referrals', description: 'Making a referral.' },
      { name: 'Agencies', description: 'Teams and coordinators working on referrals.' },
      { name: 'Reports', description: 'Figures for commissioners and coordinators: never a referral, never a person.' },
      { name: 'Service', description: 'The health check and this document.' },
      { name: 'Pages', description: 'The online form and the agency portal: HTML for people, not for machines.' },
    ],
    paths: {
      '/api/referrals': {
        post: {
          tags: ['Referrals'],
          operationId: 'submitReferral',
          summary: 'Make a referral',
          description: 'Stores the referral, screens it and routes it to the area’s teams. Without a token it is a self-referral '
            + '(`source: self`, no referrer, no raised band); `source: police|agency` and a raised band need a token from a partner '
            + 'organisation’s client with the `referrals/submit` scope. Send an `Idempotency-Key` to make retries safe.',
          security: [{}, { partnerClient: [SUBMIT_SCOPE] }],
          parameters: [{
            name: 'Idempotency-Key', in: 'header', required: false,
            description: 'Any 1 to 128 visible ASCII characters, kept for 24 hours: a repeat answers with the first referral.',
            schema: { type: 'string', pattern: '^[\\x21-\\x7E]{1,128}$' },
          }],
          requestBody: { required: true, content: jsonContent(ref('Referral')) },
          responses: {
            201: { description: 'Received: the reference to quote.', content: jsonContent(object({ reference: { type: 'string', pattern: REFERENCE_PATTERN }, status: referralStatus })) },
            400: answer('BadRequest'),
            401: answer('Unauthorized'),
            413: answer('PayloadTooLarge'),
            415: answer('UnsupportedMediaType'),
            422: { description: 'The Idempotency-Key was already used for a different referral.', content: jsonContent(ref('Errors')) },
            429: answer('TooManyRequests'),
            503: answer('ServiceUnavailable'),
          },
        },
      },
      '/api/referrals/{reference}': {
        get: {
          tags: ['Agencies'],
          operationId: 'readReferral',
          summary: 'Read a referral',
          description: 'For a team it was assigned to, or its area’s coordinator; the view is recorded. Anyone else is told there is no such referral.',
          security: staff,
          parameters: [referenceParameter],
          responses: {
            200: { description: 'The referral as its team sees it.', content: jsonContent({ type: 'object', properties: { reference: text, status: referralStatus }, required: ['reference', 'status'] }) },
            ...AGENCY_REFUSALS,
            404: answer('NotFound'),
          },
        },
      },
      '/api/teams/{teamId}/assignments': {
        get: {
          tags: ['Agencies'],
          operationId: 'listTeamAssignments',
          summary: 'A team’s inbox',
          description: 'Its assignments, soonest deadline first, then the higher band, then the first received. References, deadlines and the danger flag only, no details.',
          security: staff,
          parameters: [
            teamParameter,
            { name: 'status', in: 'query', required: false, description: 'Statuses to keep, comma separated.', schema: text },
            { name: 'reference', in: 'query', required: false, description: 'A reference or part of one.', schema: { type: 'string', pattern: '^[A-Za-z0-9-]{1,20}$' } },
            { name: 'band', in: 'query', required: false, description: 'Bands to keep, comma separated.', schema: text },
            { name: 'receivedFrom', in: 'query', required: false, description: 'First London day received, YYYY-MM-DD.', schema: { type: 'string', format: 'date' } },
            { name: 'receivedTo', in: 'query', required: false, description: 'Last London day received, YYYY-MM-DD.', schema: { type: 'string', format: 'date' } },
          ],
          responses: {
            200: {
              description: 'The inbox.',
              content: jsonContent(object({
                teamId: text,
                assignments: {
                  type: 'array',
                  items: object({
                    reference: text, teamId: text, status: assignmentStatus, band, inDangerNow: { type: 'boolean' }, assignedAt: instant,
                    deadlineAt: nullableInstant, acknowledgedAt: nullableInstant, late: { type: 'boolean' }, overdue: { type: 'boolean' },
                  }),
                },
              })),
            },
            400: answer('BadRequest'),
            ...AGENCY_REFUSALS,
          },
        },
      },
      '/api/referrals/{reference}/assignments/{teamId}/acknowledge': {
        parameters: [referenceParameter, teamParameter],
        post: {
          operationId: 'acknowledgeAssignment',
          ...agencyAction('Take a referral on', 'A late acknowledgement still counts, and is flagged.', undefined,
            object({ reference: text, teamId: text, status: assignmentStatus, acknowledgedAt: instant, late: { type: 'boolean' } })),
        },
      },
      '/api/referrals/{reference}/assignments/{teamId}/decline': {
        parameters: [referenceParameter, teamParameter],
        post: {
          operationId: 'declineAssignment',
          ...agencyAction('Decline a referral', 'The reason is kept and the referral goes to the area’s fallback team.', 'DeclineReason',
            object({ reference: text, teamId: text, status: assignmentStatus, declinedAt: instant })),
        },
      },
      '/api/referrals/{reference}/assignments/{teamId}/contact-attempts': {
        parameters: [referenceParameter, teamParameter],
        post: {
          operationId: 'recordContactAttempt',
          ...agencyAction('Record an attempt to reach the person', 'For a team that took the referral on and has not recorded its outcome. Never changed once written.', 'ContactAttempt',
            object({ reference: text, teamId: text, at: instant, method: text, reached: { type: 'boolean' }, note: text, recordedAt: instant },
              ['reference', 'teamId', 'at', 'method', 'reached', 'recordedAt'])),
        },
      },
      '/api/referrals/{reference}/assignments/{teamId}/outcome': {
        parameters: [referenceParameter, teamParameter],
        post: {
          operationId: 'recordOutcome',
          ...agencyAction('Record how a team ended its part', 'The last team’s outcome closes the referral.', 'Outcome',
            object({ reference: text, teamId: text, outcome: text, outcomeAt: instant, referralStatus })),
        },
      },
      '/api/referrals/{reference}/reassign': {
        parameters: [referenceParameter],
        post: {
          operationId: 'reassignReferral',
          ...agencyAction('Give a referral to another team', 'For the area’s coordinator; the new team’s deadline starts now.', 'Reassignment',
            object({ reference: text, teamId: text, status: assignmentStatus, deadlineAt: nullableInstant })),
        },
      },
      '/api/referrals/{reference}/signpost': {
        parameters: [referenceParameter],
        post: {
          operationId: 'signpostReferral',
          ...agencyAction('Close an out-of-area referral as signposted elsewhere', 'For the default area’s coordinator.', 'Signposting',
            object({ reference: text, status: referralStatus, closure: { type: ['object', 'null'] } })),
        },
      },
      '/api/referrals/{reference}/erase': {
        parameters: [referenceParameter],
        post: {
          operationId: 'erasePersonalData',
          ...agencyAction('Erase one person’s details', 'For the area’s coordinator, on the person’s request. The referral’s figures stay.', undefined,
            object({ reference: text, erased: { type: 'boolean', const: true }, alreadyErased: { type: 'boolean' } })),
        },
      },
      '/api/reports/throughput': {
        get: {
          tags: ['Reports'],
          operationId: 'reportThroughput',
          summary: 'Throughput of an area’s referrals',
          description: 'For commissioners and coordinators, of their own areas. `Accept: text/csv` gives CSV. Small numbers are suppressed '
            + 'for commissioners, and in CSV unless `publishable=false` is asked for by a coordinator.',
          security: staff,
          parameters: queryParameters(reportQuerySchema, {
            from: 'First London day, YYYY-MM-DD; by default the first of the month 11 months before `to`.',
            to: 'Last London day, YYYY-MM-DD; today by default.',
            groupBy: 'Week, month or quarter.',
            by: 'Break the figures down by team, band, area or source.',
            area: 'One of your areas; all of them when left out.',
            publishable: 'Suppress small numbers.',
          }),
          responses: {
            200: {
              description: 'The report.',
              content: {
                'application/json': { schema: { type: 'object', properties: { from: text, to: text, areas: { type: 'array', items: text }, report: { type: 'object' }, generatedAt: instant } } },
                'text/csv': { schema: text },
              },
            },
            400: answer('BadRequest'),
            ...AGENCY_REFUSALS,
          },
        },
      },
      '/healthz': {
        get: {
          tags: ['Service'],
          operationId: 'healthCheck',
          summary: 'Whether the service can work',
          security: anyone,
          responses: {
            200: { description: 'The table and the workflow answer.', content: jsonContent(object({ status: { type: 'string', const: 'ok' } })) },
            429: answer('TooManyRequests'),
            503: {
              description: 'Something it needs is down.',
              headers: { 'retry-after': { description: 'Seconds to wait.', schema: { type: 'integer' } } },
              content: jsonContent(object({ status: { type: 'string', const: 'unavailable' }, failing: { type: 'array', items: text } })),
            },
          },
        },
      },
      '/api/openapi.json': {
        get: {
          tags: ['Service'],
          operationId: 'readApiContract',
          summary: 'This document',
          security: anyone,
          responses: {
            200: { description: 'The OpenAPI document.', content: jsonContent({ type: 'object' }) },
            429: answer('TooManyRequests'),
          },
        },
      },
      '/': page('Service start', 'Where a victim starts: what the service does and how to get help now.', 'anyone', ['get']),
      '/refer': page('Form start', 'The online self-referral form’s first page.', 'anyone', ['get']),
      '/refer/{page}': page('Form page', 'One page of the online form, and its answers.', 'anyone', ['get', 'post'],
        [{ name: 'page', in: 'path', required: true, description: 'The page’s name.', schema: text }]),
      '/assets/{proxy}': page('Form assets', 'Styles, scripts, fonts and images for the pages.', 'anyone', ['get'],
        [proxyParameter('The asset’s path.')]),
      '/portal': page('Portal', 'The agency portal’s landing page.', 'session', ['get']),
      '/portal/{proxy}': page('Portal page', 'Every other portal page and form: sign-in, inboxes, referrals, actions, sign-out.', 'session', ['get', 'post'],
        [proxyParameter('The page’s path below /portal.')]),
      '/reports': page('Reports', 'The commissioners’ and coordinators’ report page.', 'session', ['get']),
    },
    components: {
      securitySchemes: {
        staffToken: {
          type: 'http', scheme: 'bearer', bearerFormat: 'JWT',
          description: 'The Cognito access token of a signed-in member of agency staff. What they may do is decided by their groups.',
        },
        partnerClient: {
          type: 'oauth2',
          description: 'A partner organisation’s own client (police, agencies): its organisation is recorded as the referrer’s.',
          flows: { clientCredentials: { tokenUrl: addresses.tokenUrl, scopes: { [SUBMIT_SCOPE]: 'Refer on someone’s behalf as the police or an agency.' } } },
        },
      },
      schemas: {
        Referral: requestSchema(referralSchema(now)),
        DeclineReason: requestSchema(declineBody),
        Reassignment: requestSchema(reassignBody),
        Signposting: requestSchema(signpostBody),
        ContactAttempt: requestSchema(contactAttemptBody),
        Outcome: requestSchema(outcomeBody),
        Errors: {
          type: 'object',
          description: 'What was refused, field by field; `path` is the field’s dotted path, empty for the whole request.',
          properties: { errors: { type: 'array', items: object({ path: text, message: text }) } },
          required: ['errors'],
        },
        GatewayMessage: object({ message: text }),
      },
      responses: {
        BadRequest: { description: 'Something sent is wrong: nothing was stored.', content: jsonContent(ref('Errors')) },
        Unauthorized: { description: 'No token, or one that is malformed, unsigned, expired or revoked.', content: jsonContent({ anyOf: [ref('Errors'), ref('GatewayMessage')] }) },
        Forbidden: { description: 'Signed in, but this is not for you.', content: jsonContent({ anyOf: [ref('Errors'), ref('GatewayMessage')] }) },
        NotFound: { description: 'No such referral or team, as far as you may know.', content: jsonContent(ref('Errors')) },
        Conflict: { description: 'Not now: the referral or assignment is past this step.', content: jsonContent(ref('Errors')) },
        PayloadTooLarge: { description: 'Larger than any honest request.', content: jsonContent(ref('Errors')) },
        UnsupportedMediaType: { description: 'Not sent as JSON.', content: jsonContent(ref('Errors')) },
        TooManyRequests: { description: 'Too many requests: wait and try again.', content: jsonContent(ref('GatewayMessage')) },
        ServiceUnavailable: {
          description: 'Busy or briefly down: try again.',
          headers: { 'retry-after': { description: 'Seconds to wait.', schema: { type: 'integer' } } },
          content: jsonContent(ref('Errors')),
        },
      },
    },
  };
}
