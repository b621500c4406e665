import * as z from 'zod';
import { normalisePostcode } from './postcode.js';

/** SPEC §3: the ids are the API contract; the questions asked over them are ours. */
export const RISK_FACTOR_IDS = [
  'veryFrightened',
  'threatsToKill',
  'threatsOfViolence',
  'violenceUsed',
  'pastViolence',
  'propertyDamage',
  'turnsUp',
  'frequentContact',
  'contactsOthers',
  'enlistsOthers',
  'substanceMisuse',
  'escalating',
  'weaponsAccess',
  'selfHarmThreats',
] as const;
export type RiskFactorId = typeof RISK_FACTOR_IDS[number];

/**
 * Each factor in a few words, for whoever reads an answer back: caseworkers on the portal, the screening's
 * reasons, the victim on "check your answers". The one set of labels; the order is RISK_FACTOR_IDS'.
 */
export const RISK_FACTOR_LABELS: Readonly<Record<RiskFactorId, string>> = {
  veryFrightened: 'Very frightened',
  threatsToKill: 'Threats to kill',
  threatsOfViolence: 'Threats of violence',
  violenceUsed: 'Violence used',
  pastViolence: 'Violent in the past',
  propertyDamage: 'Damaged property',
  turnsUp: 'Turns up at home, work or elsewhere',
  frequentContact: 'Contact a few times a week or more',
  contactsOthers: 'Contacts family, friends or colleagues',
  enlistsOthers: 'Gets others to help',
  substanceMisuse: 'Drug or alcohol misuse',
  escalating: 'Getting worse',
  weaponsAccess: 'Access to weapons',
  selfHarmThreats: 'Threatens self-harm or suicide',
};

export const RISK_ANSWERS = ['yes', 'no', 'unsure'] as const;
export type RiskAnswer = typeof RISK_ANSWERS[number];

/** Who the person causing harm is to the victim. */
export const RELATIONSHIPS = [
  'partner',
  'ex-partner',
  'family-member',
  'friend',
  'acquaintance',
  'colleague',
  'neighbour',
  'stranger',
  'unknown',
  'other',
] as const;
export type Relationship = typeof RELATIONSHIPS[number];

export const SOURCES = ['self', 'police', 'agency'] as const;
export type ReferralSource = typeof SOURCES[number];

/**
 * Ways services may safely get in touch. 'through-referrer' is for victims who cannot safely be
 * contacted directly at all: the police officer or agency who referred them passes messages on, so it
 * is only offered when someone referred on their behalf.
 */
export const SAFE_CONTACT_METHODS = ['phone', 'text', 'email', 'letter', 'through-referrer'] as const;
export type SafeContactMethod = typeof SAFE_CONTACT_METHODS[number];

export const BEHAVIOURS = [
  'following',
  'watching',
  'turning-up',
  'messages',
  'calls',
  'social-media',
  'gifts',
  'property-damage',
  'threats',
  'contacting-others',
  'tracking',
  'other',
] as const;
export type Behaviour = typeof BEHAVIOURS[number];

export const FREQUENCIES = [
  'once',
  'a-few-times',
  'weekly',
  'several-times-a-week',
  'daily',
  'many-times-a-day',
] as const;
export type Frequency = typeof FREQUENCIES[number];

export const TENURES = [
  'owner-occupier',
  'private-rent',
  'social-rent',
  'living-with-family-or-friends',
  'temporary-accommodation',
  'no-fixed-address',
  'other',
  'prefer-not-to-say',
] as const;
export type Tenure = typeof TENURES[number];

export const RAISED_BANDS = ['MEDIUM', 'HIGH'] as const;

