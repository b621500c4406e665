import type { ServiceConfig } from '../domain/config.js';
import { RISK_FACTOR_IDS, RISK_FACTOR_LABELS, type FieldError } from '../domain/referral.js';
import {
  ALL_QUESTIONS, answersFrom, bodyFrom, errorHref, fieldsOf, questionErrors, type Answers, type Field, type Question,
} from '../form/questions.js';
import { areasCoordinated, teamsOf, type Caller } from '../http/caller.js';

/**
 * The portal's professional referral form (SPEC §8): a signed-in caseworker or coordinator refers someone
 * on their behalf. It asks the online form's questions, worded for a professional writing about someone
 * else, and makes the same body POST /api/referrals takes, so one schema and one intake hold both to one
 * rule. No AWS here: the mapping and its errors are tested without a cloud.
 */

/** Who is referring, as their account and their team say: shown to them, never typed by them. */
export interface AccountReferrer {
  readonly name: string;
  readonly organisation: string;
  /** The account's work email; when it has none, the form asks for one. */
  readonly email?: string;
}

/** Team members and coordinators refer; a commissioner's office sees figures, never a person. */
export function mayRefer(caller: Caller, config: ServiceConfig): boolean {
  return teamsOf(caller, knownTeamIds(config)).length > 0 || areasCoordinated(caller).length > 0;
}

const knownTeamIds = (config: ServiceConfig) => config.areas.flatMap((area) => area.teams.map((team) => team.id));

/** The organisation a referral from this account comes from: the caller's (first) team, or the area they coordinate. */
export function organisationOf(caller: Caller, config: ServiceConfig): string | undefined {
  const teamId = teamsOf(caller, knownTeamIds(config))[0];
  const team = config.areas.flatMap((area) => area.teams).find((t) => t.id === teamId);
  if (team) return team.name;
  const area = config.areas.find((a) => areasCoordinated(caller).includes(a.id));
  return area ? `${area.name} referral coordination` : undefined;
}

const victimFields = new Map(ALL_QUESTIONS.flatMap((q) => fieldsOf(q)).map(({ field }) => [field.name, field]));

/** One of the online form's fields, as it is, or with the words a professional needs instead of "you". */
function asked(name: string, changes: Partial<Field> = {}): Field {
  const field = victimFields.get(name);
  if (!field) throw new Error(`The online form has no field ${name}`);
  return { ...field, ...changes } as Field;
}

const optionText = (name: string, value: string) => {
  const field = victimFields.get(name);
  const option = field && 'options' in field ? field.options?.find((o) => o.value === value) : undefined;
  if (!option) throw new Error(`The online form's ${name} has no option ${value}`);
  return option.text;
};

const contactOption = (value: string, reveal: Field) => ({ value, text: optionText('victim.safeContact.methods', value), reveal });

