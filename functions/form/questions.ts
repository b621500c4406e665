import { RISK_FACTOR_IDS, RISK_FACTOR_LABELS, type FieldError, type RiskFactorId } from '../domain/referral.js';

/** What the victim has typed or chosen so far, exactly as the form sent it, keyed by field name. */
export type Answers = Record<string, string | string[]>;

interface Option {
  readonly value: string;
  readonly text: string;
  /** Asked under this option once it is chosen (GOV.UK conditional reveal); counted only while it is chosen. */
  readonly reveal?: Field;
}

interface BaseField {
  /** The form field name: the referral's dotted path, so the schema's errors map straight back to it. */
  readonly name: string;
  readonly label: string;
  readonly hint?: string;
  /** Shown when a required answer is left empty; absent means the answer may be left out. */
  readonly missing?: string;
  /** The row's name on "check your answers", where the question itself would be too long. */
  readonly summary?: string;
  /** Steers the form (which questions come next) but is not itself part of the referral. */
  readonly formOnly?: boolean;
}
export type Field =
  | BaseField & { kind: 'radios' | 'yes-no' | 'risk'; options?: readonly Option[] }
  | BaseField & { kind: 'checkboxes'; options: readonly Option[] }
  | BaseField & { kind: 'text'; inputmode?: 'tel' | 'email' | 'numeric'; width?: string }
  | BaseField & { kind: 'textarea' }
  | BaseField & { kind: 'date' };

/** The groups "check your answers" shows, in order: a few cards rather than one row per question. */
export const CARDS = {
  you: 'About you',
  contact: 'Contacting you safely',
  happening: 'What has been happening',
  person: 'The person doing this',
  safety: 'Your safety',
  home: 'Your home',
  needs: 'Language and other needs',
} as const;
export type Card = keyof typeof CARDS;

export interface Question {
  readonly id: string;
  readonly title: string;
  readonly hint?: string;
  readonly fields: readonly Field[];
  readonly card: Card;
  /**
   * Shown on "check your answers" as one row under this name rather than a row per field: a name in two
   * boxes, or a page of risk questions as one line per answer.
   */
  readonly summary?: { readonly key: string; readonly join: 'space' | 'lines' };
  /** Not listed on "check your answers": only one answer lets anyone get that far. */
  readonly unlisted?: boolean;
  /** A question that only makes sense after certain answers; asked (and counted) only when this says so. */
  readonly applies?: (answers: Answers) => boolean;
}

const RISK_WORDING: Record<RiskFactorId, string> = {
  veryFrightened: 'Are you very scared of what they might do?',
  threatsToKill: 'Have they said they will kill you, or someone close to you?',
  threatsOfViolence: 'Have they said they will hurt you, or hurt you sexually?',
  violenceUsed: 'Have they hurt you, or anyone else, while this has been going on?',
  pastViolence: 'Do you know if they have hurt anyone before?',
  propertyDamage: 'Have they broken or damaged your things?',
  turnsUp: 'Do they turn up or hang around at your home, work or places you go?',
  frequentContact: 'Do they try to contact you or come near you a few times a week or more?',
  contactsOthers: 'Have they contacted or bothered your family, friends, workmates or neighbours?',
  enlistsOthers: 'Do they get other people to watch you or contact you?',
  substanceMisuse: 'Do they drink a lot or take drugs?',
  escalating: 'Is it getting worse, or happening more often?',
  weaponsAccess: 'Can they get hold of a weapon, like a knife or a gun?',
  selfHarmThreats: 'Have they said they will hurt or kill themselves, or do they seem to have nothing to lose?',
};


const risk = (id: RiskFactorId): Field => ({ kind: 'risk', name: `riskAnswers.${id}`, label: RISK_WORDING[id], summary: RISK_FACTOR_LABELS[id], missing: 'Choose yes, no or not sure' });

const chose = (answers: Answers, name: string, value: string) => {
  const answer = answers[name];
  return Array.isArray(answer) ? answer.includes(value) : answer === value;
};

