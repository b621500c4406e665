/**
 * The last line of defence for SPEC §10 "no PII in logs": handlers log references, statuses, team ids and
 * error names only, and this replacer runs on every value the logger serialises, so a victim's details
 * passed by mistake (or quoted in an error message) are replaced before the line is written.
 */

export const REDACTED = '[redacted]';

/** Keys whose values are a person's details, free text staff typed, or credentials. */
const PERSONAL_KEYS = new Set([
  'firstname', 'lastname', 'name', 'email', 'phone', 'address', 'postcode', 'dateofbirth', 'description', 'safetimes',
  'crimereference', 'officer', 'collarnumber', 'raisereason', 'reason', 'declinereason', 'reassignreason',
  'mobile', 'personresponsible', 'needs', 'language', 'accessneeds', 'helper', 'relationship',
  'submission', 'victim', 'referrer', 'incident', 'housing', 'riskanswers', 'answers', 'body',
  'password', 'code', 'token', 'accesstoken', 'refreshtoken', 'idtoken', 'tasktoken', 'waittoken', 'session', 'cognitosession',
  'secret', 'authorization', 'cookie', 'cookies', 'csrf',
]);

const EMAIL = /[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g;
// UK numbers as people write them: 07700 900123, +44 7700 900123, (0151) 496 0000.
// A leading 0 then 1-9, so an all-zero local account id in an ARN is not taken for one.
const PHONE = /(?:\+44\s?(?:\(0\)\s?)?|\b0)[1-9]\d{1,3}\)?[\s-]?\d{3,4}[\s-]?\d{3,4}(?!\d)/g;
const POSTCODE = /\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b/gi;

export function redactText(value: string): string {
  return value.replace(EMAIL, REDACTED).replace(PHONE, REDACTED).replace(POSTCODE, REDACTED);
}

/** A JSON replacer for Powertools' Logger (`jsonReplacerFn`). */
/** An error's class name (`name` on an Error) says what failed and is kept; any other `name` is a person's. */
const ERROR_NAME = /^(?:[A-Z][A-Za-z0-9]*)?(?:Error|Exception|Failure|Fault)$/;

export function redactPersonalData(key: string, value: unknown): unknown {
  if (key === 'name' && typeof value === 'string' && ERROR_NAME.test(value)) return value;
  if (key !== '' && PERSONAL_KEYS.has(key.toLowerCase()) && value !== undefined && value !== null) return REDACTED;
  if (typeof value === 'string') return redactText(value);
  return value;
}
