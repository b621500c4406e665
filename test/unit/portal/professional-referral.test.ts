import { beforeEach, describe, expect, it, vi } from 'vitest';
import { parseReferral, RISK_FACTOR_IDS } from '../../../functions/domain/referral.js';
import { serviceConfig } from '../../../functions/adapters/service-config.js';
import {
  mayRefer, organisationOf, professionalAnswers, professionalBody, professionalErrors, professionalForm,
} from '../../../functions/portal/professional-referral.js';
import { bodyOf, NOW, REFERENCE, staffRequest } from '../../support/portal-requests.js';

const intake = vi.hoisted(() => ({ acceptReferral: vi.fn() }));
const profiles = vi.hoisted(() => ({ staffProfile: vi.fn() }));
vi.mock('../../../functions/adapters/referral-intake.js', () => intake);
vi.mock('../../../functions/adapters/staff-profile.js', () => profiles);
const store = vi.hoisted(() => ({ listAssignments: vi.fn(), requestDigest: (body: string) => `digest of ${body.length}` }));
vi.mock('../../../functions/adapters/referral-store.js', () => store);
vi.mock('../../../functions/adapters/portal-session-store.js', () => ({ savePortalSession: vi.fn() }));
const route = await import('../../../functions/portal/routes/professional-referral.js');

const ACCOUNT = { name: 'Casey Caseworker', organisation: 'Victim Care Merseyside', email: 'casey@victim-care.example' };
const KEY = 'K'.repeat(43);

/** Everything a professional fills in, as the browser posts it. */
function aCompleteForm(extra: [string, string][] = []): URLSearchParams {
  return new URLSearchParams([
    ['referrer.phone', '0151 496 0000'], ['referrer.role', 'IDVA'],
    ['consent.shareWithServices', 'yes'], ['immediateDanger', 'no'],
    ['victim.firstName', 'Marisol'], ['victim.lastName', 'Quennell-Abara'],
    ['victim.dateOfBirth-day', '3'], ['victim.dateOfBirth-month', '9'], ['victim.dateOfBirth-year', '1988'],
    ['victim.postcode', 'l8 7qz'],
    ['victim.safeContact.methods', 'phone'], ['victim.safeContact.methods', 'through-referrer'], ['victim.phone', '07700 900123'],
    // Typed, then its box left unticked: not a number to use.
    ['victim.email', 'not.chosen@example.org'],
    ['victim.safeContact.safeTimes', 'Mornings'], ['victim.safeContact.voicemailOk', 'no'],
    ['incident.relationship', 'ex-partner'], ['incident.behaviours', 'following'], ['incident.behaviours', 'threats'],
    ['incident.frequency', 'weekly'], ['incident.timesCount', '1,200'],
    ['incident.firstDate-day', '1'], ['incident.firstDate-month', '6'], ['incident.firstDate-year', '2026'],
    ['incident.latestDate-day', '10'], ['incident.latestDate-month', '11'], ['incident.latestDate-year', '2026'],
    ['incident.description', 'Waits outside her work most mornings.'], ['incident.reportedToPolice', 'no'],
    ...RISK_FACTOR_IDS.map((id): [string, string] => [`riskAnswers.${id}`, id === 'threatsToKill' ? 'yes' : id === 'pastViolence' ? 'unsure' : 'no']),
    ['housing.tenure', 'social-rent'], ['housing.unsafeAtHome', 'yes'], ['housing.personKnowsAddress', 'yes'], ['housing.needsSupport', 'no'],
    ['needs.interpreter', 'no'],
    ['referrer.raiseBandTo', 'HIGH'], ['referrer.raiseReason', 'He has a conviction for violence against a former partner.'],
    ...extra,
  ]);
}

const form = professionalForm(ACCOUNT);