// Controls (C0, DEL, C1), Unicode line separators and bidi overrides can forge headers or disguise
// text shown to caseworkers. Descriptions may keep newlines and tabs; nothing else may.
const SINGLE_LINE_FORBIDDEN = /[\u0000-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/;
const MULTI_LINE_FORBIDDEN = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/;

const NAME_MAX = 100;
const EMAIL_MAX = 254;

type ErrorFn = (issue: { input?: unknown }) => string;

/** An error map for a field: one message when it is left out, another when it is the wrong kind of thing. */
function says(missing: string, wrong: string): { error: ErrorFn } {
  return { error: (issue) => (issue.input === undefined ? missing : wrong) };
}

/**
 * A trimmed string field reporting at most one problem, so a blank answer reads "Enter ...", not
 * "Enter ..." plus "must be in the format ...".
 */
function trimmed(missing: string, label: string, problemWith: (value: string) => string | undefined) {
  return z
    .string(says(missing, `${label} must be written as text`))
    .trim()
    .superRefine((value, ctx) => {
      const problem = value === '' ? missing : problemWith(value);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    });
}

interface TextRules {
  /** Shown when the field is missing or blank, e.g. "Enter the first name". */
  readonly missing: string;
  /** Capitalised noun for the other messages, e.g. "First name". */
  readonly label: string;
  readonly max: number;
  readonly min?: number;
  readonly multiline?: boolean;
}

function text(rules: TextRules) {
  const forbidden = rules.multiline ? MULTI_LINE_FORBIDDEN : SINGLE_LINE_FORBIDDEN;
  return trimmed(rules.missing, rules.label, (value) => {
    if (value.length > rules.max) return `${rules.label} must be ${rules.max} characters or fewer`;
    if (rules.min !== undefined && value.length < rules.min) return `${rules.label} must be at least ${rules.min} characters`;
    if (forbidden.test(value)) {
      return rules.multiline
        ? `${rules.label} contains hidden or control characters. Remove them and try again`
        : `${rules.label} must be on one line and must not contain hidden or control characters`;
    }
    return undefined;
  });
}

// Deliberately plain: one @, no spaces, a dotted domain. Exotic addresses are rare here and a strict
// RFC parser would accept forms the mail provider refuses. No CR or LF can get through.
const EMAIL_SHAPE = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

function email(label: string, missing: string) {
  return trimmed(missing, label, (value) => {
    if (value.length > EMAIL_MAX) return `${label} must be ${EMAIL_MAX} characters or fewer`;
    if (!EMAIL_SHAPE.test(value)) return `Enter ${label.toLowerCase()} in the correct format, like name@example.com`;
    return undefined;
  });
}

// UK numbers: 10 or 11 digits starting 0, or the same without the 0 after +44. Spaces are allowed
// because people copy numbers the way they are printed.
const UK_PHONE = /^(?:0[0-9]{9,10}|\+44[1-9][0-9]{8,9})$/;

function ukPhone(label: string, missing: string) {
  return trimmed(missing, label, (value) => value.length <= 20 && UK_PHONE.test(value.replace(/ /g, ''))
    ? undefined
    : `Enter ${label.toLowerCase()} as a UK phone number, like 0151 496 0000 or +44 151 496 0000`);
}

function yesNo(missing: string) {
  return z.boolean(says(missing, 'Answer yes or no'));
}

function choice<const T extends readonly [string, ...string[]]>(values: T, missing: string, wrong = 'Choose one of the options given') {
  return z.enum(values, says(missing, wrong));
}

const LONDON_DATE = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit',
});

/** The date of `now` on a London calendar, so a referral made just after midnight BST can say "today". */
function londonDate(now: Date): string {
  return LONDON_DATE.format(now);
}

export function isCalendarDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

// Nobody living was born before this, and nothing earlier is an incident anyone could act on.
const EARLIEST_DATE = '1900-01-01';

interface DateRules {
  readonly label: string;
  readonly missing: string;
  /** A birth date must be before today; an incident may have happened today. */
  readonly beforeToday?: boolean;
}

