import { RISK_FACTOR_IDS, type FieldError, type RiskFactorId } from '../domain/referral.js';

/** What the victim has typed or chosen so far, exactly as the form sent it, keyed by field name. */
export type Answers = Record<string, string | string[]>;

interface Option { readonly value: string; readonly text: string }

interface BaseField {
  /** The form field name: the referral's dotted path, so the schema's errors map straight back to it. */
  readonly name: string;
  readonly label: string;
  readonly hint?: string;
  /** Shown when a required answer is left empty; absent means the answer may be left out. */
  readonly missing?: string;
}
export type Field =
  | BaseField & { kind: 'radios' | 'yes-no' | 'risk'; options?: readonly Option[] }
  | BaseField & { kind: 'checkboxes'; options: readonly Option[] }
  | BaseField & { kind: 'text'; inputmode?: 'tel' | 'email'; width?: string }
  | BaseField & { kind: 'textarea' }
  | BaseField & { kind: 'date' };

export interface Question {
  readonly id: string;
  readonly title: string;
  readonly hint?: string;
  readonly fields: readonly Field[];
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

const risk = (id: RiskFactorId): Field => ({ kind: 'risk', name: `riskAnswers.${id}`, label: RISK_WORDING[id], missing: 'Choose yes, no or not sure' });

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
    id: 'name', title: 'What is your name?',
    fields: [
      { kind: 'text', name: 'victim.firstName', label: 'First name', missing: 'Enter your first name', width: 'govuk-!-width-two-thirds' },
      { kind: 'text', name: 'victim.lastName', label: 'Last name', missing: 'Enter your last name', width: 'govuk-!-width-two-thirds' },
    ],
  },
  {
    id: 'postcode', title: 'What is your postcode?',
    fields: [{ kind: 'text', name: 'victim.postcode', label: 'What is your postcode?', hint: 'This tells us which local service can help you. For example, L1 8JQ', missing: 'Enter your postcode', width: 'govuk-input--width-10' }],
  },
  {
    id: 'contact', title: 'How can we contact you safely?',
    hint: 'Only choose ways that the person cannot see or hear.',
    fields: [
      {
        kind: 'checkboxes', name: 'victim.safeContact.methods', label: 'How can we contact you safely?', hint: 'Choose all that are safe.',
        missing: 'Choose at least one safe way to contact you',
        options: [
          { value: 'phone', text: 'Phone call' }, { value: 'text', text: 'Text message' },
          { value: 'email', text: 'Email' }, { value: 'letter', text: 'Letter' },
        ],
      },
      { kind: 'text', name: 'victim.phone', label: 'Phone number (if you chose phone or text)', inputmode: 'tel', width: 'govuk-input--width-20' },
      { kind: 'text', name: 'victim.email', label: 'Email address (if you chose email)', inputmode: 'email' },
      { kind: 'textarea', name: 'victim.address', label: 'Address (if you chose letter)' },
    ],
  },
  {
    id: 'contact-times', title: 'When is it safe to contact you?',
    fields: [
      { kind: 'text', name: 'victim.safeContact.safeTimes', label: 'Safe days and times (optional)', hint: 'For example, weekdays between 10am and 2pm' },
      { kind: 'yes-no', name: 'victim.safeContact.voicemailOk', label: 'Is it safe for us to leave a voicemail message?', missing: 'Choose yes if we can leave a voicemail' },
    ],
  },
  {
    id: 'relationship', title: 'Who is the person doing this to you?',
    fields: [{
      kind: 'radios', name: 'incident.relationship', label: 'Who is the person doing this to you?', missing: 'Choose who the person is to you',
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
    id: 'behaviours', title: 'What have they been doing?',
    fields: [{
      kind: 'checkboxes', name: 'incident.behaviours', label: 'What have they been doing?', hint: 'Choose all that have happened.',
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
    id: 'frequency', title: 'How often does it happen?',
    fields: [{
      kind: 'radios', name: 'incident.frequency', label: 'How often does it happen?', missing: 'Choose how often it happens',
      options: [
        { value: 'once', text: 'It has happened once' }, { value: 'a-few-times', text: 'A few times' },
        { value: 'weekly', text: 'About once a week' }, { value: 'several-times-a-week', text: 'A few times a week' },
        { value: 'daily', text: 'Every day' }, { value: 'many-times-a-day', text: 'Many times a day' },
      ],
    }],
  },
  {
    id: 'first-date', title: 'When did it first happen?',
    fields: [{ kind: 'date', name: 'incident.firstDate', label: 'When did it first happen?', hint: 'A rough date is fine. For example, 27 3 2025', missing: 'Enter the date it first happened' }],
  },
  {
    id: 'latest-date', title: 'When did it last happen?',
    fields: [{ kind: 'date', name: 'incident.latestDate', label: 'When did it last happen?', hint: 'For example, 4 11 2025', missing: 'Enter the date it last happened' }],
  },
  {
    id: 'description', title: 'Tell us what has been happening',
    fields: [{ kind: 'textarea', name: 'incident.description', label: 'Tell us what has been happening', hint: 'Write as much or as little as you like.', missing: 'Tell us what has been happening' }],
  },
  {
    id: 'police', title: 'Have you told the police?',
    fields: [
      { kind: 'yes-no', name: 'incident.reportedToPolice', label: 'Have you told the police about this?', missing: 'Choose yes if you have told the police' },
      { kind: 'text', name: 'incident.crimeReference', label: 'Crime reference number (optional)', width: 'govuk-input--width-20' },
      { kind: 'text', name: 'incident.officer', label: 'Name of the police officer (optional)' },
    ],
  },
  ...RISK_PAGES.map((page) => ({ id: page.id, title: page.title, hint: 'If you are not sure, that is fine. Choose "Not sure".', fields: page.ids.map(risk) })),
  {
    id: 'housing', title: 'Where do you live?',
    fields: [{
      kind: 'radios', name: 'housing.tenure', label: 'Where do you live?', missing: 'Choose where you live, or "I would rather not say"',
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
    id: 'home-safety', title: 'Your home',
    fields: [
      { kind: 'yes-no', name: 'housing.unsafeAtHome', label: 'Do you feel unsafe at home?', missing: 'Choose yes if you feel unsafe at home' },
      { kind: 'yes-no', name: 'housing.personKnowsAddress', label: 'Does the person know where you live?', missing: 'Choose yes if the person knows where you live' },
      { kind: 'yes-no', name: 'housing.needsSupport', label: 'Would you like help with your housing?', missing: 'Choose yes if you would like help with your housing' },
    ],
  },
];

/** The first two questions decide whether the rest are asked at all. */
export const DANGER: Question = {
  id: 'danger', title: 'Are you in danger right now?',
  fields: [{ kind: 'yes-no', name: 'immediateDanger', label: 'Are you in danger right now?', missing: 'Choose yes if you are in danger right now' }],
};
export const CONSENT: Question = {
  id: 'consent', title: 'Can we share what you tell us?',
  fields: [{
    kind: 'yes-no', name: 'consent.shareWithServices',
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
const dateParts = ['day', 'month', 'year'] as const;

/** Reads one question's answers from a posted form; anything not on the page is ignored. */
export function answersFrom(question: Question, form: URLSearchParams): Answers {
  const answers: Answers = {};
  for (const field of question.fields) {
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

/** The referral body (SPEC §8) the answers so far make, in the same shape POST /api/referrals takes. */
export function referralBody(answers: Answers): Record<string, unknown> {
  const body: Record<string, unknown> = { source: 'self' };
  for (const question of ALL_QUESTIONS) {
    for (const field of question.fields) {
      let value: unknown;
      if (field.kind === 'checkboxes') value = Array.isArray(answers[field.name]) ? answers[field.name] : undefined;
      else if (field.kind === 'date') value = dateValue(answers, field.name);
      else {
        const raw = text(answers, field.name);
        if (raw.trim() === '') value = undefined;
        else if (field.kind === 'yes-no') value = raw === 'yes' ? true : raw === 'no' ? false : raw;
        else value = raw;
      }
      if (value !== undefined) set(body, field.name, value);
    }
  }
  return body;
}

/** Is this question answered well enough to move on? Required answers present, and the schema happy with them. */
export function questionErrors(question: Question, answers: Answers, schemaErrors: readonly FieldError[]): FieldError[] {
  const errors: FieldError[] = [];
  for (const field of question.fields) {
    const empty = field.kind === 'date'
      ? dateValue(answers, field.name) === undefined
      : field.kind === 'checkboxes' ? !(answers[field.name]?.length) : text(answers, field.name).trim() === '';
    if (empty) {
      if (field.missing) errors.push({ path: field.name, message: field.missing });
      continue;
    }
    if (field.kind === 'date' && dateValue(answers, field.name) === 'invalid') {
      errors.push({ path: field.name, message: `${field.label.replace(/\?$/, '')}: enter a real date, with a day, month and year, like 27 3 2025` });
      continue;
    }
    const found = schemaErrors.find((e) => e.path === field.name || e.path.startsWith(`${field.name}.`));
    if (found) errors.push({ path: field.name, message: found.message.replace(/, written as YYYY-MM-DD/, '') });
  }
  return errors;
}

/** Where a field's error summary link points: its first input. */
export const errorHref = (question: Question, path: string) => {
  const field = question.fields.find((f) => f.name === path);
  return `#${fieldId(path)}${field?.kind === 'date' ? '-day' : ''}`;
};

/** The words shown for an answer on the check page. */
export function answerText(field: Field, answers: Answers): string {
  if (field.kind === 'date') {
    const value = dateValue(answers, field.name);
    if (!value || value === 'invalid') return '';
    return new Date(`${value}T12:00:00Z`).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
  }
  const options = field.kind === 'yes-no' ? YES_NO : field.kind === 'risk' ? RISK_OPTIONS : 'options' in field ? field.options : undefined;
  const raw = answers[field.name];
  const values = Array.isArray(raw) ? raw : raw ? [raw] : [];
  return values.map((v) => options?.find((o) => o.value === v)?.text ?? v).join(', ');
}