// The 14 screening factors are asked a few to a page, grouped by theme: one page each would add ten
// more pages to a form people fill in while frightened, and the grouped questions read as one topic.
const RISK_PAGES: { id: string; title: string; ids: RiskFactorId[] }[] = [
  { id: 'risk-threats', title: 'Fear and threats', ids: ['veryFrightened', 'threatsToKill', 'threatsOfViolence'] },
  { id: 'risk-violence', title: 'Violence and damage', ids: ['violenceUsed', 'pastViolence', 'propertyDamage', 'weaponsAccess'] },
  { id: 'risk-contact', title: 'How they get to you', ids: ['turnsUp', 'frequentContact', 'contactsOthers', 'enlistsOthers'] },
  { id: 'risk-person', title: 'About the person', ids: ['substanceMisuse', 'escalating', 'selfHarmThreats'] },
];
if (RISK_PAGES.flatMap((p) => p.ids).length !== RISK_FACTOR_IDS.length) throw new Error('Every screening factor needs a question');

/** The questions in the order they are asked, after the danger and consent questions. */
export const QUESTIONS: readonly Question[] = [
  {
    id: 'helper', title: 'Are you filling this in for someone else?', card: 'you',
    fields: [{
      kind: 'radios', name: 'form.forSomeoneElse', formOnly: true, summary: 'For someone else',
      label: 'Are you filling this in for someone else?',
      hint: 'A friend or relative can fill this in with, or for, the person it is happening to.',
      missing: 'Choose whether you are filling this in for someone else',
      options: [{ value: 'no', text: 'No, it is about me' }, { value: 'yes', text: 'Yes, I am helping someone' }],
    }],
  },
  // A page of its own, not a reveal under "Yes": ARIA does not allow the aria-expanded a revealing radio gets.
  {
    id: 'helper-relationship', title: 'How do you know the person you are helping?', card: 'you',
    applies: (answers) => chose(answers, 'form.forSomeoneElse', 'yes'),
    fields: [{
      kind: 'text', name: 'helper.relationship', label: 'How do you know the person you are helping?', summary: 'Helper is their',
      hint: 'For example, friend, sister or neighbour. Answer the rest of the questions about them, not you.',
      missing: 'Say how you know the person you are helping', width: 'govuk-!-width-two-thirds',
    }],
  },
  {
    id: 'name', title: 'What is your name?', card: 'you', summary: { key: 'Name', join: 'space' },
    hint: 'If you are filling this in for someone else, give their name.',
    fields: [
      { kind: 'text', name: 'victim.firstName', label: 'First name', missing: 'Enter your first name', width: 'govuk-!-width-two-thirds' },
      { kind: 'text', name: 'victim.lastName', label: 'Last name', missing: 'Enter your last name', width: 'govuk-!-width-two-thirds' },
    ],
  },
  {
    id: 'date-of-birth', title: 'What is your date of birth? (optional)', card: 'you',
    fields: [{ kind: 'date', name: 'victim.dateOfBirth', label: 'What is your date of birth? (optional)', summary: 'Date of birth', hint: 'For example, 27 3 1990. You can leave this out.' }],
  },
  {
    id: 'postcode', title: 'What is your postcode?', card: 'you',
    fields: [{ kind: 'text', name: 'victim.postcode', label: 'What is your postcode?', summary: 'Postcode', hint: 'This tells us which local service can help you. For example, L1 8JQ', missing: 'Enter your postcode', width: 'govuk-input--width-10' }],
  },
  {
    id: 'contact', title: 'How can we contact you safely?', card: 'contact',
    fields: [{
      kind: 'checkboxes', name: 'victim.safeContact.methods', label: 'How can we contact you safely?', summary: 'Safe ways to contact you',
      hint: 'Only choose ways that the person cannot see or hear. Choose all that are safe.', missing: 'Choose at least one safe way to contact you',
      options: [
        {
          value: 'phone', text: 'Phone call',
          reveal: { kind: 'text', name: 'victim.phone', label: 'Phone number', inputmode: 'tel', width: 'govuk-input--width-20', missing: 'Enter the phone number we can call you on' },
        },
        {
          value: 'text', text: 'Text message',
          reveal: {
            kind: 'text', name: 'victim.mobile', label: 'Mobile number for texts', inputmode: 'tel', width: 'govuk-input--width-20',
            hint: 'You can leave this out if it is the same as the phone number above.',
          },
        },
        {
          value: 'email', text: 'Email',
          reveal: { kind: 'text', name: 'victim.email', label: 'Email address', inputmode: 'email', missing: 'Enter the email address we can use' },
        },
        {
          value: 'letter', text: 'Letter',
          reveal: { kind: 'textarea', name: 'victim.address', label: 'Address', summary: 'Address for letters', missing: 'Enter the address we can send letters to' },
        },
      ],
    }],
  },
  {
    id: 'contact-times', title: 'When is it safe to contact you?', card: 'contact',
    fields: [
      { kind: 'text', name: 'victim.safeContact.safeTimes', label: 'Safe days and times (optional)', summary: 'Safe times', hint: 'For example, weekdays between 10am and 2pm' },
      { kind: 'yes-no', name: 'victim.safeContact.voicemailOk', label: 'Is it safe for us to leave a voicemail message?', summary: 'Voicemail is safe', missing: 'Choose yes if we can leave a voicemail' },
    ],
  },
  {
    id: 'updates', title: 'Do you want email updates? (optional)', card: 'contact',
    applies: (answers) => chose(answers, 'victim.safeContact.methods', 'email'),
    fields: [{
      kind: 'yes-no', name: 'updates.byEmail', label: 'Do you want email updates? (optional)', summary: 'Email updates',
      hint: 'We can send 2 short emails to the address you gave: one when we get your request, and one when a support service picks it up. They only give your reference number. They do not say what it is about and have no links.',
    }],
  },
  {
    id: 'relationship', title: 'Who is the person doing this to you?', card: 'happening',
    fields: [{
      kind: 'radios', name: 'incident.relationship', label: 'Who is the person doing this to you?', summary: 'Who is doing it', missing: 'Choose who the person is to you',
      options: [
        { value: 'ex-partner', text: 'An ex-partner' }, { value: 'partner', text: 'My partner now' },
        { value: 'family-member', text: 'Someone in my family' }, { value: 'friend', text: 'A friend' },
        { value: 'acquaintance', text: 'Someone I know a little' }, { value: 'colleague', text: 'Someone I work with' },
        { value: 'neighbour', text: 'A neighbour' }, { value: 'stranger', text: 'A stranger' },
        { value: 'unknown', text: 'I do not know who it is' }, { value: 'other', text: 'Someone else' },
      ],
    }],
  },
  {
    id: 'person', title: 'About the person doing this', card: 'person',
    hint: 'Tell us anything you know. You can leave any of these out.',
    fields: [
      { kind: 'text', name: 'personResponsible.name', label: 'Their name, if you know it (optional)', summary: 'Their name', width: 'govuk-!-width-two-thirds' },
      { kind: 'textarea', name: 'personResponsible.description', label: 'What do they look like? (optional)', summary: 'What they look like', hint: 'Anything that would help a support worker know them, like their height, hair or car.' },
      {
        kind: 'radios', name: 'personResponsible.livesNearby', label: 'Do they live near you? (optional)', summary: 'Lives near you',
        options: [{ value: 'yes', text: 'Yes' }, { value: 'no', text: 'No' }, { value: 'unsure', text: 'Not sure' }],
      },
    ],
  },
  {
    id: 'behaviours', title: 'What have they been doing?', card: 'happening',
    fields: [{
      kind: 'checkboxes', name: 'incident.behaviours', label: 'What have they been doing?', summary: 'What they have done', hint: 'Choose all that have happened.',
      missing: 'Choose at least one thing that has happened',
      options: [
        { value: 'following', text: 'Following me' }, { value: 'watching', text: 'Watching me' },
        { value: 'turning-up', text: 'Turning up where I am' }, { value: 'messages', text: 'Sending messages' },
        { value: 'calls', text: 'Calling me' }, { value: 'social-media', text: 'Using social media' },
        { value: 'gifts', text: 'Leaving gifts or things for me' }, { value: 'property-damage', text: 'Damaging my things' },
        { value: 'threats', text: 'Making threats' }, { value: 'contacting-others', text: 'Contacting people I know' },
        { value: 'tracking', text: 'Tracking my phone or car' }, { value: 'other', text: 'Something else' },
      ],
    }],
  },
  {
    id: 'frequency', title: 'How often does it happen?', card: 'happening',
    fields: [{
      kind: 'radios', name: 'incident.frequency', label: 'How often does it happen?', summary: 'How often', missing: 'Choose how often it happens',
      options: [
        { value: 'once', text: 'It has happened once' }, { value: 'a-few-times', text: 'A few times' },
        { value: 'weekly', text: 'About once a week' }, { value: 'several-times-a-week', text: 'A few times a week' },
        { value: 'daily', text: 'Every day' }, { value: 'many-times-a-day', text: 'Many times a day' },
      ],
    }],
  },
  {
    id: 'times-count', title: 'Roughly how many times has it happened? (optional)', card: 'happening',
    fields: [{
      kind: 'text', name: 'incident.timesCount', label: 'Roughly how many times has it happened? (optional)', summary: 'Roughly how many times',
      hint: 'A guess is fine. You can leave this out if you do not know.', inputmode: 'numeric', width: 'govuk-input--width-5',
    }],
  },
  {
    id: 'first-date', title: 'When did it first happen?', card: 'happening',
    fields: [{ kind: 'date', name: 'incident.firstDate', label: 'When did it first happen?', summary: 'First happened', hint: 'A rough date is fine. For example, 27 3 2025', missing: 'Enter the date it first happened' }],
  },
  {
    id: 'latest-date', title: 'When did it last happen?', card: 'happening',
    fields: [{ kind: 'date', name: 'incident.latestDate', label: 'When did it last happen?', summary: 'Last happened', hint: 'For example, 4 11 2025', missing: 'Enter the date it last happened' }],
  },
  {
    id: 'description', title: 'Tell us what has been happening', card: 'happening',
    fields: [{ kind: 'textarea', name: 'incident.description', label: 'Tell us what has been happening', summary: 'In your words', hint: 'Write as much or as little as you like.', missing: 'Tell us what has been happening' }],
  },
  {
    id: 'police', title: 'Have you told the police?', card: 'happening',
    fields: [
      { kind: 'yes-no', name: 'incident.reportedToPolice', label: 'Have you told the police about this?', summary: 'Told the police', missing: 'Choose yes if you have told the police' },
      { kind: 'text', name: 'incident.crimeReference', label: 'Crime reference number (optional)', summary: 'Crime reference', width: 'govuk-input--width-20' },
      { kind: 'text', name: 'incident.officer', label: 'Name of the police officer (optional)', summary: 'Police officer' },
    ],
  },
  ...RISK_PAGES.map((page): Question => ({ id: page.id, title: page.title, card: 'safety', summary: { key: page.title, join: 'lines' }, hint: 'If you are not sure, that is fine. Choose "Not sure".', fields: page.ids.map(risk) })),
  {
    id: 'housing', title: 'Where do you live?', card: 'home',
    fields: [{
      kind: 'radios', name: 'housing.tenure', label: 'Where do you live?', summary: 'Where you live', missing: 'Choose where you live, or "I would rather not say"',
      options: [
        { value: 'owner-occupier', text: 'A home I own' }, { value: 'private-rent', text: 'A home I rent from a private landlord' },
        { value: 'social-rent', text: 'A home I rent from the council or a housing association' },
        { value: 'living-with-family-or-friends', text: 'With family or friends' },
        { value: 'temporary-accommodation', text: 'Temporary housing' }, { value: 'no-fixed-address', text: 'I have nowhere fixed to live' },
        { value: 'other', text: 'Somewhere else' }, { value: 'prefer-not-to-say', text: 'I would rather not say' },
      ],
    }],
  },
  {
    id: 'home-safety', title: 'Your home', card: 'home',
    fields: [
      { kind: 'yes-no', name: 'housing.unsafeAtHome', label: 'Do you feel unsafe at home?', summary: 'Unsafe at home', missing: 'Choose yes if you feel unsafe at home' },
      { kind: 'yes-no', name: 'housing.personKnowsAddress', label: 'Does the person know where you live?', summary: 'They know where you live', missing: 'Choose yes if the person knows where you live' },
      { kind: 'yes-no', name: 'housing.propertyDamagedAtHome', label: 'Have they damaged your home, or anything at your home?', summary: 'Damage at your home', missing: 'Choose yes if they have damaged your home or anything at it' },
      { kind: 'yes-no', name: 'housing.needsSupport', label: 'Would you like help with your housing?', summary: 'Help with housing', missing: 'Choose yes if you would like help with your housing' },
    ],
  },
  {
    id: 'language', title: 'Language', card: 'needs',
    fields: [
      { kind: 'text', name: 'needs.language', label: 'What language would you like us to use? (optional)', summary: 'Language', hint: 'You can leave this out if English is fine.', width: 'govuk-!-width-one-half' },
      { kind: 'yes-no', name: 'needs.interpreter', label: 'Do you need an interpreter? (optional)', summary: 'Needs an interpreter' },
    ],
  },
  {
    id: 'access-needs', title: 'Is there anything that would make it easier to talk to you? (optional)', card: 'needs',
    fields: [{
      kind: 'textarea', name: 'needs.accessNeeds', label: 'Is there anything that would make it easier to talk to you? (optional)', summary: 'Communication or access needs',
      hint: 'For example, you are deaf or hard of hearing, you need large print, or you find it hard to leave home.',
    }],
  },
  {
    id: 'children', title: 'Do any children live with you? (optional)', card: 'needs',
    fields: [{ kind: 'yes-no', name: 'needs.childrenInHousehold', label: 'Do any children live with you? (optional)', summary: 'Children live with you' }],
  },
];

