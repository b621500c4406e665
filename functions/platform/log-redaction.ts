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

/**
 * Keys that hold free text or a person's name, whatever they are prefixed with (`contactNote`,
 * `outcomeReason`, `victimName`): redacted whole, because no pattern finds every name or address in prose.
 */
const FREE_TEXT_KEY = /(?:reasons?|notes?|description|comments?|address|details|narrative|remarks|summary|safetimes|freetext)$/i;
const PERSON_NAME_KEY = /(?:first|last|full|sur|fore|given|family|display|user|person|victim|referrer|officer|helper|staff|contact)name$/i;

const isPersonalKey = (key: string) => PERSONAL_KEYS.has(key.toLowerCase()) || FREE_TEXT_KEY.test(key) || PERSON_NAME_KEY.test(key);

const EMAIL = /[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g;
// UK numbers as people write them: 07700 900123, +44 7700 900123, (0151) 496 0000.
// A leading 0 then 1-9, so an all-zero local account id in an ARN is not taken for one.
const PHONE = /(?:\+44\s?(?:\(0\)\s?)?|\b0)[1-9]\d{1,3}\)?[\s-]?\d{3,4}[\s-]?\d{3,4}(?!\d)/g;
const POSTCODE = /\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b/gi;

// Names and addresses quoted in a message (an error quoting what it was given, a mail service quoting a
// recipient). Our own messages are sentence case and name no one, so a run of capitalised words, a title
// and a name, a house number and a street, or quoted words with a space in them are taken for a person's.
const DISPLAY_NAME = /(?:"[^"\n]{1,100}"\s*|\b(?:[A-Za-z][A-Za-z'’.-]*\s+){1,3})(?=<[^<>\s]+@)/g;
const TITLED_NAME = /\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|PC|DC|DS|DI|Sgt|Insp)\.?\s+[A-Za-z][A-Za-z'’-]*(?:\s+[A-Z][A-Za-z'’-]*)*/g;
const CAPITALISED_RUN = /\b[A-Z][A-Za-z'’]*[a-z][A-Za-z'’-]*(?:\s+[A-Z][A-Za-z'’]*[a-z][A-Za-z'’-]*)+\b/g;
const STREET = 'Street|St|Road|Rd|Lane|Ln|Avenue|Ave|Terrace|Walk|Close|Drive|Way|Court|Place|Crescent|Gardens|Square|Hill|Row|Grove|Park|Mews|View|Rise|Parade|Green|Vale|Wharf|Yard';
const ADDRESS = new RegExp(`\\b(?:(?:Flat|Apartment|Apt|Unit)\\s+\\d+[A-Za-z]?,?\\s*)?\\d+[A-Za-z]?,?\\s+(?:[A-Za-z'’-]+\\s+){0,3}(?:${STREET})\\b|\\b(?:Flat|Apartment|Apt|Unit)\\s+\\d+[A-Za-z]?\\b`, 'gi');
const QUOTED_WORDS = /(?<!\w)(["“'‘])[^"“”'‘’\n]*\s[^"“”'‘’\n]*(["”'’])(?!\w)/g;

export function redactText(value: string): string {
  return value
    .replace(DISPLAY_NAME, `${REDACTED} `)
    .replace(EMAIL, REDACTED).replace(PHONE, REDACTED).replace(POSTCODE, REDACTED)
    .replace(ADDRESS, REDACTED)
    .replace(TITLED_NAME, REDACTED)
    .replace(CAPITALISED_RUN, REDACTED)
    .replace(QUOTED_WORDS, (_quoted, open: string, close: string) => `${open}${REDACTED}${close}`);
}

/** A JSON replacer for Powertools' Logger (`jsonReplacerFn`). */
/** An error's class name (`name` on an Error) says what failed and is kept; any other `name` is a person's. */
const ERROR_NAME = /^(?:[A-Z][A-Za-z0-9]*)?(?:Error|Exception|Failure|Fault)$/;

export function redactPersonalData(key: string, value: unknown): unknown {
  if (key === 'name' && typeof value === 'string' && ERROR_NAME.test(value)) return value;
  if (key !== '' && isPersonalKey(key) && value !== undefined && value !== null) return REDACTED;
  if (typeof value === 'string') return redactText(value);
  return value;
}