describe('the professional form as a referral body', () => {
  it('is an agency referral from the account, with what the professional added, and passes the API’s schema', () => {
    const body = professionalBody(form, professionalAnswers(form, aCompleteForm()));
    expect(body).toEqual({
      source: 'agency',
      referrer: { ...ACCOUNT, phone: '0151 496 0000', role: 'IDVA', raiseBandTo: 'HIGH', raiseReason: 'He has a conviction for violence against a former partner.' },
      consent: { shareWithServices: true },
      immediateDanger: false,
      victim: {
        firstName: 'Marisol', lastName: 'Quennell-Abara', dateOfBirth: '1988-09-03', postcode: 'l8 7qz', phone: '07700 900123',
        safeContact: { methods: ['phone', 'through-referrer'], safeTimes: 'Mornings', voicemailOk: false },
      },
      incident: {
        relationship: 'ex-partner', behaviours: ['following', 'threats'], frequency: 'weekly', timesCount: 1200,
        firstDate: '2026-06-01', latestDate: '2026-11-10', description: 'Waits outside her work most mornings.', reportedToPolice: false,
      },
      riskAnswers: Object.fromEntries(RISK_FACTOR_IDS.map((id) => [id, id === 'threatsToKill' ? 'yes' : id === 'pastViolence' ? 'unsure' : 'no'])),
      housing: { tenure: 'social-rent', unsafeAtHome: true, personKnowsAddress: true, needsSupport: false },
      needs: { interpreter: false },
    });
    const parsed = parseReferral(body, NOW);
    expect(parsed.ok).toBe(true);
  });

  it('raises nothing when the professional keeps the screened band', () => {
    const posted = aCompleteForm();
    posted.set('referrer.raiseBandTo', 'no');
    posted.delete('referrer.raiseReason');
    const body = professionalBody(form, professionalAnswers(form, posted));
    expect(body.referrer).toEqual({ ...ACCOUNT, phone: '0151 496 0000', role: 'IDVA' });
    expect(parseReferral(body, NOW).ok).toBe(true);
  });

  it('records consent only when the box is ticked', () => {
    const posted = aCompleteForm();
    posted.delete('consent.shareWithServices');
    expect(professionalBody(form, professionalAnswers(form, posted)).consent).toEqual({ shareWithServices: false });
  });

  it('asks for a work email, and uses it, when the account has none', () => {
    const noEmail = professionalForm({ name: 'Casey', organisation: 'Victim Care Merseyside' });
    const body = professionalBody(noEmail, professionalAnswers(noEmail, aCompleteForm([['referrer.email', 'casey@work.example']])));
    expect(body.referrer).toMatchObject({ name: 'Casey', organisation: 'Victim Care Merseyside', email: 'casey@work.example' });
    expect(professionalForm(ACCOUNT).sections[0]!.fields.map((f) => f.name)).not.toContain('referrer.email');
  });

  it('ignores a posted referrer name or organisation: they come from the account', () => {
    const body = professionalBody(form, professionalAnswers(form, aCompleteForm([['referrer.name', 'Someone Else'], ['referrer.organisation', 'Police'], ['source', 'police']])));
    expect(body.source).toBe('agency');
    expect(body.referrer).toMatchObject({ name: ACCOUNT.name, organisation: ACCOUNT.organisation });
  });
});

describe('the professional form’s errors', () => {
  it('names every required answer left out, in the order of the page, each linked to its field', () => {
    const answers = professionalAnswers(form, new URLSearchParams());
    const parsed = parseReferral(professionalBody(form, answers), NOW);
    expect(parsed.ok).toBe(false);
    const errors = professionalErrors(form, answers, parsed.ok ? [] : parsed.errors);
    expect(errors.slice(0, 4)).toEqual([
      { path: 'consent.shareWithServices', href: '#consent-shareWithServices', message: 'Confirm that the person has agreed to this referral being shared with support services' },
      { path: 'immediateDanger', href: '#immediateDanger', message: 'Say whether the person is in immediate danger' },
      { path: 'victim.firstName', href: '#victim-firstName', message: 'Enter their first name' },
      { path: 'victim.lastName', href: '#victim-lastName', message: 'Enter their last name' },
    ]);
    expect(errors.map((e) => e.href)).toContain('#incident-firstDate-day');
    expect(errors.filter((e) => e.path.startsWith('riskAnswers.'))).toHaveLength(RISK_FACTOR_IDS.length);
  });

  it('asks for the reason when the band is raised without one', () => {
    const posted = aCompleteForm();
    posted.delete('referrer.raiseReason');
    const answers = professionalAnswers(form, posted);
    const parsed = parseReferral(professionalBody(form, answers), NOW);
    expect(parsed.ok ? [] : professionalErrors(form, answers, parsed.errors)).toEqual([
      { path: 'referrer.raiseReason', href: '#referrer-raiseReason', message: 'Explain why you are raising the risk band' },
    ]);
  });

  it('points a problem with the account’s own details at them', () => {
    const long = professionalForm({ ...ACCOUNT, name: 'N'.repeat(101) });
    const answers = professionalAnswers(long, aCompleteForm());
    const parsed = parseReferral(professionalBody(long, answers), NOW);
    expect(parsed.ok ? [] : professionalErrors(long, answers, parsed.errors)).toEqual([
      { path: 'referrer.name', href: '#referrer-details', message: 'Your name must be 100 characters or fewer' },
    ]);
  });
});

describe('who may refer', () => {
  const caller = (groups: string[]) => ({ userId: 'u', username: 'u', groups });
  it('is a team member, with their team as the organisation, or a coordinator, with their area', () => {
    expect(mayRefer(caller(['victim-care']), serviceConfig)).toBe(true);
    expect(organisationOf(caller(['victim-care']), serviceConfig)).toBe('Victim Care Merseyside');
    expect(mayRefer(caller(['coordinator-merseyside']), serviceConfig)).toBe(true);
    expect(organisationOf(caller(['coordinator-merseyside']), serviceConfig)).toBe('Merseyside referral coordination');
  });

  it('is never a commissioner, nor someone in no known team', () => {
    expect(mayRefer(caller(['commissioner-merseyside']), serviceConfig)).toBe(false);
    expect(mayRefer(caller(['no-such-team']), serviceConfig)).toBe(false);
  });
});