/** The first two questions decide whether the rest are asked at all. */
export const DANGER: Question = {
  id: 'danger', title: 'Are you in danger right now?', card: 'you',
  fields: [{ kind: 'yes-no', name: 'immediateDanger', label: 'Are you in danger right now?', summary: 'In danger when you started', missing: 'Choose yes if you are in danger right now' }],
};
export const CONSENT: Question = {
  id: 'consent', title: 'Can we share what you tell us?', card: 'you', unlisted: true,
  fields: [{
    kind: 'yes-no', name: 'consent.shareWithServices', summary: 'We can share it with support services',
    label: 'Can we share what you tell us with services that support people being stalked or harassed?',
    hint: 'We need to share it so they can help you. We will not share it with the person doing this.',
    missing: 'Choose yes if we can share what you tell us',
  }],
};

export const ALL_QUESTIONS: readonly Question[] = [DANGER, CONSENT, ...QUESTIONS];
export const questionById = (id: string) => ALL_QUESTIONS.find((q) => q.id === id);

export const RISK_OPTIONS: readonly Option[] = [{ value: 'yes', text: 'Yes' }, { value: 'no', text: 'No' }, { value: 'unsure', text: 'Not sure' }];
export const YES_NO: readonly Option[] = [{ value: 'yes', text: 'Yes' }, { value: 'no', text: 'No' }];