function pastDate(rules: DateRules, today: string) {
  return trimmed(rules.missing, rules.label, (value) => {
    if (!isCalendarDate(value)) return `${rules.label} must be a real date, written as YYYY-MM-DD`;
    if (value < EARLIEST_DATE) return `${rules.label} must be after 1900`;
    if (rules.beforeToday ? value >= today : value > today) return `${rules.label} must be in the past`;
    return undefined;
  });
}

/** Nothing is stored without consent (SPEC §4), and the person still needs a way to get help. */
export const CONSENT_REFUSED = 'We can only pass on a referral if you agree to it being shared with support services. '
  + 'Nothing you entered has been stored. You can still contact the police on 101, or a stalking or victim support '
  + 'service directly. In an emergency, call 999.';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function referralSchema(now: Date) {
  return schemaFor(londonDate(now));
}

function schemaFor(today: string) {
  const referrer = z
    .strictObject(
      {
        name: text({ label: 'Your name', missing: 'Enter your name', max: NAME_MAX }),
        organisation: text({ label: 'Organisation', missing: 'Enter the name of your organisation', max: 200 }),
        email: email('Your email address', 'Enter your work email address'),
        phone: ukPhone('Your phone number', 'Enter your phone number').optional(),
        role: text({ label: 'Role', missing: 'Enter your role, or leave it out', max: NAME_MAX }).optional(),
        collarNumber: trimmed('Enter your collar number, or leave it out', 'Collar number', (value) =>
          value.length <= 20 && /^[A-Za-z0-9 /-]+$/.test(value)
            ? undefined
            : 'Collar number may only contain letters, numbers, spaces, / and -, up to 20 characters').optional(),
        raiseBandTo: choice(RAISED_BANDS, 'Choose MEDIUM or HIGH', 'Choose MEDIUM or HIGH').optional(),
        raiseReason: text({
          label: 'Reason for raising the risk band', missing: 'Explain why you are raising the risk band',
          min: 10, max: 1000, multiline: true,
        }).optional(),
      },
      says('Enter the details of the person making the referral', 'Enter the details of the person making the referral'),
    )
    .superRefine((value, ctx) => {
      if (value.raiseBandTo !== undefined && value.raiseReason === undefined) {
        ctx.addIssue({ code: 'custom', path: ['raiseReason'], message: 'Explain why you are raising the risk band' });
      }
      if (value.raiseBandTo === undefined && value.raiseReason !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['raiseBandTo'], message: 'Choose the band you are raising the referral to, or leave out the reason' });
      }
    });

  const safeContact = z.strictObject(
    {
      methods: z
        .array(
          choice(SAFE_CONTACT_METHODS, 'Choose a way to get in touch', 'Choose a way to get in touch from the options given'),
          says('Choose at least one safe way to get in touch', 'Choose at least one safe way to get in touch'),
        )
        .min(1, 'Choose at least one safe way to get in touch')
        .max(SAFE_CONTACT_METHODS.length * 2, 'Choose each way to get in touch only once')
        .transform((methods) => [...new Set(methods)]),
      safeTimes: text({ label: 'Safe times to get in touch', missing: 'Enter safe times to get in touch, or leave it out', max: 200 }).optional(),
      voicemailOk: yesNo('Say whether it is safe to leave a voicemail'),
    },
    says('Tell us how to get in touch safely', 'Tell us how to get in touch safely'),
  );

  const victim = z
    .strictObject(
      {
        firstName: text({ label: 'First name', missing: 'Enter the first name of the person being stalked or harassed', max: NAME_MAX }),
        lastName: text({ label: 'Last name', missing: 'Enter the last name of the person being stalked or harassed', max: NAME_MAX }),
        dateOfBirth: pastDate({ label: 'Date of birth', missing: 'Enter a date of birth, or leave it out', beforeToday: true }, today).optional(),
        email: email('Email address', 'Enter an email address, or leave it out').optional(),
        phone: ukPhone('Phone number', 'Enter a phone number, or leave it out').optional(),
        /** For texts, when it is not the phone number: a victim may take calls on one phone and texts on another. */
        mobile: ukPhone('Mobile number', 'Enter a mobile number, or leave it out').optional(),
        address: text({ label: 'Address', missing: 'Enter an address, or leave it out', max: 300, multiline: true }).optional(),
        postcode: z
          .string(says('Enter a postcode', 'Enter a postcode, like L1 8JQ'))
          .transform((value, ctx) => {
            const postcode = normalisePostcode(value.trim());
            if (postcode === undefined) {
              ctx.addIssue({ code: 'custom', message: value.trim() === '' ? 'Enter a postcode' : 'Enter a real UK postcode, like L1 8JQ' });
              return z.NEVER;
            }
            return postcode;
          }),
        safeContact,
      },
      says('Enter the details of the person being stalked or harassed', 'Enter the details of the person being stalked or harassed'),
    )
    .superRefine((value, ctx) => {
      // The partially parsed value may hold rejected input: only add what is genuinely missing.
      const methods = isRecord(value.safeContact) && Array.isArray(value.safeContact.methods) ? value.safeContact.methods : [];
      if (methods.includes('email') && value.email === undefined) {
        ctx.addIssue({ code: 'custom', path: ['email'], message: 'Enter an email address, as you chose email as a safe way to get in touch' });
      }
      if (methods.includes('phone') && value.phone === undefined) {
        ctx.addIssue({ code: 'custom', path: ['phone'], message: 'Enter a phone number, as you chose phone calls as a safe way to get in touch' });
      }
      // Texts go to the mobile number, or to the phone number when no separate mobile is given.
      if (methods.includes('text') && value.phone === undefined && value.mobile === undefined) {
        ctx.addIssue({ code: 'custom', path: ['mobile'], message: 'Enter a mobile number, as you chose text messages as a safe way to get in touch' });
      }
      if (methods.includes('letter') && value.address === undefined) {
        ctx.addIssue({ code: 'custom', path: ['address'], message: 'Enter an address, as you chose letters as a safe way to get in touch' });
      }
    }, { when: (payload) => isRecord(payload.value) });

  const incident = z
    .strictObject(
      {
        behaviours: z
          .array(
            choice(BEHAVIOURS, 'Choose what has been happening', 'Choose what has been happening from the options given'),
            says('Choose at least one thing that has been happening', 'Choose at least one thing that has been happening'),
          )
          .min(1, 'Choose at least one thing that has been happening')
          .max(BEHAVIOURS.length * 2, 'Choose each thing that has been happening only once')
          .transform((behaviours) => [...new Set(behaviours)]),
        timesCount: z
          .number(says('Enter roughly how many times it has happened, or leave it out', 'Enter roughly how many times it has happened as a number'))
          .int('Enter roughly how many times it has happened as a whole number')
          .min(1, 'Enter roughly how many times it has happened, at least 1')
          .max(10_000, 'If it has happened more than 10,000 times, enter 10000')
          .optional(),
        frequency: choice(FREQUENCIES, 'Choose how often it happens'),
        firstDate: pastDate({ label: 'Date it first happened', missing: 'Enter the date it first happened' }, today),
        latestDate: pastDate({ label: 'Date it last happened', missing: 'Enter the date it last happened' }, today),
        relationship: choice(RELATIONSHIPS, 'Choose who the person is to the victim'),
        description: text({ label: 'Description', missing: 'Describe what has been happening', max: 5000, multiline: true }),
        reportedToPolice: yesNo('Say whether it has been reported to the police'),
        crimeReference: text({ label: 'Crime reference', missing: 'Enter the crime reference, or leave it out', max: 40 }).optional(),
        officer: text({ label: 'Officer', missing: "Enter the officer's name, or leave it out", max: NAME_MAX }).optional(),
      },
      says('Tell us what has been happening', 'Tell us what has been happening'),
    )
    .superRefine((value, ctx) => {
      const { firstDate, latestDate } = value as { firstDate: unknown; latestDate: unknown };
      if (typeof firstDate === 'string' && typeof latestDate === 'string'
        && isCalendarDate(firstDate) && isCalendarDate(latestDate) && firstDate > latestDate) {
        ctx.addIssue({ code: 'custom', path: ['latestDate'], message: 'Date it last happened must be the same as or after the date it first happened' });
      }
    }, { when: (payload) => isRecord(payload.value) });

  const riskAnswer = () => choice(RISK_ANSWERS, 'Answer yes, no or not sure', 'Answer yes, no or not sure');
  const riskAnswers = z.strictObject(
    Object.fromEntries(RISK_FACTOR_IDS.map((id) => [id, riskAnswer()])) as Record<RiskFactorId, ReturnType<typeof riskAnswer>>,
    says('Answer the questions about risk', 'Answer the questions about risk'),
  );

  const housing = z.strictObject(
    {
      tenure: choice(TENURES, 'Choose where the victim lives, or choose "prefer not to say"'),
      needsSupport: yesNo('Say whether help with housing is wanted'),
      unsafeAtHome: yesNo('Say whether the victim feels unsafe at home'),
      personKnowsAddress: yesNo('Say whether the person knows the home address'),
      propertyDamagedAtHome: yesNo('Say whether property at home has been damaged, or leave it out').optional(),
    },
    says('Answer the questions about housing', 'Answer the questions about housing'),
  );

  const personResponsible = z.strictObject(
    {
      name: text({ label: 'Their name', missing: 'Enter their name, or leave it out', max: NAME_MAX }).optional(),
      description: text({ label: 'What they look like', missing: 'Describe them, or leave it out', max: 2000, multiline: true }).optional(),
      livesNearby: choice(RISK_ANSWERS, 'Say whether they live nearby, or leave it out', 'Answer yes, no or not sure').optional(),
    },
    says('Tell us about the person responsible, or leave it out', 'Tell us about the person responsible, or leave it out'),
  );

  const needs = z.strictObject(
    {
      language: text({ label: 'Preferred language', missing: 'Enter a language, or leave it out', max: 60 }).optional(),
      interpreter: yesNo('Say whether an interpreter is needed, or leave it out').optional(),
      accessNeeds: text({ label: 'Communication or access needs', missing: 'Describe the needs, or leave it out', max: 1000, multiline: true }).optional(),
      childrenInHousehold: yesNo('Say whether children live in the household, or leave it out').optional(),
    },
    says('Tell us about any needs, or leave it out', 'Tell us about any needs, or leave it out'),
  );

  // A friend or relative filling the online form in for the victim: still a self-referral (SPEC §8).
  const helper = z.strictObject(
    { relationship: text({ label: 'How you know them', missing: 'Say how you know the person you are helping', max: NAME_MAX }) },
    says('Say how you know the person you are helping', 'Say how you know the person you are helping'),
  );

  const updates = z.strictObject(
    { byEmail: yesNo('Say whether updates by email are wanted') },
    says('Say whether updates by email are wanted', 'Say whether updates by email are wanted'),
  );

  const consent = z.strictObject(
    {
      shareWithServices: z
        .boolean(says(CONSENT_REFUSED, CONSENT_REFUSED))
        .refine((value) => value, { message: CONSENT_REFUSED }),
    },
    says(CONSENT_REFUSED, CONSENT_REFUSED),
  );

  return z
    .strictObject(
      {
        source: choice(SOURCES, 'Say who is making the referral: the victim, the police or another agency'),
        referrer: referrer.optional(),
        victim,
        incident,
        riskAnswers,
        housing,
        consent,
        immediateDanger: yesNo('Say whether the victim is in immediate danger'),
        personResponsible: personResponsible.optional(),
        needs: needs.optional(),
        helper: helper.optional(),
        updates: updates.optional(),
      },
      says('Send the referral as a JSON object', 'Send the referral as a JSON object'),
    )
    .superRefine((value, ctx) => {
      const onBehalf = value.source === 'police' || value.source === 'agency';
      if (onBehalf && value.referrer === undefined) {
        ctx.addIssue({ code: 'custom', path: ['referrer'], message: 'Enter your details, as you are referring on someone else’s behalf' });
      }
      if (value.source === 'self' && value.referrer !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['referrer'], message: 'Leave out referrer details for a self-referral' });
      }
      const methods = isRecord(value.victim) && isRecord(value.victim.safeContact) && Array.isArray(value.victim.safeContact.methods)
        ? value.victim.safeContact.methods
        : [];
      if (value.helper !== undefined && value.source !== 'self') {
        ctx.addIssue({ code: 'custom', path: ['helper'], message: 'Leave out helper details: a professional referral gives referrer details instead' });
      }
      // SPEC §6: updates only to an email address the victim chose as safe.
      const victimEmail = isRecord(value.victim) ? value.victim.email : undefined;
      if (isRecord(value.updates) && value.updates.byEmail === true && (!methods.includes('email') || victimEmail === undefined)) {
        ctx.addIssue({ code: 'custom', path: ['updates', 'byEmail'], message: 'Choose email as a safe way to get in touch, with an address, to get updates by email' });
      }
      if (value.source === 'self' && methods.includes('through-referrer')) {
        ctx.addIssue({
          code: 'custom',
          path: ['victim', 'safeContact', 'methods'],
          message: 'Choose a way services can reach you directly: contact through a referrer is only for referrals made by police or an agency',
        });
      }
    }, { when: (payload) => isRecord(payload.value) });
}

