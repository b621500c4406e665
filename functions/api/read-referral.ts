import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { viewReferral } from '../adapters/referral-actions.js';
import { serviceConfig } from '../adapters/service-config.js';
import { areaOfReferral } from '../domain/access.js';
import { callerFrom } from '../http/caller.js';
import { httpDefaults } from '../http/http-defaults.js';
import { staffToken } from '../http/staff-token.js';
import { referenceParameter } from '../http/path-parameters.js';
import { json } from '../http/responses.js';

/** A referral with its assignments and history, for a team it was assigned to or its area's coordinator. */
const readReferral = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const caller = callerFrom(event);
  const { referral, assignments, events, attempts } = await viewReferral(referenceParameter(event), caller, new Date());
  return json(200, {
    reference: referral.reference,
    status: referral.status,
    source: referral.submission.source,
    createdAt: referral.createdAt,
    // The area it is kept under: for one no area covers, the default area (SPEC §4).
    areaId: areaOfReferral(referral, serviceConfig.defaultAreaId) ?? null,
    screening: referral.screening ?? null,
    screeningNote: 'The band comes from a screening aid, not a clinical risk assessment.',
    referral: referral.submission,
    assignments: assignments.map(({ reference: _r, waitToken: _token, waitStage: _stage, ...visible }) => visible),
    events: events.map(({ reference: _r, ...e }) => {
      const { pk: _pk, sk: _sk, kind: _kind, ...visible } = e as typeof e & { pk?: string; sk?: string; kind?: string };
      return visible;
    }),
    contactAttempts: attempts,
  });
};

export const handler = middy(readReferral).use(httpDefaults()).use(staffToken());
