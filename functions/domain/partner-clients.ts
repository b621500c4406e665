/**
 * Partner organisations whose own systems submit referrals with machine credentials (SPEC §8): one
 * OAuth 2.0 client-credentials app client each. The list lives in config/partner-clients.json; the stack
 * makes one app client per entry, and hands the submit function which client id stands for which
 * organisation (PARTNER_CLIENTS), so the organisation a referral records comes from the token, never from
 * what the body says.
 */
export interface PartnerOrganisation {
  /** Stable, lowercase: part of the app client's logical id, so renaming it would issue new credentials. */
  readonly id: string;
  /** As the referral records it: the referrer's organisation. */
  readonly organisation: string;
}

/** The one scope a partner's token must carry to submit a referral. */
export const SUBMIT_SCOPE = 'referrals/submit';
export const RESOURCE_SERVER = 'referrals';

const PARTNER_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function checkPartners(partners: readonly PartnerOrganisation[]): PartnerOrganisation[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  for (const partner of partners) {
    if (!PARTNER_ID.test(partner.id)) problems.push(`"${partner.id}" is not a lowercase id of letters, digits and hyphens`);
    if (ids.has(partner.id)) problems.push(`"${partner.id}" is listed twice`);
    if (partner.organisation.trim() === '' || partner.organisation.length > 200) problems.push(`"${partner.id}" needs an organisation name of 1 to 200 characters`);
    ids.add(partner.id);
  }
  if (problems.length) throw new Error(`Partner clients: ${problems.join('; ')}`);
  return [...partners];
}

/** A client id and the organisation it submits for, as the submit function is told them. */
export interface PartnerClient {
  readonly clientId: string;
  readonly organisation: string;
}

/** Reads PARTNER_CLIENTS (a JSON list of {clientId, organisation}); anything else is no partner at all. */
export function partnerClientsFrom(json: string | undefined): Map<string, string> {
  if (!json) return new Map();
  const parsed = JSON.parse(json) as unknown;
  if (!Array.isArray(parsed)) throw new Error('PARTNER_CLIENTS must be a JSON list');
  return new Map(parsed.map((entry: Partial<PartnerClient>) => {
    if (typeof entry?.clientId !== 'string' || typeof entry.organisation !== 'string') {
      throw new Error('PARTNER_CLIENTS entries need a clientId and an organisation');
    }
    return [entry.clientId, entry.organisation];
  }));
}

/**
 * What an anonymous submission may not say (SPEC §8): a source other than the victim themselves (which
 * is also the only way to give a referrer, and so to raise the band). Read from the body as sent, before
 * validation, so that a claim is refused as unauthenticated even when the rest of the body is wrong too.
 */
export function professionalClaim(body: unknown): { path: string; message: string } | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const { source, referrer } = body as { source?: unknown; referrer?: unknown };
  if (source === 'police' || source === 'agency') {
    return { path: 'source', message: 'Only a signed-in professional or a partner system with its own credentials may refer as police or an agency.' };
  }
  if (typeof referrer === 'object' && referrer !== null && 'raiseBandTo' in referrer) {
    return { path: 'referrer.raiseBandTo', message: 'Only an authenticated professional may raise the risk band.' };
  }
  return undefined;
}