describe('the professional referral pages', () => {
  const posting = (groups: string[], posted: URLSearchParams, extra: Record<string, string> = {}) =>
    staffRequest(groups, { form: { csrf: 'form-token', submission: KEY, ...Object.fromEntries(posted), ...extra } });
  // URLSearchParams → record loses repeated names: post the body as the browser would.
  const browserPost = (groups: string[], posted: URLSearchParams) => {
    const request = staffRequest(groups, { form: { csrf: 'form-token' } });
    posted.set('csrf', 'form-token');
    posted.set('submission', KEY);
    return { ...request, event: { ...request.event, body: posted.toString() } };
  };

  beforeEach(() => {
    intake.acceptReferral.mockReset();
    store.listAssignments.mockReset();
    store.listAssignments.mockResolvedValue([]);
    profiles.staffProfile.mockReset();
    profiles.staffProfile.mockResolvedValue({ name: ACCOUNT.name, email: ACCOUNT.email });
  });

  it('shows a caseworker the form with their account’s details and a fresh key', async () => {
    const page = await route.show(staffRequest(['victim-care']));
    expect(page.statusCode).toBe(200);
    const body = bodyOf(page);
    for (const words of [ACCOUNT.name, ACCOUNT.organisation, ACCOUNT.email, 'The person has agreed to this referral being shared with support services', 'Threats to kill']) {
      expect(body).toContain(words);
    }
    expect(body).toMatch(/name="submission" value="[A-Za-z0-9_-]{43}"/);
  });

  it('is not found for a commissioner, who can neither see nor send it', async () => {
    expect((await route.show(staffRequest(['commissioner-merseyside']))).statusCode).toBe(404);
    expect((await route.submit(browserPost(['commissioner-merseyside'], aCompleteForm()))).statusCode).toBe(404);
    expect(intake.acceptReferral).not.toHaveBeenCalled();
  });

  it('shows a form with errors again, with its answers, and sends nothing', async () => {
    const page = await route.submit(posting(['victim-care'], new URLSearchParams([['victim.firstName', 'Marisol'], ['incident.description', 'Kept this.']])));
    expect(page.statusCode).toBe(400);
    const body = bodyOf(page);
    expect(body).toContain('href="#consent-shareWithServices">Confirm that the person has agreed');
    expect(body).toMatch(/name="victim.firstName"[^>]*value="Marisol"/);
    expect(body).toMatch(/<textarea[^>]*>Kept this.<\/textarea>/);
    expect(body).toContain(`value="${KEY}"`);
    expect(intake.acceptReferral).not.toHaveBeenCalled();
  });

  it('sends a complete form through the intake, as the signed-in user, keyed by the form', async () => {
    intake.acceptReferral.mockResolvedValue({ kind: 'created', reference: REFERENCE, status: 'RECEIVED' });
    const page = await route.submit(browserPost(['victim-care'], aCompleteForm()));
    expect(page.statusCode).toBe(200);
    expect(bodyOf(page)).toContain(REFERENCE);
    expect(intake.acceptReferral).toHaveBeenCalledWith(expect.objectContaining({
      submission: expect.objectContaining({ source: 'agency', referrer: expect.objectContaining({ organisation: ACCOUNT.organisation, raiseBandTo: 'HIGH' }) }),
      idempotency: expect.objectContaining({ key: `portal-referral:user-1:${KEY}` }),
      submittedBy: { actor: 'user:user-1', detail: { username: 'casey.caseworker', via: 'portal-professional-form' } },
    }));
  });

  it('links to the referral only once the caseworker’s own team has it', async () => {
    intake.acceptReferral.mockResolvedValue({ kind: 'idempotent-repeat', reference: REFERENCE, status: 'AWAITING_ACK', sameRequest: true });
    const assignment = (teamId: string, status: string) => ({ reference: REFERENCE, teamId, status });
    store.listAssignments.mockResolvedValue([assignment('mdvs', 'NOTIFIED'), assignment('victim-care', 'ASSIGNED')]);
    expect(bodyOf(await route.submit(browserPost(['victim-care'], aCompleteForm())))).not.toContain(`href="/portal/referrals/${REFERENCE}"`);
    store.listAssignments.mockResolvedValue([assignment('mdvs', 'NOTIFIED'), assignment('victim-care', 'NOTIFIED')]);
    const page = bodyOf(await route.submit(browserPost(['victim-care'], aCompleteForm())));
    expect(page).toContain(`href="/portal/referrals/${REFERENCE}"`);
    expect(page).toContain(REFERENCE);
  });

  it('refuses a post without the session’s form token, sending nothing', async () => {
    const request = browserPost(['victim-care'], aCompleteForm());
    const page = await route.submit({ ...request, event: { ...request.event, body: String(request.event.body).replace('csrf=form-token', 'csrf=other') } });
    expect(page.statusCode).toBe(403);
    expect(intake.acceptReferral).not.toHaveBeenCalled();
  });

  it('says so when the same form is sent again with other answers', async () => {
    intake.acceptReferral.mockResolvedValue({ kind: 'idempotent-repeat', reference: REFERENCE, status: 'RECEIVED', sameRequest: false });
    const page = await route.submit(browserPost(['victim-care'], aCompleteForm()));
    expect(page.statusCode).toBe(409);
    expect(bodyOf(page)).toContain(REFERENCE);
  });
});