/** Sections of the one long page, in order: a professional fills it in at a desk, often from notes. */
function sectionsFor(referrer: AccountReferrer): Question[] {
  return [
    {
      id: 'referrer', title: 'Your details', card: 'you',
      fields: [
        ...(referrer.email ? [] : [{
          kind: 'text', name: 'referrer.email', label: 'Your work email address', inputmode: 'email', width: 'govuk-!-width-two-thirds',
          hint: 'Your account has no email address: the teams need one to reach you.', missing: 'Enter your work email address',
        } satisfies Field]),
        { kind: 'text', name: 'referrer.phone', label: 'Your phone number (optional)', inputmode: 'tel', width: 'govuk-input--width-20' },
        { kind: 'text', name: 'referrer.role', label: 'Your role (optional)', hint: 'For example, IDVA or housing officer', width: 'govuk-!-width-two-thirds' },
      ],
    },
    {
      id: 'consent', title: 'Consent', card: 'you',
      fields: [{
        kind: 'checkboxes', name: 'consent.shareWithServices', label: 'Has the person agreed to this referral?',
        hint: 'Only refer someone who has agreed. Nothing is stored without it.',
        missing: 'Confirm that the person has agreed to this referral being shared with support services',
        options: [{ value: 'yes', text: 'The person has agreed to this referral being shared with support services' }],
      }],
    },
    {
      id: 'danger', title: 'Immediate danger', card: 'you',
      fields: [asked('immediateDanger', {
        label: 'Is the person in immediate danger?', hint: 'If they are, call 999 first.', missing: 'Say whether the person is in immediate danger',
      })],
    },
    {
      id: 'victim', title: 'The person being stalked or harassed', card: 'you',
      fields: [
        asked('victim.firstName', { missing: 'Enter their first name' }),
        asked('victim.lastName', { missing: 'Enter their last name' }),
        asked('victim.dateOfBirth', { label: 'Date of birth (optional)', hint: 'For example, 27 3 1990' }),
        asked('victim.postcode', {
          label: 'Postcode', hint: 'Where they live: it decides which local services the referral goes to. For example, L1 8JQ', missing: 'Enter their postcode',
        }),
      ],
    },
    {
      id: 'safe-contact', title: 'Contacting them safely', card: 'contact',
      fields: [
        asked('victim.safeContact.methods', {
          label: 'How can services contact them safely?', hint: 'Only ways the person responsible cannot see or hear. Choose all that are safe.',
          missing: 'Choose at least one safe way to contact them',
          options: [
            contactOption('phone', asked('victim.phone', { missing: 'Enter the phone number they can be called on' })),
            contactOption('text', asked('victim.mobile', { hint: 'Leave this out if it is the same as the phone number above.' })),
            contactOption('email', asked('victim.email', { missing: 'Enter the email address services can use' })),
            contactOption('letter', asked('victim.address', { missing: 'Enter the address services can send letters to' })),
            { value: 'through-referrer', text: 'Only through me: they cannot safely be contacted directly' },
          ],
        }),
        asked('victim.safeContact.safeTimes'),
        asked('victim.safeContact.voicemailOk', { label: 'Is it safe to leave a voicemail message?', missing: 'Say whether it is safe to leave a voicemail' }),
      ],
    },
    {
      id: 'incident', title: 'What has been happening', card: 'happening',
      fields: [
        asked('incident.relationship', {
          label: 'Who is the person responsible to them?', missing: 'Choose who the person responsible is to them',
          options: [
            { value: 'ex-partner', text: 'Ex-partner' }, { value: 'partner', text: 'Current partner' }, { value: 'family-member', text: 'Family member' },
            { value: 'friend', text: 'Friend' }, { value: 'acquaintance', text: 'Acquaintance' }, { value: 'colleague', text: 'Colleague' },
            { value: 'neighbour', text: 'Neighbour' }, { value: 'stranger', text: 'Stranger' }, { value: 'unknown', text: 'Not known' },
            { value: 'other', text: 'Someone else' },
          ],
        }),
        asked('incident.behaviours', {
          label: 'What have they been doing?', hint: 'Choose all that have happened.', missing: 'Choose at least one thing that has happened',
          options: [
            { value: 'following', text: 'Following' }, { value: 'watching', text: 'Watching' }, { value: 'turning-up', text: 'Turning up where they are' },
            { value: 'messages', text: 'Sending messages' }, { value: 'calls', text: 'Phone calls' }, { value: 'social-media', text: 'Using social media' },
            { value: 'gifts', text: 'Leaving gifts or items' }, { value: 'property-damage', text: 'Damaging property' }, { value: 'threats', text: 'Making threats' },
            { value: 'contacting-others', text: 'Contacting people they know' }, { value: 'tracking', text: 'Tracking their phone or car' },
            { value: 'other', text: 'Something else' },
          ],
        }),
        asked('incident.frequency'),
        asked('incident.timesCount'),
        asked('incident.firstDate'),
        asked('incident.latestDate'),
        asked('incident.description', {
          label: 'What has been happening', hint: 'In the person’s words where you can: what, where and when.', missing: 'Describe what has been happening',
        }),
        asked('incident.reportedToPolice', { label: 'Has it been reported to the police?', missing: 'Say whether it has been reported to the police' }),
        asked('incident.crimeReference'),
        asked('incident.officer'),
      ],
    },
    {
      id: 'person-responsible', title: 'The person responsible', card: 'person', hint: 'Anything known. All of these can be left out.',
      fields: [
        asked('personResponsible.name', { label: 'Their name (optional)' }),
        asked('personResponsible.description', { label: 'Description (optional)', hint: 'Anything that would help a support worker know them, like their height, hair or car.' }),
        asked('personResponsible.livesNearby', { label: 'Do they live near the person? (optional)' }),
      ],
    },
    {
      id: 'risk', title: 'Risk questions', card: 'safety',
      hint: 'Answer from what the person has told you. Choose "Not sure" when you do not know.',
      // The screening's own labels: short, and the words the teams read back on the referral.
      fields: RISK_FACTOR_IDS.map((id): Field => ({
        kind: 'risk', name: `riskAnswers.${id}`, label: RISK_FACTOR_LABELS[id], missing: `Answer yes, no or not sure: ${RISK_FACTOR_LABELS[id].toLowerCase()}`,
      })),
    },
    {
      id: 'housing', title: 'Housing', card: 'home',
      fields: [
        asked('housing.tenure', {
          label: 'Where do they live?', missing: 'Choose where they live, or "They would rather not say"',
          options: [
            { value: 'owner-occupier', text: 'A home they own' }, { value: 'private-rent', text: 'Private rented' },
            { value: 'social-rent', text: 'Rented from the council or a housing association' },
            { value: 'living-with-family-or-friends', text: 'With family or friends' }, { value: 'temporary-accommodation', text: 'Temporary accommodation' },
            { value: 'no-fixed-address', text: 'No fixed address' }, { value: 'other', text: 'Somewhere else' },
            { value: 'prefer-not-to-say', text: 'They would rather not say' },
          ],
        }),
        asked('housing.unsafeAtHome', { label: 'Do they feel unsafe at home?', missing: 'Say whether they feel unsafe at home' }),
        asked('housing.personKnowsAddress', { label: 'Does the person responsible know where they live?', missing: 'Say whether the person responsible knows where they live' }),
        asked('housing.propertyDamagedAtHome', { label: 'Has their home, or anything at it, been damaged? (optional)', missing: undefined }),
        asked('housing.needsSupport', { label: 'Do they want help with housing?', missing: 'Say whether they want help with housing' }),
      ],
    },
    {
      id: 'needs', title: 'Language and other needs', card: 'needs', hint: 'All of these can be left out.',
      fields: [
        asked('needs.language', { label: 'Preferred language (optional)', hint: 'Leave this out if English is fine.' }),
        asked('needs.interpreter', { label: 'Do they need an interpreter? (optional)' }),
        asked('needs.accessNeeds', { label: 'Communication or access needs (optional)', hint: 'For example, deaf or hard of hearing, needs large print, finds it hard to leave home.' }),
        asked('needs.childrenInHousehold', { label: 'Do children live in the household? (optional)' }),
      ],
    },
    {
      id: 'band', title: 'Risk band', card: 'safety',
      hint: 'The answers above are screened into a band. From your professional judgement you can raise it; nothing lowers it.',
      fields: [
        {
          kind: 'radios', name: 'referrer.raiseBandTo', label: 'Do you want to raise the band? (optional)',
          options: [{ value: NO_RAISE, text: 'No, keep the screened band' }, { value: 'MEDIUM', text: 'Raise it to at least medium' }, { value: 'HIGH', text: 'Raise it to high' }],
        },
        { kind: 'textarea', name: 'referrer.raiseReason', label: 'Why are you raising the band?', hint: 'Needed when you raise it: what you know that the answers do not show.' },
      ],
    },
  ];
}