export const fieldId = (name: string) => name.replace(/\./g, '-');

/** The answers a radio or checkbox field offers; undefined for fields typed in. */
export const optionsOf = (field: Field): readonly Option[] | undefined =>
  field.kind === 'yes-no' ? YES_NO : field.kind === 'risk' ? RISK_OPTIONS : 'options' in field ? field.options : undefined;
const dateParts = ['day', 'month', 'year'] as const;

/** A field on a question's page, with the option it is revealed under, if it is. */
export interface PlacedField { readonly field: Field; readonly under?: { readonly name: string; readonly value: string } }

/** Every field a question's page holds, revealed ones after the option they belong to. */
export function fieldsOf(question: Question): PlacedField[] {
  return question.fields.flatMap((field): PlacedField[] => [
    { field },
    ...('options' in field && field.options ? field.options.flatMap((o) => (o.reveal ? [{ field: o.reveal, under: { name: field.name, value: o.value } }] : [])) : []),
  ]);
}

/** A question's fields that count with these answers: a revealed field counts only while its option is chosen. */
export function countedFields(question: Question, answers: Answers): Field[] {
  return fieldsOf(question).filter((p) => !p.under || chose(answers, p.under.name, p.under.value)).map((p) => p.field);
}

export const applies = (question: Question, answers: Answers) => question.applies?.(answers) ?? true;

