import * as z from 'zod';
import { reasonText } from './reason-text.js';

/**
 * The bodies of the staff actions that carry a reason (decline, re-assign, signpost): the API contract,
 * checked by the handlers and published in the OpenAPI document from these same objects.
 */

/** The shape of a team id wherever one arrives from outside: path, form or body. */
export const TEAM_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

const team = z.string().regex(TEAM_ID, 'Name a team by its id.');

export const declineBody = z.object({ reason: reasonText('your team cannot take this referral') }).strict();

export const reassignBody = z.object({
  toTeamId: team,
  fromTeamId: team.optional(),
  reason: reasonText('the referral is moving to this team'),
}).strict();

export const signpostBody = z.object({ reason: reasonText('the person is being signposted elsewhere') }).strict();
