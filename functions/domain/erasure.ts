import type { ReferralSubmission } from './referral.js';

/** What stands where a person's details were. */
export const ERASED = '[erased]';

/**
 * A referral with everything that identifies or contacts a person removed (SPEC §10: erasure on
 * request): names, contact details, address and postcode, date of birth, their own words, police
 * details, the referrer's details, and what was said about the person responsible and about needs. What is left (source, the kinds of behaviour, how often, the
 * relationship, the risk and housing answers) identifies nobody and keeps the record's history readable.
 */
export function redactSubmission(submission: ReferralSubmission): ReferralSubmission {
  const { victim, incident, referrer, personResponsible, needs, helper } = submission;
  return {
    ...submission,
    // How a helper knows the victim is free text ("my sister Jo"): it can name either of them.
    ...(helper ? { helper: { relationship: ERASED } } : {}),
    // Names, descriptions and free text about the person responsible or the victim's needs can identify
    // either of them; whether they live nearby, an interpreter or children do not.
    ...(personResponsible ? { personResponsible: personResponsible.livesNearby ? { livesNearby: personResponsible.livesNearby } : {} } : {}),
    ...(needs ? {
      needs: {
        ...(needs.interpreter !== undefined ? { interpreter: needs.interpreter } : {}),
        ...(needs.childrenInHousehold !== undefined ? { childrenInHousehold: needs.childrenInHousehold } : {}),
      },
    } : {}),
    ...(referrer ? {
      referrer: {
        name: ERASED, organisation: referrer.organisation, email: ERASED,
        ...(referrer.raiseBandTo ? { raiseBandTo: referrer.raiseBandTo, raiseReason: ERASED } : {}),
      },
    } : {}),
    victim: {
      firstName: ERASED,
      lastName: ERASED,
      postcode: ERASED,
      safeContact: { methods: victim.safeContact.methods, voicemailOk: victim.safeContact.voicemailOk },
    },
    incident: {
      behaviours: incident.behaviours,
      frequency: incident.frequency,
      relationship: incident.relationship,
      reportedToPolice: incident.reportedToPolice,
      firstDate: incident.firstDate,
      latestDate: incident.latestDate,
      description: ERASED,
      ...(incident.timesCount !== undefined ? { timesCount: incident.timesCount } : {}),
    },
  };
}