/** Reads one question's answers from a posted form; anything not on the page is ignored. */
export function answersFrom(question: Question, form: URLSearchParams): Answers {
  const answers: Answers = {};
  for (const { field } of fieldsOf(question)) {
    if (field.kind === 'checkboxes') answers[field.name] = form.getAll(field.name).filter((v) => v !== '');
    else if (field.kind === 'date') for (const part of dateParts) answers[`${field.name}-${part}`] = (form.get(`${field.name}-${part}`) ?? '').trim();
    else answers[field.name] = form.get(field.name) ?? '';
  }
  return answers;
}

const text = (answers: Answers, name: string) => {
  const value = answers[name];
  return typeof value === 'string' ? value : '';
};

/** YYYY-MM-DD from day, month and year boxes; 'invalid' when they do not make a date. */
function dateValue(answers: Answers, name: string): string | undefined | 'invalid' {
  const [day, month, year] = dateParts.map((part) => text(answers, `${name}-${part}`).trim());
  if (!day && !month && !year) return undefined;
  if (!/^\d{1,2}$/.test(day!) || !/^\d{1,2}$/.test(month!) || !/^\d{4}$/.test(year!)) return 'invalid';
  return `${year}-${month!.padStart(2, '0')}-${day!.padStart(2, '0')}`;
}