export type ReferralSubmission = z.output<ReturnType<typeof referralSchema>>;
export type ReferralInput = z.input<ReturnType<typeof referralSchema>>;

// The schema depends only on today's date and takes longer to build than to run: keep today's.
let todays: { date: string; schema: ReturnType<typeof schemaFor> } | undefined;

function schemaForDay(now: Date): ReturnType<typeof schemaFor> {
  const date = londonDate(now);
  if (todays?.date !== date) todays = { date, schema: schemaFor(date) };
  return todays.schema;
}

export type FieldError = { path: string; message: string };

// A body can carry thousands of unknown keys; nobody reads past the first screenful of errors.
const MAX_ERRORS = 100;
const SAFE_KEY = /^[A-Za-z0-9_-]{1,64}$/;

export function parseReferral(
  body: unknown,
  now: Date,
): { ok: true; referral: ReferralSubmission } | { ok: false; errors: FieldError[] } {
  const result = schemaForDay(now).safeParse(body, {
    // Backstop for anything without its own wording: Zod's defaults are written for developers.
    error: () => 'This answer is not in a form we can accept',
  });
  if (result.success) return { ok: true, referral: result.data };

  const errors: FieldError[] = [];
  const seen = new Set<string>();
  const add = (path: string, message: string) => {
    const key = `${path}\u0000${message}`;
    if (seen.has(key) || errors.length >= MAX_ERRORS) return;
    seen.add(key);
    errors.push({ path, message });
  };
  for (const issue of result.error.issues) {
    const base = issue.path.map((segment) => String(segment));
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        // Unknown keys are input too: only echo names that are plainly field names.
        if (SAFE_KEY.test(key)) add([...base, key].join('.'), 'This field is not part of a referral. Remove it');
        else add(base.join('.'), 'Remove fields that are not part of a referral');
      }
    } else {
      add(base.join('.'), issue.message);
    }
  }
  if (errors.length === 0) add('', 'The referral could not be read. Check it and try again');
  return { ok: false, errors };
}

/** The same rules for other free text staff write about a person (contact notes, outcome reasons). */
export const freeText = text;