const NO_RAISE = 'no';

/** The professional form for this account: its sections, with their fields. */
export interface ProfessionalForm {
  readonly referrer: AccountReferrer;
  readonly sections: readonly Question[];
}

export const professionalForm = (referrer: AccountReferrer): ProfessionalForm => ({ referrer, sections: sectionsFor(referrer) });

/** The form's answers as posted; anything not on the form is ignored. */
export function professionalAnswers(form: ProfessionalForm, posted: URLSearchParams): Answers {
  return Object.assign({}, ...form.sections.map((section) => answersFrom(section, posted))) as Answers;
}

/**
 * The referral body (SPEC §8) the answers make: `source: agency`, the referrer from the account plus what
 * they added, consent as the ticked box says, and a band raise only when one was chosen.
 */
export function professionalBody(form: ProfessionalForm, answers: Answers): Record<string, unknown> {
  const { name, organisation, email } = form.referrer;
  const body = bodyFrom(form.sections, answers, { source: 'agency', referrer: { name, organisation, ...(email ? { email } : {}) } });
  const consent = answers['consent.shareWithServices'];
  body.consent = { shareWithServices: Array.isArray(consent) && consent.includes('yes') };
  const referrer = body.referrer as Record<string, unknown>;
  if (referrer.raiseBandTo === NO_RAISE) delete referrer.raiseBandTo;
  return body;
}

/** Where the account's own details are shown: the summary's link for a problem with them. */
export const ACCOUNT_DETAILS_ID = 'referrer-details';

/**
 * The schema's errors against the form's fields, in the order of the page: a required answer left out says
 * what to do in the form's words; anything no field holds (the account's own details) points at them.
 */
export function professionalErrors(form: ProfessionalForm, answers: Answers, schemaErrors: readonly FieldError[]): { path: string; message: string; href: string }[] {
  const onFields = form.sections.flatMap((section) => questionErrors(section, answers, schemaErrors).map((e) => ({ ...e, href: errorHref(section, e.path) })));
  const names = form.sections.flatMap((section) => fieldsOf(section).map((p) => p.field.name));
  const held = (path: string) => names.some((name) => path === name || path.startsWith(`${name}.`));
  const elsewhere = schemaErrors.filter((e) => !held(e.path)).map((e) => ({
    ...e, href: `#${e.path.startsWith('referrer.') ? ACCOUNT_DETAILS_ID : 'main-content'}`,
  }));
  const all = [...onFields, ...elsewhere];
  // Never a refusal without a reason: whatever the schema said is shown, if no field could take it.
  return all.length || !schemaErrors.length ? all : schemaErrors.map((e) => ({ ...e, href: '#main-content' }));
}