function set(target: Record<string, unknown>, path: string, value: unknown) {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
  node[keys.at(-1)!] = value;
}

function valueOf(field: Field, answers: Answers): unknown {
  if (field.kind === 'checkboxes') return Array.isArray(answers[field.name]) ? answers[field.name] : undefined;
  if (field.kind === 'date') return dateValue(answers, field.name);
  const raw = text(answers, field.name).trim();
  if (raw === '') return undefined;
  if (field.kind === 'yes-no') return raw === 'yes' ? true : raw === 'no' ? false : raw;
  // People write "1,000" or "about 20": a plain count becomes a number, anything else is left for the schema to refuse.
  if (field.kind === 'text' && field.inputmode === 'numeric') return /^\d[\d, ]*$/.test(raw) ? Number(raw.replace(/[, ]/g, '')) : raw;
  return raw;
}

/**
 * The referral body (SPEC §8) the answers so far make, in the same shape POST /api/referrals takes. Only
 * what counts goes in: not a question that no longer applies, not a detail under an option since unticked
 * (a number typed and then not chosen as safe is not one to call).
 */
export function referralBody(answers: Answers): Record<string, unknown> {
  return bodyFrom(ALL_QUESTIONS, answers, { source: 'self' });
}

/** The body the answers to these questions make, on top of `base`: the one mapping for every form that asks them. */
export function bodyFrom(questions: readonly Question[], answers: Answers, base: Record<string, unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = structuredClone(base);
  for (const question of questions) {
    if (!applies(question, answers)) continue;
    for (const field of countedFields(question, answers)) {
      if (field.formOnly) continue;
      const value = valueOf(field, answers);
      if (value !== undefined) set(body, field.name, value);
    }
  }
  return body;
}

/** Is this question answered well enough to move on? Required answers present, and the schema happy with them. */
export function questionErrors(question: Question, answers: Answers, schemaErrors: readonly FieldError[]): FieldError[] {
  const errors: FieldError[] = [];
  for (const field of countedFields(question, answers)) {
    const empty = field.kind === 'date'
      ? dateValue(answers, field.name) === undefined
      : field.kind === 'checkboxes' ? !(answers[field.name]?.length) : text(answers, field.name).trim() === '';
    const found = schemaErrors.find((e) => e.path === field.name || e.path.startsWith(`${field.name}.`));
    if (empty) {
      // An optional answer can still be needed by another on the page: a number for the texts just chosen.
      if (field.missing) errors.push({ path: field.name, message: field.missing });
      else if (found) errors.push({ path: field.name, message: found.message });
      continue;
    }
    const options = optionsOf(field);
    const chosen = answers[field.name];
    if (options && [chosen].flat().some((v) => !options.some((o) => o.value === v))) {
      // Only a crafted post can send another value; the schema would say so too, but not for a form-only answer.
      errors.push({ path: field.name, message: 'Choose one of the options given' });
      continue;
    }
    if (field.kind === 'date' && dateValue(answers, field.name) === 'invalid') {
      errors.push({ path: field.name, message: `${(field.summary ?? field.label).replace(/\?$/, '').replace(/ \(optional\)$/, '')}: enter a real date, with a day, month and year, like 27 3 2025` });
      continue;
    }
    if (found) errors.push({ path: field.name, message: found.message.replace(/, written as YYYY-MM-DD/, '') });
  }
  return errors;
}

/** Where a field's error summary link points: its first input. */
export const errorHref = (question: Question, path: string) => {
  const field = fieldsOf(question).find((p) => p.field.name === path)?.field;
  return `#${fieldId(path)}${field?.kind === 'date' ? '-day' : ''}`;
};

/** The words shown for an answer on the check page. */
export function answerText(field: Field, answers: Answers): string {
  if (field.kind === 'date') {
    const value = dateValue(answers, field.name);
    if (!value || value === 'invalid') return '';
    return new Date(`${value}T12:00:00Z`).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
  }
  const options = optionsOf(field);
  const raw = answers[field.name];
  const values = Array.isArray(raw) ? raw : raw ? [raw] : [];
  return values.map((v) => options?.find((o) => o.value === v)?.text ?? v).join(', ');
}
