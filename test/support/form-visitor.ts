/**
 * The victim form driven over plain HTTP, as a browser without JavaScript would: a session cookie, the
 * page's form token, one POST per page. For tests of what the server does with sends, not of the pages.
 */
export interface FormVisitor {
  readonly cookie: string;
  readonly csrf: string;
  post(page: string, fields: Record<string, string | string[]>): Promise<Response>;
  get(page: string): Promise<Response>;
}

export async function startForm(apiUrl: string): Promise<FormVisitor> {
  const first = await fetch(`${apiUrl}/refer/danger`, { redirect: 'manual' });
  const cookie = first.headers.getSetCookie().map((c) => c.split(';')[0]!).find((c) => c.startsWith('referral-form='));
  const csrf = /name="csrf" value="([^"]+)"/.exec(await first.text())?.[1];
  if (!cookie || !csrf) throw new Error('The form did not start a session');
  return {
    cookie, csrf,
    post: (page, fields) => {
      const body = new URLSearchParams({ csrf });
      for (const [name, value] of Object.entries(fields)) for (const v of [value].flat()) body.append(name, v);
      return fetch(`${apiUrl}/refer/${page}`, {
        method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString(),
      });
    },
    get: (page) => fetch(`${apiUrl}/refer/${page}`, { redirect: 'manual', headers: { cookie } }),
  };
}

/** Every page's answers, in the form's order, for someone in `postcode` whom the person still frightens. */
export function formAnswers(person: { firstName: string; lastName: string; postcode: string }): [string, Record<string, string | string[]>][] {
  return [
    ['danger', { immediateDanger: 'no' }],
    ['consent', { 'consent.shareWithServices': 'yes' }],
    ['helper', { 'form.forSomeoneElse': 'no' }],
    ['name', { 'victim.firstName': person.firstName, 'victim.lastName': person.lastName }],
    ['date-of-birth', { 'victim.dateOfBirth-day': '', 'victim.dateOfBirth-month': '', 'victim.dateOfBirth-year': '' }],
    ['postcode', { 'victim.postcode': person.postcode }],
    ['contact', { 'victim.safeContact.methods': ['phone'], 'victim.phone': '07700 900456', 'victim.mobile': '', 'victim.email': '', 'victim.address': '' }],
    ['contact-times', { 'victim.safeContact.safeTimes': '', 'victim.safeContact.voicemailOk': 'no' }],
    ['relationship', { 'incident.relationship': 'ex-partner' }],
    ['person', { 'personResponsible.name': '', 'personResponsible.description': '' }],
    ['behaviours', { 'incident.behaviours': ['following', 'messages'] }],
    ['frequency', { 'incident.frequency': 'daily' }],
    ['times-count', { 'incident.timesCount': '' }],
    ['first-date', { 'incident.firstDate-day': '3', 'incident.firstDate-month': '2', 'incident.firstDate-year': '2025' }],
    ['latest-date', { 'incident.latestDate-day': '1', 'incident.latestDate-month': '10', 'incident.latestDate-year': '2025' }],
    ['description', { 'incident.description': 'He messages me every night and waits at the end of my road.' }],
    ['police', { 'incident.reportedToPolice': 'no', 'incident.crimeReference': '', 'incident.officer': '' }],
    ['risk-threats', { 'riskAnswers.veryFrightened': 'yes', 'riskAnswers.threatsToKill': 'yes', 'riskAnswers.threatsOfViolence': 'unsure' }],
    ['risk-violence', { 'riskAnswers.violenceUsed': 'no', 'riskAnswers.pastViolence': 'no', 'riskAnswers.propertyDamage': 'no', 'riskAnswers.weaponsAccess': 'no' }],
    ['risk-contact', { 'riskAnswers.turnsUp': 'yes', 'riskAnswers.frequentContact': 'yes', 'riskAnswers.contactsOthers': 'no', 'riskAnswers.enlistsOthers': 'no' }],
    ['risk-person', { 'riskAnswers.substanceMisuse': 'no', 'riskAnswers.escalating': 'yes', 'riskAnswers.selfHarmThreats': 'no' }],
    ['housing', { 'housing.tenure': 'social-rent' }],
    ['home-safety', { 'housing.unsafeAtHome': 'yes', 'housing.personKnowsAddress': 'yes', 'housing.propertyDamagedAtHome': 'no', 'housing.needsSupport': 'yes' }],
    ['language', { 'needs.language': '' }],
    ['access-needs', { 'needs.accessNeeds': '' }],
    ['children', {}],
  ];
}

/** Answers every page up to "check your answers", failing on the first page that does not move on. */
export async function fillForm(visitor: FormVisitor, person: { firstName: string; lastName: string; postcode: string }): Promise<void> {
  for (const [page, fields] of formAnswers(person)) {
    const answer = await visitor.post(page, fields);
    if (answer.status !== 303) throw new Error(`The ${page} page answered ${answer.status}: ${(await answer.text()).match(/govuk-error-summary__list[\s\S]*?<\/ul>/)?.[0] ?? ''}`);
  }
}

/** The check page's Send: posted to the confirmation's address, which answers with the confirmation. */
export const send = (visitor: FormVisitor) => visitor.post('confirmation', { website: '' });

/** The reference on a confirmation page, if the page is one. */
export const referenceIn = (html: string) => /<strong>(SR-[A-Z0-9]{4}-[A-Z0-9]{4})<\/strong>/.exec(html)?.[1];
