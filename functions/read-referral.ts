import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { appendEvent, getReferral, listAssignments, listEvents } from './adapters/referral-store.js';
import { referralAccess } from './domain/access.js';
import { callerFrom } from './http/caller.js';
import { httpDefaults } from './http/http-defaults.js';
import { referenceParameter } from './http/path-parameters.js';
import { fieldErrors, json } from './http/responses.js';
import { logger } from './observability.js';

const notFound = () => fieldErrors(404, [{ path: 'reference', message: 'No such referral.' }]);

/**
 * A referral with its assignments and history, for a team it was assigned to or its area's coordinator.
 * Every read of a person's details is itself recorded (SPEC §10), before the details leave.
 */
const readReferral = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const caller = callerFrom(event);
  const reference = referenceParameter(event);
  const referral = await getReferral(reference);
  if (!referral) throw notFound();
  const assignments = await listAssignments(reference);
  const access = referralAccess(caller.groups, { areaId: referral.areaId, teamIds: assignments.map((a) => a.teamId) });
  if (access === 'forbidden') throw fieldErrors(403, [{ path: '', message: 'Reports are open to you; individual referrals are not.' }]);
  if (access === 'hidden') throw notFound();

  await appendEvent({ reference, at: new Date().toISOString(), actor: `user:${caller.userId}`, type: 'PERSONAL_DETAILS_VIEWED' });
  logger.info('Referral read', { reference, userId: caller.userId });
  const events = await listEvents(reference);
  return json(200, {
    reference,
    status: referral.status,
    source: referral.submission.source,
    createdAt: referral.createdAt,
    areaId: referral.areaId ?? null,
    screening: referral.screening ?? null,
    screeningNote: 'The band comes from a screening aid, not a clinical risk assessment.',
    referral: referral.submission,
    assignments: assignments.map(({ reference: _r, ...a }) => {
      const { waitToken: _token, waitStage: _stage, ...visible } = a as typeof a & { waitToken?: string; waitStage?: string };
      return visible;
    }),
    events: events.map(({ reference: _r, ...e }) => {
      const { pk: _pk, sk: _sk, kind: _kind, ...visible } = e as typeof e & { pk?: string; sk?: string; kind?: string };
      return visible;
    }),
  });
};

export const handler = middy(readReferral).use(httpDefaults());
